//! `[watch.docker] auto_restart`: the watcher restarts a failed container itself, up to
//! `max_restart_attempts` times, each attempt audited as approved by that rule and verified.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{DockerError, DockerWatchConfig, Engine, Verdict, verify};
use crate::audit::{AuditEntry, AuditLog};
use crate::policy::Class;
use crate::protocol::Target;

/// The audit session id of the watcher's own actions.
pub const WATCHER_SESSION: &str = "watch-docker";

/// The rule named in the audit log as the approver of auto-restarts.
pub const AUTO_RESTART_RULE: &str = "[watch.docker] auto_restart";

/// One restart attempt and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub attempt: u32,
    /// The restart call's own failure, if Docker refused it.
    pub error: Option<String>,
    pub verdict: Option<Verdict>,
}

/// What auto-restart did for one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealReport {
    pub container: String,
    pub attempts: Vec<Attempt>,
    /// True when the last attempt verified.
    pub healed: bool,
}

/// Restart `name` up to `max_restart_attempts` times until one verifies. Every attempt is
/// audited (proposal, decision `auto` by [`AUTO_RESTART_RULE`], exec start/end).
pub async fn auto_restart(
    engine: &Engine,
    config: &DockerWatchConfig,
    audit_path: &Path,
    name: &str,
) -> Result<HealReport, DockerError> {
    let max = config.max_restart_attempts.max(1);
    let mut attempts = Vec::new();
    for attempt in 1..=max {
        let call_id = format!("auto-restart-{}-{attempt}", crate::session::random_hex(4));
        let target = Target::Docker {
            container: name.to_string(),
        };
        let command = format!(
            "docker restart --time {} {name}",
            config.restart_timeout_secs
        );
        audit(
            audit_path,
            AuditEntry::Proposal {
                call_id: call_id.clone(),
                tool: "docker_restart".into(),
                target: target.clone(),
                command: command.clone(),
                class: Class::Change,
                recovered_from_text: false,
            },
        );
        audit(
            audit_path,
            AuditEntry::Decision {
                call_id: call_id.clone(),
                decision: "auto".into(),
                reason: Some(format!("{AUTO_RESTART_RULE} (attempt {attempt} of {max})")),
            },
        );
        audit(
            audit_path,
            AuditEntry::ExecStart {
                call_id: call_id.clone(),
                target,
                command,
            },
        );
        let started = Instant::now();
        let result = engine.restart(name, config.restart_timeout_secs).await;
        audit(
            audit_path,
            AuditEntry::ExecEnd {
                call_id,
                exit_code: Some(if result.is_ok() { 0 } else { 1 }),
                signal: None,
                duration_ms: started.elapsed().as_millis() as u64,
                stdout_bytes: 0,
                stderr_bytes: 0,
                output_sha256: String::new(),
                redactions: 0,
                connection_error: result.as_ref().err().map(|e| e.to_string()),
                timed_out: false,
            },
        );
        if let Err(e) = result {
            if matches!(e, DockerError::NotWatched(_)) {
                return Err(e);
            }
            attempts.push(Attempt {
                attempt,
                error: Some(e.to_string()),
                verdict: None,
            });
            continue;
        }
        let verdict = verify::verify(engine, name, Duration::from_secs(config.verify_secs)).await?;
        let passed = verdict.passed();
        attempts.push(Attempt {
            attempt,
            error: None,
            verdict: Some(verdict),
        });
        if passed {
            return Ok(HealReport {
                container: name.to_string(),
                attempts,
                healed: true,
            });
        }
    }
    Ok(HealReport {
        container: name.to_string(),
        attempts,
        healed: false,
    })
}

fn audit(path: &Path, entry: AuditEntry) {
    let result = AuditLog::open(path).and_then(|mut log| log.append(WATCHER_SESSION, entry));
    if let Err(e) = result {
        tracing::error!("watch docker: cannot write the audit log: {e}");
    }
}
