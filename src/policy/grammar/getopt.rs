//! Reading an argv with a tool's grammar, the way the tool itself reads it: GNU `getopt_long`
//! (clusters, attached values, unambiguous long prefixes, permutation), `getopt_long_only`,
//! and exact-name parsers such as OpenSSL's.

use super::{Arg, Effect, Grammar, OptDef, Style};

/// Why a word could not be read as one of the tool's options. Any of these means the
/// command is not understood, so it is never read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bad {
    /// Not an option of this tool.
    Unknown,
    /// A prefix of several long options (the candidates' canonical names).
    Ambiguous(Vec<String>),
    /// The option takes a value and none followed.
    MissingValue,
    /// A flag given a value (`--all=x`).
    UnexpectedValue,
}

/// One word (or one letter of a cluster) of the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// An option of the tool: `def` indexes the grammar's definitions.
    Opt {
        def: usize,
        /// As written: `--outp`, `-o`.
        spelled: String,
        value: Option<&'a str>,
    },
    /// An operand (argument that is not an option).
    Operand(&'a str),
    /// A word that looks like an option but is not one the grammar accepts.
    Bad { spelled: String, why: Bad },
}

/// The result of reading an argv with a [`Grammar`].
#[derive(Debug, Clone)]
pub(crate) struct Parsed<'a> {
    pub grammar: &'a Grammar,
    pub items: Vec<Item<'a>>,
    /// Index in the argv of the first operand (with `stop_at_operand`, where the inner command
    /// or subcommand starts).
    pub first_operand: Option<usize>,
}

/// Values of an option that write nothing.
const HARMLESS_OUTPUTS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr", "-"];

impl<'a> Parsed<'a> {
    /// The options as (definition, spelling, value).
    pub(crate) fn opts(&self) -> impl Iterator<Item = (&OptDef, &str, Option<&'a str>)> + '_ {
        self.items.iter().filter_map(|i| match i {
            Item::Opt {
                def,
                spelled,
                value,
            } => self
                .grammar
                .defs
                .get(*def)
                .map(|d| (d, spelled.as_str(), *value)),
            _ => None,
        })
    }

    /// The operands, in order.
    pub(crate) fn operands(&self) -> Vec<&'a str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Operand(o) => Some(*o),
                _ => None,
            })
            .collect()
    }

    /// True when an option named `name` (`-s` or `--long`, any of its names) was given.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.opts().any(|(d, _, _)| d.is(name))
    }

    /// The last value given to the option named `name` (tools keep the last one).
    pub(crate) fn value(&self, name: &str) -> Option<&'a str> {
        self.opts().filter(|(d, _, _)| d.is(name)).last()?.2
    }

    /// Every value given to the option named `name`.
    pub(crate) fn values(&self, name: &str) -> Vec<&'a str> {
        self.opts()
            .filter(|(d, _, _)| d.is(name))
            .filter_map(|(_, _, v)| v)
            .collect()
    }

    /// The first word that is not a valid option, as a reason for the operator.
    pub(crate) fn bad(&self) -> Option<String> {
        self.items.iter().find_map(|i| match i {
            Item::Bad { spelled, why } => Some(match why {
                Bad::Unknown => format!("unknown option `{spelled}`"),
                Bad::Ambiguous(c) => {
                    format!("ambiguous option `{spelled}` ({})", c.join(", "))
                }
                Bad::MissingValue => format!("option `{spelled}` is missing its value"),
                Bad::UnexpectedValue => format!("option `{spelled}` takes no value"),
            }),
            _ => None,
        })
    }

    /// The first option that keeps the command from being read-only (an unsafe option, or
    /// one that writes a real file), with its value.
    pub(crate) fn first_unsafe(&self) -> Option<(&OptDef, &str, Option<&'a str>)> {
        self.opts().find(|(d, _, v)| match d.effect {
            Effect::Safe => false,
            Effect::Unsafe => true,
            Effect::WritesValue => !v.is_some_and(|v| HARMLESS_OUTPUTS.contains(&v)),
        })
    }

    /// Why the options keep the command from being read-only, or `None` when every option is
    /// known and safe.
    pub(crate) fn not_read_only(&self, tool: &str) -> Option<String> {
        if let Some(bad) = self.bad() {
            return Some(format!("{tool}: {bad}"));
        }
        self.first_unsafe()
            .map(|(d, spelled, v)| match (d.effect, v) {
                (Effect::WritesValue, Some(v)) => format!("{tool} {spelled} writes {v}"),
                _ => format!("{tool} {spelled} changes state or runs something"),
            })
    }
}

