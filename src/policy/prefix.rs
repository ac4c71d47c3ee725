//! Normalized approval prefixes ("approve `systemctl status` for this incident") and the check
//! that a later command is covered by one. Only a single simple command ever has a prefix.

use super::Class;
use super::classify;
use super::options::{Opt, operands, opts};
use super::shell::{self, Word};

/// Tools whose first operand is a subcommand that belongs in the prefix, with the short and
/// long global options that take a value before it.
const MULTI: &[(&str, &str, &[&str])] = &[
    (
        "systemctl",
        "tHMpnos",
        &[
            "--type",
            "--state",
            "--property",
            "--host",
            "--machine",
            "--lines",
            "--output",
        ],
    ),
    (
        "kubectl",
        "ns",
        &[
            "--namespace",
            "--context",
            "--cluster",
            "--user",
            "--kubeconfig",
            "--server",
            "--token",
            "--as",
            "--as-group",
            "--request-timeout",
        ],
    ),
    (
        "docker",
        "Hcl",
        &["--host", "--context", "--config", "--log-level"],
    ),
    ("podman", "", &[]),
    (
        "crictl",
        "",
        &[
            "--runtime-endpoint",
            "--image-endpoint",
            "--config",
            "--timeout",
        ],
    ),
    ("ip", "n", &["-netns"]),
    (
        "helm",
        "n",
        &["--namespace", "--kube-context", "--kubeconfig"],
    ),
    ("nft", "", &[]),
    ("openssl", "", &[]),
    ("apt", "", &[]),
    ("apt-get", "", &[]),
    ("git", "C", &["--git-dir", "--work-tree"]),
    ("terraform", "", &[]),
    ("timedatectl", "", &[]),
    ("hostnamectl", "", &[]),
];

/// Commands that run other commands: approving their prefix would approve anything.
const RUNNERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "ash", "fish", "su", "ssh", "watch", "xargs", "env",
    "timeout", "nice", "nohup", "time", "stdbuf", "ionice", "exec", "command", "busybox", "eval",
    "source", ".", "doas", "python", "python3", "perl", "ruby", "node", "awk", "gawk", "sed",
    "chroot", "nsenter", "unshare", "setsid", "flock", "parallel", "script",
];

const TRUSTED_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin"];

/// Normalized prefix tokens of `command`, or `None` when it is not one plain simple command.
fn tokens(command: &str) -> Option<Vec<String>> {
    let script = shell::parse(command);
    if !script.hazards.is_empty() || script.pipes > 0 {
        return None;
    }
    let [cmd] = script.commands.as_slice() else {
        return None;
    };
    if !cmd.assignments.is_empty() || !cmd.upstream.is_empty() {
        return None;
    }
    let (name_word, args) = cmd.words.split_first()?;
    if name_word.escaped || cmd.words.iter().any(|w: &Word| w.value.is_none()) {
        return None;
    }
    let name = name_word.value.clone()?;
    let base = match name.rsplit_once('/') {
        Some((dir, base)) if TRUSTED_DIRS.contains(&dir) => base.to_string(),
        Some(_) => return None,
        None => name,
    };
    if base.is_empty() {
        return None;
    }
    let values: Vec<String> = args.iter().filter_map(|w| w.value.clone()).collect();
    if RUNNERS.contains(&base.as_str()) {
        return None;
    }
    let runs_commands = values.iter().any(|v| {
        matches!(
            v.as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir" | "-delete" | "exec" | "run" | "debug"
        )
    });
    if runs_commands {
        return None;
    }
    if base == "sudo" {
        // Only bare `sudo CMD …`: sudo options change who runs it.
        let (inner, _) = values.split_first()?;
        if inner.starts_with('-') {
            return None;
        }
        let rest = shell_join(&values);
        let mut out = vec!["sudo".to_string()];
        out.extend(tokens(&rest)?);
        return Some(out);
    }
    let mut out = vec![base.clone()];
    if let Some((_, short_val, long_val)) = MULTI.iter().find(|(n, _, _)| *n == base) {
        let parsed = opts(&values, short_val, long_val, true);
        match operands(&parsed).first() {
            Some(sub) => out.push((*sub).to_string()),
            None if parsed.iter().any(|o| matches!(o, Opt::Flag { .. })) => return None,
            None => {}
        }
    }
    Some(out)
}

fn shell_join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The prefix an operator may approve for the incident, or `None` (chained, substituted,
/// piped, redirected, wrapped with options, expanded, or destructive commands have none).
pub(crate) fn approval_prefix(command: &str) -> Option<String> {
    if classify::script(command, 0).class == Class::Destructive {
        return None;
    }
    tokens(command).map(|t| t.join(" "))
}

/// True when `command` is a single simple, non-destructive command whose normalized tokens
/// start with the tokens of `prefix`.
pub(crate) fn prefix_covers(prefix: &str, command: &str) -> bool {
    let wanted: Vec<&str> = prefix.split_whitespace().collect();
    if wanted.is_empty() {
        return false;
    }
    if classify::script(command, 0).class == Class::Destructive {
        return false;
    }
    let Some(have) = tokens(command) else {
        return false;
    };
    have.len() >= wanted.len() && wanted.iter().zip(&have).all(|(w, h)| *w == h)
}
