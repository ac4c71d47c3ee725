//! Approval prefixes ("approve `systemctl status` for this incident") and the check that a
//! later command is covered by one. A prefix never widens a class: it stores the class of
//! the approved command and covers only commands of that class or lower. Scope follows the
//! class: a read-only command's prefix is its program and subcommand (`kubectl get`,
//! `ip link show`), a change command's is the whole normalized command, and a destructive
//! command has none. Only a single simple command ever has a prefix. Subcommands are found
//! with the same grammar tables the classifier uses.

use serde::{Deserialize, Serialize};

use super::Class;
use super::classify;
use super::net_tools::{IP_OBJECTS, ip_verbs};
use super::reach;
use super::shell::{self, Word};
use super::tables::{self, iproute_first};

/// A remembered prefix: its normalized text and the class of the command approved with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPrefix {
    pub text: String,
    pub class: Class,
}

/// Tools whose subcommand belongs in a read-only prefix, with the grammar table that reads
/// their global options.
const MULTI: &[(&str, &str)] = &[
    ("systemctl", "systemctl"),
    ("kubectl", "kubectl"),
    ("docker", "docker"),
    ("nerdctl", "docker"),
    ("podman", "podman"),
    ("crictl", "crictl"),
    ("helm", "helm"),
    ("nft", "nft"),
    ("apt", "apt"),
    ("apt-get", "apt-get"),
    ("apt-cache", "apt-cache"),
    ("terraform", "terraform"),
    ("tofu", "tofu"),
    ("timedatectl", "systemd-ctl"),
    ("hostnamectl", "systemd-ctl"),
    ("loginctl", "systemd-ctl"),
    ("networkctl", "systemd-ctl"),
    ("resolvectl", "systemd-ctl"),
    ("localectl", "systemd-ctl"),
];

/// Commands that run other commands: approving their prefix would approve anything.
const RUNNERS: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "ash",
    "fish",
    "su",
    "ssh",
    "watch",
    "xargs",
    "env",
    "timeout",
    "nice",
    "nohup",
    "time",
    "stdbuf",
    "ionice",
    "exec",
    "command",
    "busybox",
    "eval",
    "source",
    ".",
    "doas",
    "python",
    "python3",
    "perl",
    "ruby",
    "node",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "sed",
    "chroot",
    "nsenter",
    "unshare",
    "setsid",
    "flock",
    "parallel",
    "script",
    "coproc",
    "runuser",
    "setpriv",
    "systemd-run",
    "taskset",
    "chrt",
    "numactl",
    "prlimit",
    "sg",
    "builtin",
    "pkexec",
    "run0",
    "cgexec",
    "strace",
    "ltrace",
    "sshpass",
    "fakeroot",
    "unbuffer",
];

const TRUSTED_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin"];

/// One plain simple command: its program name (without a trusted directory) and argument
/// values, or `None` when it is chained, piped, redirected, expanded or otherwise not plain.
fn simple(command: &str) -> Option<(String, Vec<String>)> {
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
    if name_word.escaped
        || name_word.glob
        || cmd
            .words
            .iter()
            .any(|w: &Word| w.value.is_none() || w.expanded)
    {
        return None;
    }
    let name = name_word.value.clone()?;
    let base = match name.rsplit_once('/') {
        Some((dir, base)) if TRUSTED_DIRS.contains(&dir) => base.to_string(),
        Some(_) => return None,
        None => name,
    };
    if base.is_empty() || RUNNERS.contains(&base.as_str()) {
        return None;
    }
    let values: Vec<String> = args.iter().filter_map(|w| w.value.clone()).collect();
    let runs_commands = values.iter().any(|v| {
        matches!(
            v.as_str(),
            "-exec" | "-execdir" | "-ok" | "-okdir" | "-delete" | "exec" | "run" | "debug"
        )
    });
    if runs_commands {
        return None;
    }
    if base == "sudo" && values.first().is_none_or(|v| v.starts_with('-')) {
        // sudo options change who runs it.
        return None;
    }
    Some((base, values))
}

