//! Running a scenario's `setup.sh`, `check.sh` and `teardown.sh`: `sh SCRIPT` in the sandbox,
//! with the run's variables in the environment, output to a log file (so background processes
//! a script leaves behind never hold a pipe open), killed at a timeout.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use super::scenario::Vars;

/// How a script ended.
#[derive(Debug, Clone)]
pub struct ScriptOutcome {
    /// Exit code (None: killed, timed out or could not start).
    pub code: Option<i32>,
    /// The last lines of its output (or why it did not run).
    pub tail: String,
}

impl ScriptOutcome {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

fn command(
    script: &Path,
    vars: &Vars,
    scenario_dir: &Path,
    log: &Path,
) -> std::io::Result<std::process::Command> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let err = out.try_clone()?;
    let mut cmd = std::process::Command::new("sh");
    cmd.arg(script)
        .current_dir(&vars.sandbox)
        .env("SANDBOX", &vars.sandbox)
        .env("EVAL_ID", &vars.id)
        .env("EVAL_PORT", vars.port.to_string())
        .env("SCENARIO_DIR", scenario_dir)
        .envs(vars.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    Ok(cmd)
}

fn tail(log: &Path, before: u64) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let start = usize::try_from(before).unwrap_or(0).min(text.len());
    let text = String::from_utf8_lossy(&text[start..]);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(3);
    crate::text::neutralize_line(&lines[from..].join(" | "))
}

/// Run `scenario_dir/NAME` to completion or `timeout`, appending its output to `log`.
pub async fn run(
    scenario_dir: &Path,
    name: &str,
    vars: &Vars,
    log: &Path,
    timeout: Duration,
) -> ScriptOutcome {
    let before = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let script = scenario_dir.join(name);
    let cmd = match command(&script, vars, scenario_dir, log) {
        Ok(cmd) => cmd,
        Err(e) => {
            return ScriptOutcome {
                code: None,
                tail: format!("{name}: cannot open {}: {e}", log.display()),
            };
        }
    };
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return ScriptOutcome {
                code: None,
                tail: format!("{name}: cannot start: {e}"),
            };
        }
    };
    let code = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status.code(),
        Ok(Err(_)) => None,
        Err(_) => {
            let _ = child.kill().await;
            return ScriptOutcome {
                code: None,
                tail: format!("{name} timed out after {} s", timeout.as_secs()),
            };
        }
    };
    ScriptOutcome {
        code,
        tail: tail(log, before),
    }
}

/// [`run`] without a runtime, for a guard that must tear down from `Drop`.
pub fn run_blocking(scenario_dir: &Path, name: &str, vars: &Vars, log: &Path, timeout: Duration) {
    let Ok(mut cmd) = command(&scenario_dir.join(name), vars, scenario_dir, log) else {
        return;
    };
    let Ok(mut child) = cmd.spawn() else {
        return;
    };
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}
