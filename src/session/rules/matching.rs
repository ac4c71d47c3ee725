//! Which rules match a call (tool, target, command) and which one wins: forbid > ask > allow.
//! An allow rule covers a command only as an approval prefix of its class would (a single
//! plain command, never chained, substituted, redirected or destructive); forbid and ask
//! rules match the prefix at the start of any command in the line, however it is chained or
//! wrapped (the classifier's own unwrapping of runners, `policy::unwrap`), and on each of
//! those commands as its tool's grammar reads it (`policy::rule_prefix_matches`: options
//! before the subcommand, aliases, case, globs), so they err on the side of stopping. A command whose name is computed at run time (`$(echo reboot)`) cannot
//! be seen through: it is asked whenever a forbid rule applies to its tool and target.

use std::collections::BTreeMap;

use super::{Action, Rule, RuleSet};
use crate::policy::{self, ApprovalPrefix, Unwrapped};
use crate::protocol::Target;

/// A rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub action: Action,
    /// "rule `name` (rules.toml:12)".
    pub label: String,
    pub reason: String,
}

/// Every rule that matched a call, in load order, and the one that wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    pub winner: Option<Hit>,
}

impl RuleSet {
    /// The rules that match `command` run by `tool` (None: unknown, so only forbid and ask
    /// rules scoped to tools still match) on `target`, and the winner.
    pub fn evaluate(&self, tool: Option<&str>, target: &Target, command: &str) -> Outcome {
        let unwrapped = policy::unwrap(command);
        let rules = self.all();
        // A prefix rule reads shell commands: it never applies to an MCP call's JSON.
        let mcp = matches!(target, Target::Mcp { .. });
        let applies = |r: &Rule| {
            (r.tool.is_some() || !mcp)
                && tool_matches(r, tool)
                && targets_match(&r.targets, target, &self.host_tags)
        };
        let mut hits: Vec<Hit> = rules
            .iter()
            .filter(|r| applies(r) && covers_with(r, command, &unwrapped))
            .map(|r| Hit {
                action: r.action,
                label: r.label(),
                reason: r.reason.clone(),
            })
            .collect();
        if unwrapped.opaque
            && !hits.iter().any(|h| h.action == Action::Forbid)
            && let Some(forbid) = rules
                .iter()
                .find(|r| r.action == Action::Forbid && applies(r))
        {
            hits.push(Hit {
                action: Action::Ask,
                label: forbid.label(),
                reason: "the command's name is computed at run time (`$(…)`, backticks or a \
                         variable), so this forbid rule cannot see what it runs: asked"
                    .into(),
            });
        }
        // The first rule of the highest action wins.
        let top = hits.iter().map(|h| h.action).max();
        let winner = hits.iter().find(|h| Some(h.action) == top).cloned();
        Outcome { hits, winner }
    }
}

fn tool_matches(rule: &Rule, tool: Option<&str>) -> bool {
    if let Some(glob) = &rule.tool {
        return tool.is_some_and(|t| glob_matches(glob, t));
    }
    rule.tools.is_empty()
        || match tool {
            Some(tool) => rule.tools.iter().any(|t| t == tool),
            None => rule.action != Action::Allow,
        }
}

