//! Command policy: classify shell commands with a real shell grammar, normalized approval
//! prefixes, and secret redaction of everything sent to the model.

mod classify;
mod containers;
mod grammar;
mod host_tools;
mod net_tools;
mod packages;
mod prefix;
mod processes;
mod reach;
mod redact;
mod rule_shape;
mod rules;
mod shell;
mod sql;
mod system_paths;
mod tables;
mod text_tools;
mod tools;
mod unwrapped;
mod wrappers;

use serde::{Deserialize, Serialize};

pub use redact::{MARKER_PREFIX, MIN_CONFIGURED_LEN, Span, is_secret_name};

/// How dangerous a command is. Ordered: `ReadOnly < Change < Destructive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// On the inspection allowlist; no side effects.
    #[serde(rename = "read-only")]
    ReadOnly,
    /// Anything not proven read-only.
    #[serde(rename = "change")]
    Change,
    /// Known to destroy data or availability; needs a typed confirmation.
    #[serde(rename = "destructive")]
    Destructive,
}

impl Class {
    /// `read-only`, `change` or `destructive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::ReadOnly => "read-only",
            Class::Change => "change",
            Class::Destructive => "destructive",
        }
    }
}

/// A class and the reason it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub class: Class,
    pub reason: String,
}

/// Classify a shell command line. Fails closed: anything not understood is at least `change`.
pub fn classify(command: &str) -> Classification {
    let v = classify::script(command, 0);
    Classification {
        class: v.class,
        reason: v.reason,
    }
}

/// Classify an argv that runs without a shell (structured tools). Metacharacters inside an
/// element are literal data, not operators.
pub fn classify_argv(argv: &[String]) -> Classification {
    let v = classify::argv(argv, 0);
    Classification {
        class: v.class,
        reason: v.reason,
    }
}

/// The argv a command line runs when it has no shell syntax at all (one simple command of
/// literal words, not a shell builtin), so it can be run by `execve` without `sh -c`; None
/// when the line needs a shell.
pub fn plain_argv(command: &str) -> Option<Vec<String>> {
    shell::plain_argv(command)
}

pub use prefix::ApprovalPrefix;
pub use reach::ScopeExamples;

/// Two commands the prefix an approval of `command` would remember covers and two it does
/// not (the same command aimed at another host, machine or cluster first), each checked with
/// the gate's own coverage test; None when no prefix is offered. For the scope prompt.
pub fn scope_examples(command: &str) -> Option<ScopeExamples> {
    reach::scope_examples(command)
}

/// True when `argv` (one command the line runs, from [`unwrap`]) runs what a rule's `prefix`
/// names, read as the tool reads it: options anywhere (before the subcommand too) never hide
/// the subcommand, aliases and case-insensitive names compare as the tool compares them, and
/// a glob word matches every name it can expand to.
pub fn rule_prefix_matches(prefix: &str, argv: &[String]) -> bool {
    rule_shape::matches(prefix, argv)
}
pub use unwrapped::{Unwrapped, unwrap};

/// The prefix an operator may approve for the rest of an incident, with the class of the
/// approved command, or None when the command is chained, substituted, redirected or
/// otherwise not a single simple command. Destructive commands never have a prefix. A
/// read-only command's prefix is its program and subcommand (`kubectl get`); a change
/// command's is the whole normalized command (`systemctl restart cron`).
pub fn approval_prefix_for(command: &str) -> Option<ApprovalPrefix> {
    prefix::approval_prefix(command)
}

/// True when `command` is a single simple command covered by `prefix` whose own class is no
/// higher than the prefix's class (a prefix never widens a class).
pub fn prefix_covers_typed(prefix: &ApprovalPrefix, command: &str) -> bool {
    prefix::prefix_covers(prefix, command)
}

/// The text of [`approval_prefix_for`], for callers that still store prefixes as strings.
pub fn approval_prefix(command: &str) -> Option<String> {
    prefix::approval_prefix(command).map(|p| p.text)
}

/// [`prefix_covers_typed`] for a prefix stored as text: its class is taken as that of the
/// prefix text itself, capped at `change`, so a text prefix never covers more than the typed
/// one would.
pub fn prefix_covers(prefix: &str, command: &str) -> bool {
    prefix::prefix_covers(&prefix::untyped(prefix), command)
}

/// Text with secrets masked, and how many were masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub count: usize,
}

/// Masks secrets with typed markers such as `[REDACTED:aws-key]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    extra_values: Vec<String>,
}

impl Redactor {
    /// A redactor that also masks these literal values (from config); values shorter than
    /// [`MIN_CONFIGURED_LEN`] are ignored.
    pub fn new(extra_values: Vec<String>) -> Self {
        Redactor { extra_values }
    }

    /// Mask every secret in `text`.
    pub fn redact(&self, text: &str) -> Redacted {
        let (text, count) = redact::redact(text, &self.extra_values, None);
        Redacted { text, count }
    }

    /// Mask every secret in `output`, printed by `command`: besides [`Redactor::redact`], the
    /// bare value printed by `printenv NAME` / `echo $NAME` for a secret-named variable.
    pub fn redact_output(&self, command: &str, output: &str) -> Redacted {
        let (text, count) = redact::redact(output, &self.extra_values, Some(command));
        Redacted { text, count }
    }

    /// The secrets in `text` (printed by `command`, when known) as sorted, non-overlapping
    /// byte spans: for callers that cut the text afterwards and must not cut a secret in two.
    pub fn spans(&self, command: Option<&str>, text: &str) -> Vec<Span> {
        redact::find(text, &self.extra_values, command)
    }

    /// `text` with `spans` (from [`Redactor::spans`] on the same text) replaced by markers.
    pub fn apply(text: &str, spans: &[Span]) -> String {
        redact::apply(text, spans)
    }

    /// Length of the marker that replaces a span of `kind`.
    pub fn marker_len(kind: &str) -> usize {
        redact::marker_len(kind)
    }
}

#[cfg(test)]
mod classify_tests;
