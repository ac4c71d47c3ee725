//! GNU-style option parsing for argv rules: short clusters, `--long=value`, `--`.

/// A parsed option or operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Opt<'a> {
    /// `-x`, `--long`; `value` when it takes one.
    Flag {
        name: String,
        value: Option<&'a str>,
    },
    /// An operand.
    Pos(&'a str),
}

/// Parse GNU-style options. `short_val` lists short flags taking a value, `long_val` long ones.
/// With `stop_at_operand`, everything from the first operand on is returned as operands.
pub(crate) fn opts<'a>(
    args: &'a [String],
    short_val: &str,
    long_val: &[&str],
    stop_at_operand: bool,
) -> Vec<Opt<'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut operands_only = false;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if operands_only || arg == "-" || !arg.starts_with('-') {
            out.push(Opt::Pos(arg));
            if stop_at_operand {
                operands_only = true;
            }
            continue;
        }
        if arg == "--" {
            operands_only = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => out.push(Opt::Flag {
                    name: format!("--{n}"),
                    value: Some(v),
                }),
                None if long_val.contains(&arg) => {
                    let value = args.get(i).map(String::as_str);
                    i += 1;
                    out.push(Opt::Flag {
                        name: arg.to_string(),
                        value,
                    });
                }
                None => out.push(Opt::Flag {
                    name: arg.to_string(),
                    value: None,
                }),
            }
            continue;
        }
        let cluster = &arg[1..];
        for (pos, c) in cluster.char_indices() {
            if short_val.contains(c) {
                let rest = &cluster[pos + c.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    args.get(i - 1).map(String::as_str)
                } else {
                    Some(rest)
                };
                out.push(Opt::Flag {
                    name: format!("-{c}"),
                    value,
                });
                break;
            }
            out.push(Opt::Flag {
                name: format!("-{c}"),
                value: None,
            });
        }
    }
    out
}

/// Operands of parsed options.
pub(crate) fn operands<'a>(parsed: &[Opt<'a>]) -> Vec<&'a str> {
    parsed
        .iter()
        .filter_map(|o| match o {
            Opt::Pos(p) => Some(*p),
            Opt::Flag { .. } => None,
        })
        .collect()
}
