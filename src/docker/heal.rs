//! `[watch.docker] auto_restart` as a proposal through the core's gate: the restart is the
//! call `docker restart NAME` (tool `docker_restart`, target `docker:NAME`), classified and
//! screened as a model's would be (the mode and the approval rules decide; the config's
//! opt-in stands in for the operator's approval only where a person's approval would do).
//! It claims the incident before it acts, writes every step to the core's audit log (its key,
//! its sink), and reports each verification as a typed [`Verdict`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{DockerError, DockerWatchConfig, Engine, Verdict, verify};
use crate::audit::{AuditEntry, AuditLog};
use crate::policy::{self, Class};
use crate::protocol::Target;
use crate::session::gate::{Gate, Screen};
use crate::store::Store;

/// The name the restart's approval goes by when no rule decides it: the config's opt-in.
pub const AUTO_RESTART_RULE: &str = "[watch.docker] auto_restart";

/// Who the incident is claimed by while auto_restart works on it.
pub const CLAIMANT: &str = "watch-docker auto_restart";

/// The tool a restart is proposed as (the same one the model proposes).
pub const TOOL: &str = "docker_restart";

/// One restart attempt and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub attempt: u32,
    /// The restart call's own failure, if Docker refused it.
    pub error: Option<String>,
    pub verdict: Option<Verdict>,
}

/// How an auto_restart ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HealOutcome {
    /// An attempt verified: the container runs (and is healthy) again.
    Healed,
    /// Every attempt failed; the incident stays open.
    GaveUp,
    /// The gate refused the restart (a forbid rule, check mode): audited as refused, not run.
    Refused { reason: String },
    /// The restart needs a person (an `ask` rule, a destructive class): not run, not audited
    /// as decided; the incident waits like any other.
    NeedsApproval { reason: String },
    /// Someone else took the incident up first (a console, a model session): not run.
    ClaimedElsewhere,
}

/// What auto_restart did for one container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealReport {
    pub container: String,
    /// The inbox incident it was for.
    pub incident: String,
    /// The restart as proposed (`docker restart NAME`).
    pub command: String,
    /// Who approved it (a rule's label or [`AUTO_RESTART_RULE`]); None when it did not run.
    pub approved_by: Option<String>,
    pub outcome: HealOutcome,
    pub attempts: Vec<Attempt>,
}

impl HealReport {
    /// True when an attempt verified.
    pub fn healed(&self) -> bool {
        self.outcome == HealOutcome::Healed
    }

    /// The last attempt's verdict, if any ran to verification.
    pub fn last_verdict(&self) -> Option<&Verdict> {
        self.attempts.last().and_then(|a| a.verdict.as_ref())
    }
}

/// Why auto_restart could not go on.
#[derive(Debug, thiserror::Error)]
pub enum HealError {
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// The claim could not be made (the store failed): nothing was run.
    #[error("cannot claim incident {incident}: {message}")]
    Claim { incident: String, message: String },
    /// A step could not be audited: nothing more was run.
    #[error("the audit log did not record the restart: {0}")]
    Audit(String),
}

/// Everything auto_restart needs, handed in by whoever owns incidents (the watcher, the
/// desk): no config is read here.
#[derive(Clone)]
pub struct Healer {
    pub engine: Engine,
    /// Attempts, timeouts and the verification window.
    pub config: DockerWatchConfig,
    /// Where the incident is claimed.
    pub store: Arc<dyn Store>,
    /// The core's gate: mode and approval rules.
    pub gate: Gate,
    /// The core's audit log (with its key and, in team mode, the shared chain).
    pub audit: Arc<Mutex<AuditLog>>,
    /// The claimant's name ([`CLAIMANT`] by default).
    pub claimant: String,
}

impl Healer {
    /// A healer claiming as [`CLAIMANT`].
    pub fn new(
        engine: Engine,
        config: DockerWatchConfig,
        store: Arc<dyn Store>,
        gate: Gate,
        audit: Arc<Mutex<AuditLog>>,
    ) -> Healer {
        Healer {
            engine,
            config,
            store,
            gate,
            audit,
            claimant: CLAIMANT.to_string(),
        }
    }

