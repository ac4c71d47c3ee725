//! The compact spec strings that grammar tables are written in, and the option definitions
//! they produce.
//!
//! A spec is whitespace-separated entries `S/long-name` followed by an argument marker and an
//! effect marker:
//! - `S` is the short letter (may be empty: `/long-only`); `/long` may be omitted (`S` alone).
//!   Several long names for one option are joined with `|`: `/color|colour::`.
//! - argument: nothing (a flag), `:` (takes a value), `::` (optional value, attached only:
//!   `--opt=v` or `-ov`).
//! - effect: nothing (safe for a read-only command), `!` (changes state, writes or runs
//!   something: never read-only), `>` (writes the file named by its value: read-only only when
//!   that value is `/dev/null`, `/dev/stdout`, `/dev/stderr` or `-`).
//!
//! - `#` alone: the tool takes a number as an option (`head -20`, `grep -5`): a dash followed by
//!   digits is read as that option, with the digits as its value.
//!
//! Example: `o/output:> k/key: c/check /compress-program:! V/version-sort`.

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// A flag.
    No,
    /// Always takes a value: attached (`-ofile`, `--out=file`) or the next word.
    Required,
    /// Takes a value only when attached.
    Optional,
}

/// What an option does, for classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Safe in a read-only command.
    Safe,
    /// Changes state, writes or runs something.
    Unsafe,
    /// Writes the file named by its value.
    WritesValue,
}

/// One option of a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptDef {
    pub short: Option<char>,
    /// Long names without dashes; the first is the canonical one.
    pub long: Vec<String>,
    pub arg: Arg,
    pub effect: Effect,
}

impl OptDef {
    /// `--first-long-name`, else `-s`.
    pub(crate) fn canonical(&self) -> String {
        match (self.long.first(), self.short) {
            (Some(l), _) => format!("--{l}"),
            (None, Some(s)) => format!("-{s}"),
            (None, None) => String::new(),
        }
    }

    /// True for the `-NUM` option (`head -20`).
    pub(crate) fn is_numeric(&self) -> bool {
        self.short.is_none() && self.long.len() == 1 && self.long[0] == "#"
    }

    /// True when `name` (`-s` or `--long`) names this option.
    pub(crate) fn is(&self, name: &str) -> bool {
        match name.strip_prefix("--") {
            Some(l) => self.long.iter().any(|x| x == l),
            None => {
                let mut chars = name.chars();
                chars.next() == Some('-')
                    && chars.next() == self.short
                    && chars.next().is_none()
                    && self.short.is_some()
            }
        }
    }
}

/// Parse a spec string. Grammar tables are static program text, so a malformed entry is a
/// programming error; it is skipped in release builds and caught by the table tests.
///
/// The vectors are cut to their length: the tables hold a few thousand of them for the life of
/// the process, and a collected `Vec` keeps room for 4 names (96 bytes) where most options have
/// one (BENCHMARKS.md, "Headless memory").
pub(crate) fn parse(spec: &str) -> Vec<OptDef> {
    let mut defs: Vec<OptDef> = spec.split_whitespace().filter_map(entry).collect();
    defs.shrink_to_fit();
    defs
}

fn entry(raw: &str) -> Option<OptDef> {
    if raw == "#" {
        return Some(OptDef {
            short: None,
            long: vec!["#".to_string()],
            arg: Arg::Required,
            effect: Effect::Safe,
        });
    }
    let (body, effect) = if let Some(b) = raw.strip_suffix('!') {
        (b, Effect::Unsafe)
    } else if let Some(b) = raw.strip_suffix('>') {
        (b, Effect::WritesValue)
    } else {
        (raw, Effect::Safe)
    };
    let (body, arg) = if let Some(b) = body.strip_suffix("::") {
        (b, Arg::Optional)
    } else if let Some(b) = body.strip_suffix(':') {
        (b, Arg::Required)
    } else {
        (body, Arg::No)
    };
    let (short, long) = match body.split_once('/') {
        Some((s, l)) => (s, l),
        None => (body, ""),
    };
    let mut short_chars = short.chars();
    let short = short_chars.next();
    let mut long: Vec<String> = long
        .split('|')
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    long.shrink_to_fit();
    let valid = short_chars.next().is_none() && (short.is_some() || !long.is_empty());
    debug_assert!(valid, "malformed grammar entry `{raw}`");
    valid.then_some(OptDef {
        short,
        long,
        arg,
        effect,
    })
}