/// True when `name` matches `glob`, where `*` stands for any run of characters.
pub(crate) fn glob_matches(glob: &str, name: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return glob == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// True when `target` is one of `targets` (empty: every target): `local`, an inventory host
/// name, or `tag:NAME` for any host with that tag.
pub(super) fn targets_match(
    targets: &[String],
    target: &Target,
    host_tags: &BTreeMap<String, Vec<String>>,
) -> bool {
    if targets.is_empty() {
        return true;
    }
    targets.iter().any(|t| match target {
        Target::Local => t == "local",
        Target::Ssh { host } => match t.strip_prefix("tag:") {
            Some(tag) => host_tags
                .get(host)
                .is_some_and(|tags| tags.iter().any(|have| have == tag)),
            None => t == host,
        },
        Target::Docker { container } => t == &format!("docker:{container}"),
        Target::Mcp { server } => t == &format!("mcp:{server}"),
    })
}

/// True when the rule's prefix covers `command` (see the module doc for the two meanings).
pub(super) fn covers(rule: &Rule, command: &str) -> bool {
    covers_with(rule, command, &policy::unwrap(command))
}

/// [`covers`] with the command's unwrapping already done.
fn covers_with(rule: &Rule, command: &str, unwrapped: &Unwrapped) -> bool {
    if rule.tool.is_some() {
        // A `tool` rule matches every call of its tools (the tool is checked in `applies`).
        return true;
    }
    match rule.action {
        Action::Allow => policy::prefix_covers_typed(
            &ApprovalPrefix {
                text: rule.prefix.clone(),
                class: rule.class,
            },
            command,
        ),
        Action::Ask | Action::Forbid => {
            starts_any_command(&rule.prefix, command) || starts_unwrapped(&rule.prefix, unwrapped)
        }
    }
}

/// True when some command the classifier found in the line starts with the prefix's words,
/// or runs what the prefix names as the tool's grammar reads it (options before the
/// subcommand, aliases, case, globs: `policy::rule_prefix_matches`).
fn starts_unwrapped(prefix: &str, unwrapped: &Unwrapped) -> bool {
    let wanted = words(prefix);
    let Some((w0, wrest)) = wanted.split_first() else {
        return false;
    };
    unwrapped.commands.iter().any(|argv| {
        argv.split_first().is_some_and(|(name, args)| {
            basename(name) == basename(w0)
                && args.len() >= wrest.len()
                && wrest.iter().zip(args).all(|(w, a)| w == a)
        }) || policy::rule_prefix_matches(prefix, argv)
    })
}

const WRAPPERS: &[&str] = &[
    "sudo", "doas", "env", "nohup", "exec", "command", "nice", "time", "builtin", "run0",
    "timeout", "xargs", "watch", "setsid", "stdbuf", "ionice",
];
const SHELLS: &[&str] = &["sh", "bash", "dash", "zsh", "ksh", "ash", "busybox"];

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| !"'\"\\".contains(*c))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// True when some command in `line` (split at `;`, `&`, `|`, newlines, parentheses, braces,
/// backticks and here-strings (`<<<`), past wrappers such as `sudo` and env assignments, and into `sh -c` texts)
/// starts with the words of `prefix`.
pub(super) fn starts_any_command(prefix: &str, line: &str) -> bool {
    let wanted = words(prefix);
    if wanted.is_empty() {
        return false;
    }
    // A here-string's text is a program for whatever reads it (`tclsh <<< 'exec reboot'`):
    // scanned as a line of its own.
    let split: String = line
        .replace("<<<", "\n")
        .chars()
        .map(|c| if ";&|\n(){}`".contains(c) { '\n' } else { c })
        .collect();
    split
        .split('\n')
        .any(|segment| segment_starts(&wanted, &words(segment)))
}

fn segment_starts(wanted: &[String], segment: &[String]) -> bool {
    // Where the current command began (the segment, or the text of an `sh -c` in it), and
    // what is left of it.
    let mut have = segment;
    let mut rest = have;
    loop {
        let Some((first, tail)) = rest.split_first() else {
            return false;
        };
        let is_assignment = first.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        // Options and numbers (`nice -n 5`, `timeout 5s`) after a wrapper.
        let wrapper_arg = rest.len() < have.len()
            && (first.starts_with('-') || first.chars().next().is_some_and(|c| c.is_ascii_digit()));
        if is_assignment || wrapper_arg {
            rest = tail;
            continue;
        }
        let base = basename(first);
        if WRAPPERS.contains(&base) {
            rest = tail;
            continue;
        }
        // Into the text of `sh -c TEXT`, however deep: each step starts further on in the
        // segment, so this ends.
        if SHELLS.contains(&base)
            && let Some(at) = tail
                .iter()
                .position(|w| w.starts_with('-') && w.contains('c'))
        {
            have = &tail[at + 1..];
            rest = have;
            continue;
        }
        let (w0, wrest) = match wanted.split_first() {
            Some(split) => split,
            None => return false,
        };
        return basename(w0) == base
            && tail.len() >= wrest.len()
            && wrest.iter().zip(tail).all(|(w, h)| w == h);
    }
}
