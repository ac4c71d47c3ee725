//! The operator's personal rules file (`personal-rules.toml` in the config dir): allow rules
//! written "for good" from the console's `A` scope prompt, and revoked from its rules view.
//! Every write appends (or removes) one `[[rule]]` block as text, so the rest of the file,
//! comments included, stays as the operator wrote it; the whole new text must pass the same
//! load-time checks as at startup before it replaces the file (temp file + rename). The
//! in-memory list is shared by every gate of the process, so a change holds from the next call.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Action, Rule, RuleSet, RulesError};
use crate::policy;
use crate::protocol::{RuleInfo, RuleScope};

/// The personal rules file in the config dir. Do not also list it in `[policy] rules`.
pub const PERSONAL_FILE: &str = "personal-rules.toml";

/// Marks the comment line written above each console rule (removed with it on revoke).
const MARK: &str = "# added from the console";

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
            tools: r.tools.clone(),
            prefix: r.prefix.clone(),
            reason: r.reason.clone(),
            revocable,
        };
        let mut out: Vec<RuleInfo> = self.rules.iter().map(|r| info(r, false)).collect();
        out.extend(self.personal.snapshot().iter().map(|r| info(r, true)));
        out
    }
}

fn read(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path)
        .map_err(|e| RulesError(format!("{}: cannot read rules file: {e}", path.display())))
}

/// Lower-case letters, digits and single dashes, at most `max` characters.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

/// A TOML basic string holding `text`.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The name and text of the allow rule for `command` in `scope`.
fn block(
    scope: &RuleScope,
    tool: &str,
    command: &str,
    taken: &[String],
) -> Result<(String, String), RulesError> {
    let target = scope
        .rule_target()
        .ok_or_else(|| RulesError("the incident scope writes no rule".into()))?;
    let prefix = policy::approval_prefix_for(command).ok_or_else(|| {
        RulesError(
            "no prefix can describe this command (chained, substituted, redirected, wrapped \
             or destructive): an allow rule is refused"
                .into(),
        )
    })?;
    let base = format!("{}-{}", slug(&prefix.text, 40), slug(&target, 30));
    let name = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or(base);
    let when = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "\n{MARK} on {when}: {}\n[[rule]]\nname = {}\naction = \"{}\"\nprefix = {}\n\
         targets = [{}]\ntools = [{}]\nreason = {}\nmatch = [{}]\n",
        crate::text::neutralize_line(&scope.label()),
        quoted(&name),
        Action::Allow.as_str(),
        quoted(&prefix.text),
        quoted(&target),
        quoted(tool),
        quoted("approved for good from the console"),
        quoted(command),
    );
    Ok((name, text))
}

/// `text` without the `[[rule]]` block whose header is on 1-based `line` (up to the next
/// `[[` header), and without the console's comment line just above it.
fn without_block(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = line.saturating_sub(1).min(lines.len());
    let end = (start + 1..lines.len())
        .find(|i| {
            lines
                .get(*i)
                .is_some_and(|l| l.trim_start().starts_with("[["))
        })
        .unwrap_or(lines.len());
    // The block's trailing comments belong to the next block: keep them.
    let mut end = end;
    while end > start + 1
        && lines
            .get(end - 1)
            .is_some_and(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
    {
        end -= 1;
    }
    let mut from = start;
    while from > 0
        && lines
            .get(from - 1)
            .is_some_and(|l| l.trim_start().starts_with(MARK) || l.trim().is_empty())
    {
        from -= 1;
        if lines
            .get(from)
            .is_some_and(|l| l.trim_start().starts_with(MARK))
        {
            break;
        }
    }
    let mut out: String = lines.get(..from).unwrap_or_default().concat();
    out.push_str(&lines.get(end..).unwrap_or_default().concat());
    out
}

/// Replace `path` with `text`: a temp file in the same dir, synced, then renamed over it.
fn write_atomic(path: &Path, text: &str) -> Result<(), RulesError> {
    use std::io::Write;
    let err = |what: &str, e: std::io::Error| {
        RulesError(format!("{}: cannot {what}: {e}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err("create its dir", e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| PERSONAL_FILE.into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err("write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_block_leaves_the_rest_and_its_comments() {
        let text = "# team comment\n[[rule]]\nname = \"a\"\n\n# added from the console on x: y\n[[rule]]\nname = \"b\"\n# about c\n[[rule]]\nname = \"c\"\n";
        let out = without_block(text, 6);
        assert_eq!(
            out,
            "# team comment\n[[rule]]\nname = \"a\"\n\n# about c\n[[rule]]\nname = \"c\"\n"
        );
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slug("systemctl status", 40), "systemctl-status");
        assert_eq!(slug("tag:prod", 30), "tag-prod");
    }
}
