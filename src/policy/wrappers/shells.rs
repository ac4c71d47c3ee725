//! Shells: `sh -c 'cmd'` with clustered flags (`bash -lc`, `sh -ec`, `-o opt`), and a shell
//! that reads its script from standard input (a pipe, heredoc or here-string) classified on
//! that payload.

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::shell::Input;

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "fish", "rbash",
];

/// Classify a shell; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    if !SHELLS.contains(&name) {
        return None;
    }
    let mut has_c = false;
    let mut reads_stdin = false;
    let mut scripts: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if a == "--" || a == "-" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some(("command" | "init-command", v)) => scripts.push(v),
                Some(_) => {}
                None if matches!(long, "rcfile" | "init-file") => i += 1,
                None if matches!(long, "command" | "init-command") => {
                    scripts.extend(args.get(i).map(String::as_str));
                    i += 1;
                }
                None => {}
            }
            continue;
        }
        if a.len() > 1 && (a.starts_with('-') || a.starts_with('+')) {
            for c in a[1..].chars() {
                match c {
                    'c' => has_c = true,
                    's' => reads_stdin = true,
                    'o' | 'O' => i += 1,
                    'C' if name == "fish" => {
                        scripts.extend(args.get(i).map(String::as_str));
                        i += 1;
                    }
                    _ => {}
                }
            }
            continue;
        }
        i -= 1;
        break;
    }
    let operands = args.get(i..).unwrap_or_default();
    if has_c {
        if let Some(cmd) = operands.first() {
            scripts.push(cmd);
        } else if scripts.is_empty() {
            return Some(Verdict::change(format!("{name} -c without a command")));
        }
    }
    if !scripts.is_empty() {
        let inner = scripts
            .iter()
            .map(|s| classify::script(s, depth + 1))
            .reduce(super::inner::worse)?;
        return Some(nested(name, &inner));
    }
    if !operands.is_empty() && !reads_stdin {
        return Some(super::deferred::run_file(name, &operands[0], depth));
    }
    Some(stdin_script(name, depth))
}

fn nested(shell: &str, inner: &Verdict) -> Verdict {
    match inner.class {
        Class::Destructive => Verdict::destructive(format!("{shell} -c: {}", inner.reason)),
        _ => Verdict::change(format!("{shell} -c runs a nested shell: {}", inner.reason)),
    }
}

/// A shell (or a remote login shell) reading its commands from standard input.
pub(crate) fn stdin_script(name: &str, depth: usize) -> Verdict {
    let Some(input) = classify::stdin() else {
        return Verdict::change(format!("{name} runs a script or reads commands from stdin"));
    };
    match &*input {
        Input::Unknown(from) => Verdict::change(format!("{name} runs commands from {from}")),
        Input::Literal { texts, from, .. } => {
            let worst = classify::with_stdin(None, || {
                texts
                    .iter()
                    .map(|t| classify::script(t, depth + 1))
                    .reduce(super::inner::worse)
            });
            match worst {
                Some(v) if v.class == Class::Destructive => {
                    Verdict::destructive(format!("{name} runs commands from {from}: {}", v.reason))
                }
                Some(v) => {
                    Verdict::change(format!("{name} runs commands from {from}: {}", v.reason))
                }
                None => Verdict::change(format!("{name} reads commands from {from}")),
            }
        }
    }
}