/// Program and subcommand of a read-only command (`kubectl get`, `ip link show`).
fn key(base: &str, values: &[String]) -> Option<Vec<String>> {
    let mut out = vec![base.to_string()];
    if base == "ip" {
        let parsed = tables::grammar("ip").parse(values);
        if parsed.bad().is_some() {
            return None;
        }
        let ops = parsed.operands();
        if let Some(object) = ops.first().and_then(|w| iproute_first(w, IP_OBJECTS)) {
            out.push(object.to_string());
            if let Some(verb) = ops.get(1) {
                let verbs = ip_verbs(object).0;
                out.push(iproute_first(verb, verbs).unwrap_or(verb).to_string());
            }
        }
        return Some(out);
    }
    if base == "sudo" {
        let (inner, rest) = values.split_first()?;
        let mut inner_key = key(inner, rest)?;
        out.append(&mut inner_key);
        return Some(out);
    }
    if base == "openssl" {
        out.extend(values.first().cloned());
        return Some(out);
    }
    if let Some((_, grammar)) = MULTI.iter().find(|(n, _)| *n == base) {
        let parsed = tables::grammar(grammar).parse(values);
        match parsed.operands().first() {
            Some(sub) => out.push((*sub).to_string()),
            None if parsed.opts().next().is_some() || parsed.bad().is_some() => return None,
            None => {}
        }
    }
    // Options that aim the command at another host, machine or cluster are part of what was
    // approved: `systemctl status` never covers `systemctl -H prod status`.
    out.splice(1..1, reach::reach_options(base, values));
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

/// The whole normalized command.
fn full(base: &str, values: &[String]) -> String {
    let mut words = vec![base.to_string()];
    words.extend(values.iter().cloned());
    shell_join(&words)
}

/// The prefix an operator may approve for the incident, with the command's class, or `None`
/// (chained, substituted, piped, redirected, wrapped with options, expanded, or destructive
/// commands have none).
pub(crate) fn approval_prefix(command: &str) -> Option<ApprovalPrefix> {
    let class = classify::script(command, 0).class;
    let (base, values) = simple(command)?;
    let text = match class {
        Class::Destructive => return None,
        Class::ReadOnly => key(&base, &values)?.join(" "),
        Class::Change => full(&base, &values),
    };
    Some(ApprovalPrefix { text, class })
}

/// True when `command` is a single simple command covered by `prefix`: its own class is no
/// higher than the prefix's (and never destructive); a read-only prefix covers a command whose
/// program and subcommand start with the prefix's words, a change prefix only the same
/// normalized command.
pub(crate) fn prefix_covers(prefix: &ApprovalPrefix, command: &str) -> bool {
    let wanted: Vec<&str> = prefix.text.split_whitespace().collect();
    if wanted.is_empty() || prefix.class == Class::Destructive {
        return false;
    }
    let class = classify::script(command, 0).class;
    if class == Class::Destructive || class > prefix.class {
        return false;
    }
    let Some((base, values)) = simple(command) else {
        return false;
    };
    match prefix.class {
        Class::ReadOnly => key(&base, &values).is_some_and(|have| {
            have.len() >= wanted.len() && wanted.iter().zip(&have).all(|(w, h)| *w == h)
        }),
        Class::Change => full(&base, &values) == prefix.text,
        Class::Destructive => false,
    }
}

/// A prefix stored as text only: its class is that of the prefix text itself, capped at
/// `change` (so a change prefix covers only the identical command, and a bare program name
/// covers only read-only commands of that program).
pub(crate) fn untyped(prefix: &str) -> ApprovalPrefix {
    let class = classify::script(prefix, 0).class.min(Class::Change);
    ApprovalPrefix {
        text: prefix.split_whitespace().collect::<Vec<_>>().join(" "),
        class,
    }
}