    /// Propose `docker restart NAME` for `incident` (container `name`) and, when the gate
    /// lets it run without a person, claim the incident and restart up to
    /// `max_restart_attempts` times until one verifies. Every step is audited under the
    /// incident's id: proposal, decision (`refused` or `auto` with the approver), and each
    /// attempt's exec start and end.
    pub async fn restart(&self, incident: &str, name: &str) -> Result<HealReport, HealError> {
        let argv = vec![
            "docker".to_string(),
            "restart".to_string(),
            name.to_string(),
        ];
        let command = argv.join(" ");
        let class = policy::classify_argv(&argv).class;
        let target = Target::Docker {
            container: name.to_string(),
        };
        let mut report = HealReport {
            container: name.to_string(),
            incident: incident.to_string(),
            command: command.clone(),
            approved_by: None,
            outcome: HealOutcome::GaveUp,
            attempts: Vec::new(),
        };
        let approver =
            match self
                .gate
                .screen_standing(class, Some(TOOL), &target, &command, AUTO_RESTART_RULE)
            {
                Screen::Auto(approver) => approver,
                Screen::Ask => {
                    report.outcome = HealOutcome::NeedsApproval {
                        reason: format!(
                            "`{command}` ({}) needs a person: the approval rules or its class \
                             ask for one, and auto_restart does not stand in for them",
                            class.as_str()
                        ),
                    };
                    return Ok(report);
                }
                Screen::Refuse(reason) => {
                    let call_id = call_id(incident, 0);
                    self.audit(incident, proposal(&call_id, &target, &command, class))?;
                    self.audit(
                        incident,
                        AuditEntry::Decision {
                            call_id,
                            decision: "refused".into(),
                            reason: Some(reason.clone()),
                        },
                    )?;
                    report.outcome = HealOutcome::Refused { reason };
                    return Ok(report);
                }
            };
        if !self.claim(incident).await? {
            report.outcome = HealOutcome::ClaimedElsewhere;
            return Ok(report);
        }
        report.approved_by = Some(approver.clone());
        let max = self.config.max_restart_attempts.max(1);
        for attempt in 1..=max {
            let call_id = call_id(incident, attempt);
            self.audit(incident, proposal(&call_id, &target, &command, class))?;
            self.audit(
                incident,
                AuditEntry::Decision {
                    call_id: call_id.clone(),
                    decision: "auto".into(),
                    reason: Some(format!("{approver} (attempt {attempt} of {max})")),
                },
            )?;
            self.audit(
                incident,
                AuditEntry::ExecStart {
                    call_id: call_id.clone(),
                    target: target.clone(),
                    command: command.clone(),
                },
            )?;
            let started = Instant::now();
            let result = self
                .engine
                .restart(name, self.config.restart_timeout_secs)
                .await;
            self.audit(
                incident,
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
            )?;
            if let Err(e) = result {
                if matches!(e, DockerError::NotWatched(_)) {
                    return Err(e.into());
                }
                report.attempts.push(Attempt {
                    attempt,
                    error: Some(e.to_string()),
                    verdict: None,
                });
                continue;
            }
            let window = Duration::from_secs(self.config.verify_secs);
            let verdict = verify::verify(&self.engine, name, window).await?;
            let passed = verdict.passed();
            report.attempts.push(Attempt {
                attempt,
                error: None,
                verdict: Some(verdict),
            });
            if passed {
                report.outcome = HealOutcome::Healed;
                return Ok(report);
            }
        }
        report.outcome = HealOutcome::GaveUp;
        Ok(report)
    }

    /// Claim `incident` for [`Healer::claimant`] (off the async workers: stores block).
    async fn claim(&self, incident: &str) -> Result<bool, HealError> {
        let (store, id, by) = (
            Arc::clone(&self.store),
            incident.to_string(),
            self.claimant.clone(),
        );
        let claimed = tokio::task::spawn_blocking(move || store.claim(&id, &by))
            .await
            .map_err(|e| HealError::Claim {
                incident: incident.to_string(),
                message: e.to_string(),
            })?;
        claimed.map_err(|e| HealError::Claim {
            incident: incident.to_string(),
            message: e.to_string(),
        })
    }

    fn audit(&self, incident: &str, entry: AuditEntry) -> Result<(), HealError> {
        let mut log = self
            .audit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = log.append(incident, entry);
        for warning in log.take_warnings() {
            tracing::warn!("{warning}");
        }
        result.map_err(|e| HealError::Audit(e.to_string()))
    }
}

fn proposal(call_id: &str, target: &Target, command: &str, class: Class) -> AuditEntry {
    AuditEntry::Proposal {
        call_id: call_id.to_string(),
        tool: TOOL.into(),
        target: target.clone(),
        command: command.to_string(),
        class,
        recovered_from_text: false,
    }
}

/// A call id unique in the audit log: the incident, the attempt and the time.
fn call_id(incident: &str, attempt: u32) -> String {
    let millis = chrono::Utc::now().timestamp_millis();
    format!("auto-restart-{incident}-{millis}-{attempt}")
}
