//! One scenario directory: `scenario.toml` (title, tags, requirements, alert, limits, operator
//! policy, scripted baselines) and its `setup.sh`, `check.sh` and `teardown.sh`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::EvalError;

/// `[alert]`: the payload, in any format `opsassist` parses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSpec {
    pub payload: String,
}

/// `[limits]` of one run.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Model turns before the session stops.
    pub max_steps: u32,
    /// Wall time of the investigation, in seconds (setup and check not included).
    pub wall_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 8,
            wall_secs: 120,
        }
    }
}

/// `[operator]`: what the eval's stand-in operator approves, rejects and counts as forbidden.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorPolicy {
    /// Classes approved automatically: `read-only`, `change`, `destructive` (destructive ones
    /// get the typed `yes`).
    pub approve: Vec<String>,
    /// Regexes over the command: a match is approved whatever its class.
    pub rules: Vec<String>,
    /// Reject any command naming an absolute path outside the sandbox (see `allow_paths`).
    pub reject_outside_sandbox: bool,
    /// Absolute path prefixes allowed besides the sandbox (added to /proc, /sys, /usr, …).
    pub allow_paths: Vec<String>,
    /// Regexes over the command: a match is rejected and counted as a forbidden attempt (added
    /// to the built-in list: rm of /, mkfs, reboot, kill -1, recursive deletes with `..`, …).
    pub forbidden: Vec<String>,
    /// Where calls may run: `local`, `ssh:HOST`, `docker:NAME` (empty: anywhere).
    pub targets: Vec<String>,
}

/// One scripted tool call: a `local_shell` command, or any tool with a host.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ScriptStep {
    Shell(String),
    Call {
        tool: String,
        #[serde(default)]
        host: Option<String>,
        command: String,
    },
}

impl ScriptStep {
    /// `(tool name, JSON arguments)` with the placeholders filled.
    pub fn call(&self, vars: &Vars) -> (String, serde_json::Value) {
        match self {
            ScriptStep::Shell(command) => (
                "local_shell".into(),
                serde_json::json!({"command": vars.fill(command), "reason": "scripted step"}),
            ),
            ScriptStep::Call {
                tool,
                host,
                command,
            } => {
                let mut args = serde_json::json!({
                    "command": vars.fill(command),
                    "reason": "scripted step",
                });
                if let (Some(host), Some(map)) = (host, args.as_object_mut()) {
                    map.insert("host".into(), serde_json::Value::String(host.clone()));
                }
                (tool.clone(), args)
            }
        }
    }
}

/// `[baseline]`: scripted models for the test suite.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Baselines {
    /// Fixes the fault (and checks it): must pass.
    pub oracle: Vec<ScriptStep>,
    /// A plausible fix that leaves the fault or breaks something else: must fail the check.
    pub wrong_fix: Vec<ScriptStep>,
    /// Proposes a forbidden command: rejected, counted, the scenario fails.
    pub dangerous: Vec<ScriptStep>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    requires: Vec<String>,
    alert: AlertSpec,
    #[serde(default)]
    limits: Limits,
    operator: OperatorPolicy,
    #[serde(default)]
    baseline: Baselines,
}

/// A loaded scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The directory name.
    pub name: String,
    pub dir: PathBuf,
    pub title: String,
    pub tags: Vec<String>,
    /// `docker`, `host:NAME`, or a program that must be on PATH.
    pub requires: Vec<String>,
    pub alert: AlertSpec,
    pub limits: Limits,
    pub operator: OperatorPolicy,
    pub baseline: Baselines,
}

/// The values scripts and templates see: `{sandbox}`, `{id}`, `{port}`.
#[derive(Debug, Clone)]
pub struct Vars {
    pub sandbox: PathBuf,
    pub id: String,
    pub port: u16,
    /// More environment for the scripts (`EVAL_DOCKER_IMAGE` from `--docker-image`).
    pub env: Vec<(String, String)>,
}

impl Vars {
    /// `text` with `{sandbox}`, `{id}` and `{port}` replaced.
    pub fn fill(&self, text: &str) -> String {
        text.replace("{sandbox}", &self.sandbox.display().to_string())
            .replace("{id}", &self.id)
            .replace("{port}", &self.port.to_string())
    }
}

impl Scenario {
    /// Load `dir/scenario.toml` and check the scripts are there.
    pub fn load(dir: &Path) -> Result<Scenario, EvalError> {
        let path = dir.join("scenario.toml");
        let text = std::fs::read_to_string(&path).map_err(|source| EvalError::Read {
            path: path.clone(),
            source,
        })?;
        let file: ScenarioFile = toml::from_str(&text).map_err(|e| EvalError::Invalid {
            path: path.clone(),
            message: e.to_string(),
        })?;
        for script in ["setup.sh", "check.sh", "teardown.sh"] {
            if !dir.join(script).is_file() {
                return Err(EvalError::Invalid {
                    path: dir.to_path_buf(),
                    message: format!("{script} is missing"),
                });
            }
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Scenario {
            name,
            dir: dir.to_path_buf(),
            title: file.title,
            tags: file.tags,
            requires: file.requires,
            alert: file.alert,
            limits: file.limits,
            operator: file.operator,
            baseline: file.baseline,
        })
    }

    /// Every scenario under `root` (directories holding a `scenario.toml`), by name.
    pub fn load_all(root: &Path) -> Result<Vec<Scenario>, EvalError> {
        let entries = std::fs::read_dir(root).map_err(|source| EvalError::Read {
            path: root.to_path_buf(),
            source,
        })?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("scenario.toml").is_file())
            .collect();
        dirs.sort();
        dirs.iter().map(|d| Scenario::load(d)).collect()
    }

    /// `all`, or one scenario by name.
    pub fn select(root: &Path, which: &str) -> Result<Vec<Scenario>, EvalError> {
        if which == "all" {
            return Scenario::load_all(root);
        }
        let valid = !which.is_empty()
            && which
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let dir = root.join(which);
        if !valid || !dir.join("scenario.toml").is_file() {
            return Err(EvalError::NotFound(which.to_string()));
        }
        Ok(vec![Scenario::load(&dir)?])
    }

    /// Why this scenario cannot run here, if it cannot: a missing program, host or Docker.
    pub fn unmet_requirement(&self, hosts: &[String]) -> Option<String> {
        for need in &self.requires {
            if let Some(host) = need.strip_prefix("host:") {
                if !hosts.iter().any(|h| h == host) {
                    return Some(format!("inventory host `{host}` is not configured"));
                }
            } else if need == "docker" {
                if !program_on_path("docker") {
                    return Some("no docker client on PATH".into());
                }
            } else if !program_on_path(need) {
                return Some(format!("`{need}` is not installed"));
            }
        }
        None
    }
}

fn program_on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_loads_with_all_three_baselines() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
        let all = match Scenario::load_all(&root) {
            Ok(all) => all,
            Err(e) => panic!("{e}"),
        };
        assert!(all.len() >= 10, "only {} scenarios", all.len());
        for s in &all {
            assert!(!s.baseline.oracle.is_empty(), "{} has no oracle", s.name);
            assert!(
                !s.baseline.wrong_fix.is_empty(),
                "{} has no wrong fix",
                s.name
            );
            assert!(
                !s.baseline.dangerous.is_empty(),
                "{} has no dangerous",
                s.name
            );
            assert!(s.alert.payload.contains('{'), "{}", s.name);
        }
    }

    #[test]
    fn select_refuses_names_that_leave_the_scenario_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
        assert!(Scenario::select(&root, "../scenarios/cpu-hog").is_err());
        assert!(Scenario::select(&root, "cpu-hog").is_ok());
    }
}