/// Read `args` with `grammar`.
pub(crate) fn parse<'a>(grammar: &'a Grammar, args: &'a [String]) -> Parsed<'a> {
    let mut out = Parsed {
        grammar,
        items: Vec::new(),
        first_operand: None,
    };
    let mut i = 0;
    let mut operands_only = false;
    while i < args.len() {
        let arg = args[i].as_str();
        let index = i;
        i += 1;
        if operands_only || arg == "-" || !arg.starts_with('-') {
            out.first_operand.get_or_insert(index);
            out.items.push(Item::Operand(arg));
            if grammar.stop_at_operand {
                operands_only = true;
            }
            continue;
        }
        if arg == "--" {
            operands_only = true;
            if i < args.len() {
                out.first_operand.get_or_insert(i);
            }
            continue;
        }
        match grammar.style {
            Style::Exact => exact(grammar, args, arg, &mut i, &mut out),
            Style::FirstPrefix => first_prefix(grammar, args, arg, &mut i, &mut out),
            Style::Gnu => {
                if let Some(long) = arg.strip_prefix("--") {
                    long_opt(grammar, args, long, arg, &mut i, &mut out, false);
                } else {
                    cluster(grammar, args, arg, &mut i, &mut out);
                }
            }
            Style::LongOnly => {
                if let Some(long) = arg.strip_prefix("--") {
                    long_opt(grammar, args, long, arg, &mut i, &mut out, false);
                } else {
                    let body = &arg[1..];
                    let mut chars = body.chars();
                    let single_short = match (chars.next(), chars.next()) {
                        (Some(c), None) => grammar.defs.iter().any(|d| d.short == Some(c)),
                        _ => false,
                    };
                    if single_short || !long_opt(grammar, args, body, arg, &mut i, &mut out, true) {
                        cluster(grammar, args, arg, &mut i, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// Candidates for a long name: the exact match, else every option with a name it prefixes.
fn long_candidates(grammar: &Grammar, name: &str, allow_prefix: bool) -> Vec<usize> {
    let exact: Vec<usize> = grammar
        .defs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.long.iter().any(|l| l == name))
        .map(|(i, _)| i)
        .collect();
    if !exact.is_empty() || !allow_prefix || name.is_empty() {
        return exact;
    }
    grammar
        .defs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.long.iter().any(|l| l.starts_with(name)))
        .map(|(i, _)| i)
        .collect()
}

/// `--name[=value]` (or `-name` for `getopt_long_only`). With `quiet_unknown`, an unknown
/// name pushes nothing and returns false, so the caller can read it as a short cluster.
fn long_opt<'a>(
    grammar: &Grammar,
    args: &'a [String],
    body: &'a str,
    spelled: &str,
    i: &mut usize,
    out: &mut Parsed<'a>,
    quiet_unknown: bool,
) -> bool {
    let (name, attached) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let spelled_name = spelled.split_once('=').map_or(spelled, |(n, _)| n);
    let candidates = long_candidates(grammar, name, true);
    let def = match candidates.as_slice() {
        [] if quiet_unknown => return false,
        [] => {
            out.items.push(Item::Bad {
                spelled: spelled_name.to_string(),
                why: Bad::Unknown,
            });
            return true;
        }
        [one] => *one,
        many => {
            out.items.push(Item::Bad {
                spelled: spelled_name.to_string(),
                why: Bad::Ambiguous(
                    many.iter()
                        .filter_map(|d| grammar.defs.get(*d))
                        .map(OptDef::canonical)
                        .collect(),
                ),
            });
            return true;
        }
    };
    take_value(grammar, args, def, spelled_name, attached, i, out);
    true
}

/// Push option `def` with its value: `attached` (after `=` or in the cluster) or, for a
/// required value, the next word.
fn take_value<'a>(
    grammar: &Grammar,
    args: &'a [String],
    def: usize,
    spelled: &str,
    attached: Option<&'a str>,
    i: &mut usize,
    out: &mut Parsed<'a>,
) {
    let arg = grammar.defs.get(def).map_or(Arg::No, |d| d.arg);
    let item = match (arg, attached) {
        (Arg::No, Some(_)) => Item::Bad {
            spelled: spelled.to_string(),
            why: Bad::UnexpectedValue,
        },
        (Arg::No, None) | (Arg::Optional, None) => Item::Opt {
            def,
            spelled: spelled.to_string(),
            value: None,
        },
        (_, Some(v)) => Item::Opt {
            def,
            spelled: spelled.to_string(),
            value: Some(v),
        },
        (Arg::Required, None) => match args.get(*i) {
            Some(v) => {
                *i += 1;
                Item::Opt {
                    def,
                    spelled: spelled.to_string(),
                    value: Some(v.as_str()),
                }
            }
            None => Item::Bad {
                spelled: spelled.to_string(),
                why: Bad::MissingValue,
            },
        },
    };
    out.items.push(item);
}

/// `-abc`, `-ofile`, `-o file`.
fn cluster<'a>(
    grammar: &Grammar,
    args: &'a [String],
    arg: &'a str,
    i: &mut usize,
    out: &mut Parsed<'a>,
) {
    let body = &arg[1..];
    let mut skip_to = 0;
    for (pos, c) in body.char_indices() {
        if pos < skip_to {
            continue;
        }
        if c.is_ascii_digit()
            && let Some(def) = grammar.defs.iter().position(OptDef::is_numeric)
        {
            let digits = body[pos..]
                .find(|d: char| !d.is_ascii_digit())
                .map_or(body.len(), |n| pos + n);
            out.items.push(Item::Opt {
                def,
                spelled: format!("-{}", &body[pos..digits]),
                value: Some(&body[pos..digits]),
            });
            skip_to = digits;
            continue;
        }
        let spelled = format!("-{c}");
        let Some(def) = grammar.defs.iter().position(|d| d.short == Some(c)) else {
            out.items.push(Item::Bad {
                spelled,
                why: Bad::Unknown,
            });
            return;
        };
        let takes = grammar.defs.get(def).map_or(Arg::No, |d| d.arg);
        if takes == Arg::No {
            out.items.push(Item::Opt {
                def,
                spelled,
                value: None,
            });
            continue;
        }
        let rest = &body[pos + c.len_utf8()..];
        let attached = (!rest.is_empty()).then_some(rest);
        take_value(grammar, args, def, &spelled, attached, i, out);
        return;
    }
}

/// `-name`, `--name`, `-name=value`: exact names only.
fn exact<'a>(
    grammar: &Grammar,
    args: &'a [String],
    arg: &'a str,
    i: &mut usize,
    out: &mut Parsed<'a>,
) {
    named(grammar, args, arg, i, out, |name| {
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => grammar
                .defs
                .iter()
                .position(|d| d.short == Some(c) || d.long.iter().any(|l| l == name)),
            _ => long_candidates(grammar, name, false).first().copied(),
        }
    });
}

