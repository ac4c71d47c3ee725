//! The operator's personal rules file (`personal-rules.toml` in the config dir): allow rules
//! written "for good" from the console's `A` scope prompt, and revoked from its rules view.
//! Every write appends (or removes) one `[[rule]]` block as text, so the rest of the file,
//! comments included, stays as the operator wrote it; the whole new text must pass the same
//! load-time checks as at startup before it replaces the file (temp file + rename). The
//! in-memory list is shared by every gate of the process, so a change holds from the next call.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use super::personal_text::{block, read, without_block, write_atomic};
use super::{Rule, RuleSet, RulesError};
use crate::protocol::{RuleInfo, RuleScope};

/// The personal rules file in the config dir. Do not also list it in `[policy] rules`.
pub const PERSONAL_FILE: &str = "personal-rules.toml";

/// The personal rules in force and where they live, shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct Personal {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// None: no config dir (nothing can be written).
    path: Option<PathBuf>,
    rules: Vec<Rule>,
}

impl PartialEq for Personal {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.snapshot() == other.snapshot()
    }
}

impl Eq for Personal {}

impl Personal {
    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The personal rules now in force.
    pub fn snapshot(&self) -> Vec<Rule> {
        self.state().rules.clone()
    }

    /// The personal rules file, when there is a config dir.
    pub fn path(&self) -> Option<PathBuf> {
        self.state().path.clone()
    }
}

impl RuleSet {
    /// Every rule in force, team rules first, then the personal ones.
    pub fn all(&self) -> Vec<Rule> {
        let mut all = self.rules.clone();
        all.extend(self.personal.snapshot());
        all
    }

    /// Load `path` as the personal rules file (absent: none yet), checked like any rules file.
    pub(super) fn load_personal(&mut self, path: PathBuf) -> Result<(), RulesError> {
        let text = if path.exists() {
            read(&path)?
        } else {
            String::new()
        };
        let rules = self.check_personal_text(&text)?;
        let mut state = self.personal.state();
        state.path = Some(path);
        state.rules = rules;
        Ok(())
    }

    /// The rules of `text` as the personal file, checked against the team rules exactly as at
    /// startup.
    fn check_personal_text(&self, text: &str) -> Result<Vec<Rule>, RulesError> {
        let mut trial = RuleSet::new(self.host_tags.clone());
        trial.rules = self.rules.clone();
        let team = trial.rules.len();
        trial.add_text(PERSONAL_FILE, text)?;
        Ok(trial.rules.split_off(team))
    }

    /// The `[[rule]]` block an approval of `command` (via `tool`) for good in `scope` would
    /// append, checked against the current file: the error says why it would not load.
    pub fn personal_rule_text(
        &self,
        scope: &RuleScope,
        tool: &str,
        command: &str,
    ) -> Result<(String, String), RulesError> {
        let state = self.personal.state();
        self.compose(&state, scope, tool, command)
    }

    /// The new personal file text with the rule appended, checked as at load; read, built and
    /// checked while the caller holds the lock, so two writers never lose each other's rule.
    fn compose(
        &self,
        state: &State,
        scope: &RuleScope,
        tool: &str,
        command: &str,
    ) -> Result<(String, String), RulesError> {
        let path = state
            .path
            .clone()
            .ok_or_else(|| RulesError("no config dir: a rule for good cannot be written".into()))?;
        let current = if path.exists() {
            read(&path)?
        } else {
            String::new()
        };
        let mut taken: Vec<String> = self.rules.iter().map(|r| r.name.clone()).collect();
        taken.extend(state.rules.iter().map(|r| r.name.clone()));
        let (name, block) = block(scope, tool, command, &taken)?;
        let mut text = current;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&block);
        self.check_personal_text(&text)?;
        Ok((name, text))
    }

    /// Write an allow rule for `command` (via `tool`) in `scope` to the personal file and put
    /// it in force. Refused (nothing written) when the rule would not pass the load checks.
    pub fn add_personal(
        &self,
        scope: &RuleScope,
        tool: &str,
        command: &str,
    ) -> Result<Rule, RulesError> {
        let mut state = self.personal.state();
        let (name, text) = self.compose(&state, scope, tool, command)?;
        let path = state
            .path
            .clone()
            .ok_or_else(|| RulesError("no config dir".into()))?;
        let rules = self.check_personal_text(&text)?;
        write_atomic(&path, &text)?;
        state.rules = rules;
        state
            .rules
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .ok_or_else(|| RulesError(format!("rule `{name}` was written but did not load")))
    }

    /// Remove the personal rule `name` from the file and from force. Team rules are refused.
    pub fn revoke_personal(&self, name: &str) -> Result<Rule, RulesError> {
        let mut state = self.personal.state();
        let Some(rule) = state.rules.iter().find(|r| r.name == name).cloned() else {
            return Err(RulesError(if self.rules.iter().any(|r| r.name == name) {
                format!("rule `{name}` is a team rule: change it in its file, not from a console")
            } else {
                format!("no personal rule `{name}`")
            }));
        };
        let path = state
            .path
            .clone()
            .ok_or_else(|| RulesError("no config dir".into()))?;
        let text = read(&path)?;
        let line: usize = rule
            .origin
            .rsplit(':')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| RulesError(format!("rule `{name}`: no line in `{}`", rule.origin)))?;
        let remaining = without_block(&text, line);
        let rules = self.check_personal_text(&remaining)?;
        if rules.iter().any(|r| r.name == name) {
            return Err(RulesError(format!(
                "rule `{name}`: its block at {} was not found; the file changed on disk",
                rule.origin
            )));
        }
        write_atomic(&path, &remaining)?;
        state.rules = rules;
        Ok(rule)
    }

    /// Every rule in force as a front end lists it; only personal ones are revocable.
    pub fn infos(&self) -> Vec<RuleInfo> {
        let info = |r: &Rule, revocable: bool| RuleInfo {
            name: r.name.clone(),
            action: r.action.as_str().into(),
            origin: r.origin.clone(),
            targets: r.targets.clone(),
            tools: r.tool.clone().map_or_else(|| r.tools.clone(), |t| vec![t]),
            prefix: r.prefix.clone(),
            reason: r.reason.clone(),
            revocable,
        };
        let mut out: Vec<RuleInfo> = self.rules.iter().map(|r| info(r, false)).collect();
        out.extend(self.personal.snapshot().iter().map(|r| info(r, true)));
        out
    }
}
