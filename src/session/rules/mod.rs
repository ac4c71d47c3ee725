//! The approval rules files (`rules.toml` in the config dir plus `[policy] rules = [...]`):
//! their format, loading and the one-line load errors. Matching lives in `matching`, the
//! checks of each rule's `match`/`not_match` examples in `examples`, the operator's personal
//! file (written and revoked from the console) in `personal`.

mod examples;
mod matching;
mod personal;
mod personal_text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::policy::Class;

pub use matching::{Hit, Outcome};
pub use personal::{PERSONAL_FILE, Personal};

/// The rules file that lives in the config dir.
pub const RULES_FILE: &str = "rules.toml";

/// What a rule does to the commands it matches. Ordered by precedence: forbid > ask > allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Ask,
    Forbid,
}

impl Action {
    /// `allow`, `ask` or `forbid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Ask => "ask",
            Action::Forbid => "forbid",
        }
    }
}

/// A rules file could not be used; the message is one line naming file:line, rule and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(pub String);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    action: Action,
    #[serde(default)]
    prefix: String,
    /// Instead of `prefix`: the tool's name (`mcp__fs__write_file`) or a `*` glob.
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    tools: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default, rename = "match")]
    matches: Vec<String>,
    #[serde(default)]
    not_match: Vec<String>,
}

/// One loaded rule, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub action: Action,
    /// The normalized prefix (words joined by single spaces); empty for a `tool` rule.
    pub prefix: String,
    /// A `tool` rule: the tool name or `*` glob it matches (every call of it, whatever the
    /// arguments); None for a prefix rule.
    pub tool: Option<String>,
    /// For allow rules: the class of its own `match` examples, which caps what it covers.
    pub class: Class,
    /// Empty: every target.
    pub targets: Vec<String>,
    /// Empty: every tool.
    pub tools: Vec<String>,
    pub reason: String,
    pub matches: Vec<String>,
    pub not_match: Vec<String>,
    /// `rules.toml:12` (file name and line of the rule's `[[rule]]` header).
    pub origin: String,
}

impl Rule {
    /// "rule `name` (rules.toml:12)": how verdicts, transcripts and the audit log name it.
    pub fn label(&self) -> String {
        format!("rule `{}` ({})", self.name, self.origin)
    }
}

/// Every rule in force, in load order, and the inventory's host tags they are matched with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Inventory host name → its tags.
    pub host_tags: BTreeMap<String, Vec<String>>,
    /// The operator's personal rules (`personal-rules.toml`), shared and changed in place.
    pub personal: Personal,
}

impl RuleSet {
    /// An empty set matched with the inventory's host tags.
    pub fn new(host_tags: BTreeMap<String, Vec<String>>) -> RuleSet {
        RuleSet {
            rules: Vec::new(),
            host_tags,
            personal: Personal::default(),
        }
    }

    /// Load `rules.toml` from `config_dir` (if present), then every file of `extra`
    /// (relative paths are taken from `config_dir`; they must exist), then the personal
    /// file [`PERSONAL_FILE`] (if present). Every rule's examples
    /// are checked; the first failure is the error.
    pub fn load(
        config_dir: &Path,
        extra: &[PathBuf],
        host_tags: BTreeMap<String, Vec<String>>,
    ) -> Result<RuleSet, RulesError> {
        let mut set = RuleSet::new(host_tags);
        let default = config_dir.join(RULES_FILE);
        if default.exists() {
            set.add_file(&default)?;
        }
        for path in extra {
            let path = if path.is_absolute() {
                path.clone()
            } else {
                config_dir.join(path)
            };
            set.add_file(&path)?;
        }
        set.load_personal(config_dir.join(PERSONAL_FILE))?;
        Ok(set)
    }

    /// Read, parse and check one rules file, adding its rules.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RulesError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RulesError(format!("{}: cannot read rules file: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.add_text(&name, &text)
    }

    /// Parse and check rules text; `file` names it in errors and origins.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), RulesError> {
        let raw: RawFile = toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            RulesError(format!(
                "{file}:{line}: {}",
                e.message().trim().replace('\n', " ")
            ))
        })?;
        for spanned in raw.rule {
            let line = header_line(text, spanned.span().start);
            let raw = spanned.into_inner();
            let origin = format!("{file}:{line}");
            let rule = examples::check(raw, origin, &self.host_tags)?;
            if self.rules.iter().any(|r| r.name == rule.name) {
                return Err(RulesError(format!(
                    "{}: rule `{}`: a rule with this name is already loaded",
                    rule.origin, rule.name
                )));
            }
            self.rules.push(rule);
        }
        Ok(())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// The line of the `[[rule]]` header at or before `offset` (the span may start at the first
/// key of the table).
fn header_line(text: &str, offset: usize) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let at = line_of(text, offset);
    (1..=at)
        .rev()
        .find(|n| {
            lines
                .get(n - 1)
                .is_some_and(|l| l.trim_start().starts_with("[["))
        })
        .unwrap_or(at)
}

#[cfg(test)]
mod matching_tests;
#[cfg(test)]
mod tool_tests;
