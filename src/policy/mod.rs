//! Command policy: classify shell commands with a real shell grammar, normalized approval
//! prefixes, and secret redaction of everything sent to the model.

use serde::{Deserialize, Serialize};

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
    let _ = command;
    Classification {
        class: Class::Change,
        reason: "classifier not built yet".into(),
    }
}

/// Classify an argv that runs without a shell (structured tools).
pub fn classify_argv(argv: &[String]) -> Classification {
    let _ = argv;
    Classification {
        class: Class::Change,
        reason: "classifier not built yet".into(),
    }
}

/// The normalized prefix an operator may approve for the rest of an incident, or None when
/// the command is chained, substituted, redirected or otherwise not a single simple command.
pub fn approval_prefix(command: &str) -> Option<String> {
    let _ = command;
    None
}

/// True when `command` is a single simple command covered by an approved `prefix`.
pub fn prefix_covers(prefix: &str, command: &str) -> bool {
    let _ = (prefix, command);
    false
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
    /// A redactor that also masks these literal values (from config).
    pub fn new(extra_values: Vec<String>) -> Self {
        Redactor { extra_values }
    }

    /// Mask every secret in `text`.
    pub fn redact(&self, text: &str) -> Redacted {
        let _ = &self.extra_values;
        Redacted {
            text: text.to_string(),
            count: 0,
        }
    }
}