/// iproute2: `-name` or `--name`, the first definition with a long name that `name` prefixes.
fn first_prefix<'a>(
    grammar: &Grammar,
    args: &'a [String],
    arg: &'a str,
    i: &mut usize,
    out: &mut Parsed<'a>,
) {
    named(grammar, args, arg, i, out, |name| {
        (!name.is_empty())
            .then(|| {
                grammar.defs.iter().position(|d| {
                    d.long.iter().any(|l| l.starts_with(name))
                        || d.short.is_some_and(|c| name.chars().eq(std::iter::once(c)))
                })
            })
            .flatten()
    });
}

/// One `-name[=value]` / `--name[=value]` word, with `find` choosing the definition of `name`
/// (the styles without clusters differ only in how a name is looked up).
fn named<'a>(
    grammar: &Grammar,
    args: &'a [String],
    arg: &'a str,
    i: &mut usize,
    out: &mut Parsed<'a>,
    find: impl Fn(&str) -> Option<usize>,
) {
    let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
    let (name, attached) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let spelled = arg.split_once('=').map_or(arg, |(n, _)| n);
    match find(name) {
        Some(def) => take_value(grammar, args, def, spelled, attached, i, out),
        None => out.items.push(Item::Bad {
            spelled: spelled.to_string(),
            why: Bad::Unknown,
        }),
    }
}
