//! Wrappers that run another command (`sudo`, `env`, `xargs`, `timeout`, `sh -c`, `ssh`, …):
//! the class is that of the wrapped command, raised where the wrapper itself adds risk.

use super::Class;
use super::classify::{self, Verdict};
use super::options::{first_operand, flag_value, opts};

fn wrapped(args: &[String], start: Option<usize>, depth: usize) -> Option<Verdict> {
    let rest = &args[start?..];
    Some(classify::argv(rest, depth + 1))
}

/// `sudo`, `env`, `xargs` and friends: classify the command they run.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let v = match name {
        "sudo" | "doas" => {
            let start = first_operand(
                args,
                "ugpCDrtUTRh",
                &[
                    "--user",
                    "--group",
                    "--prompt",
                    "--chdir",
                    "--role",
                    "--type",
                    "--other-user",
                    "--close-from",
                    "--host",
                ],
            );
            match wrapped(args, start, depth) {
                Some(inner) if inner.class == Class::Destructive => {
                    Verdict::destructive(format!("{name}: {}", inner.reason))
                }
                Some(inner) => {
                    Verdict::change(format!("{name} runs as another user: {}", inner.reason))
                }
                None => Verdict::change(format!("{name} without a command")),
            }
        }
        "env" => {
            let parsed_end = first_operand(args, "uCS", &["--unset", "--chdir", "--split-string"]);
            let options = &args[..parsed_end.unwrap_or(args.len())];
            if options
                .iter()
                .any(|a| a.starts_with("-S") || a.starts_with("--split-string"))
            {
                return Some(Verdict::change("env -S splits a string into a command"));
            }
            let mut i = parsed_end.unwrap_or(args.len());
            let mut assigned = Vec::new();
            while i < args.len() && is_assignment(&args[i]) {
                assigned.push(args[i].clone());
                i += 1;
            }
            if i >= args.len() {
                return Some(if assigned.is_empty() && options.is_empty() {
                    Verdict::read_only("env prints the environment")
                } else {
                    Verdict::change("env changes the environment")
                });
            }
            let inner = classify::argv(&args[i..], depth + 1);
            if assigned.is_empty() && options.is_empty() {
                inner
            } else {
                inner.at_least_change(&format!(
                    "env sets {} before {}",
                    if assigned.is_empty() {
                        options.join(" ")
                    } else {
                        assigned.join(" ")
                    },
                    args[i]
                ))
            }
        }
        "nice" => match wrapped(args, first_operand(args, "n", &["--adjustment"]), depth) {
            Some(inner) => inner,
            None => Verdict::read_only("nice prints the niceness"),
        },
        "nohup" => wrapped(args, first_operand(args, "", &[]), depth)
            .unwrap_or_else(|| Verdict::change("nohup without a command"))
            .at_least_change("nohup writes nohup.out"),
        "timeout" => {
            let start = first_operand(args, "sk", &["--signal", "--kill-after"]).map(|i| i + 1);
            match start.filter(|s| *s < args.len()) {
                Some(s) => classify::argv(&args[s..], depth + 1),
                None => Verdict::change("timeout without a command"),
            }
        }
        "xargs" => {
            let start = first_operand(
                args,
                "adEILnPs",
                &[
                    "--arg-file",
                    "--delimiter",
                    "--max-args",
                    "--max-procs",
                    "--max-lines",
                    "--max-chars",
                    "--replace",
                    "--eof",
                ],
            );
            let inner =
                wrapped(args, start, depth).unwrap_or_else(|| Verdict::change("xargs echo"));
            if inner.class == Class::Destructive {
                Verdict::destructive(format!("xargs: {}", inner.reason))
            } else {
                Verdict::change(format!(
                    "xargs turns piped input into arguments of {}",
                    args.get(start.unwrap_or(0))
                        .map(String::as_str)
                        .unwrap_or("echo")
                ))
            }
        }
        "watch" => {
            let start = first_operand(args, "nq", &["--interval", "--equexit"]);
            let exec = args
                .iter()
                .take(start.unwrap_or(0))
                .any(|a| a == "-x" || a == "--exec");
            let inner = match start {
                Some(s) if exec => classify::argv(&args[s..], depth + 1),
                Some(s) => classify::script(&args[s..].join(" "), depth + 1),
                None => Verdict::change("watch without a command"),
            };
            inner.at_least_change("watch is interactive")
        }
        "command" => {
            if args.first().is_some_and(|a| a == "-v" || a == "-V") {
                Verdict::read_only("command -v looks a name up")
            } else {
                wrapped(args, first_operand(args, "", &[]), depth)
                    .unwrap_or_else(|| Verdict::change("command without a name"))
            }
        }
        "exec" => wrapped(args, first_operand(args, "a", &[]), depth)
            .unwrap_or_else(|| Verdict::change("exec without a command")),
        "time" => {
            if args.iter().any(|a| a == "-o" || a.starts_with("--output")) {
                return Some(Verdict::change("time -o writes a file"));
            }
            wrapped(
                args,
                first_operand(args, "fo", &["--format", "--output"]),
                depth,
            )
            .unwrap_or_else(|| Verdict::change("time without a command"))
        }
        "stdbuf" => wrapped(
            args,
            first_operand(args, "ioe", &["--input", "--output", "--error"]),
            depth,
        )
        .unwrap_or_else(|| Verdict::change("stdbuf without a command")),
        "ionice" => {
            if args.iter().any(|a| {
                a.starts_with("-p")
                    || a.starts_with("-P")
                    || a.starts_with("-u")
                    || a.starts_with("--pid")
            }) {
                return Some(Verdict::change("ionice changes another process"));
            }
            wrapped(
                args,
                first_operand(args, "cn", &["--class", "--classdata"]),
                depth,
            )
            .unwrap_or_else(|| Verdict::change("ionice without a command"))
        }
        "busybox" => wrapped(args, first_operand(args, "", &[]), depth)
            .unwrap_or_else(|| Verdict::change("busybox without an applet")),
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" => {
            let start = first_operand(args, "oO", &["--rcfile", "--init-file"]);
            let has_c = args[..start.unwrap_or(args.len())]
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'));
            match start {
                Some(s) if has_c => nested(name, &classify::script(&args[s], depth + 1)),
                _ => Verdict::change(format!("{name} runs a script or reads commands from stdin")),
            }
        }
        "su" => match flag_value(
            &opts(args, "cgsG", &["--command", "--shell", "--group"], false),
            &["-c", "--command"],
        ) {
            Some(cmd) => nested(name, &classify::script(cmd, depth + 1)),
            None => Verdict::change("su opens a shell as another user"),
        },
        "ssh" => {
            let start = first_operand(args, "BbcDEeFIiJLlmOoPpQRSWw", &[]);
            match start {
                Some(h) if h + 1 < args.len() => {
                    let remote = args[h + 1..].join(" ");
                    let inner = classify::script(&remote, depth + 1);
                    match inner.class {
                        Class::Destructive => {
                            Verdict::destructive(format!("ssh {}: {}", args[h], inner.reason))
                        }
                        _ => Verdict::change(format!("ssh runs `{remote}` on {}", args[h])),
                    }
                }
                _ => Verdict::change("interactive ssh session"),
            }
        }
        _ => return None,
    };
    Some(v)
}

fn nested(shell: &str, inner: &Verdict) -> Verdict {
    match inner.class {
        Class::Destructive => Verdict::destructive(format!("{shell} -c: {}", inner.reason)),
        _ => Verdict::change(format!("{shell} -c runs a nested shell: {}", inner.reason)),
    }
}

fn is_assignment(arg: &str) -> bool {
    match arg.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}
