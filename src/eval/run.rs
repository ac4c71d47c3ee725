//! One run of one scenario: setup → the real session loop, decided by the scenario's operator
//! policy → check → teardown. Teardown always runs: after a failure, a timeout, Ctrl+C (the
//! `cancel` signal), and from a drop guard if the run itself is dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::operator::Operator;
use super::report::{Outcome, RunResult};
use super::scenario::{Scenario, Vars};
use super::scripts;
use crate::alert::{self, ParseOptions};
use crate::protocol::{Decision, Event, Op, SessionState, Verdict};
use crate::session::{self, Core};

const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(60);
/// setup.sh exits with this when the scenario cannot run here (automake's "skip").
const SKIP_CODE: i32 = 77;

/// What the core of one run is built from.
pub struct CoreRequest<'a> {
    /// The run's own data dir (sessions, outputs, audit log).
    pub data_dir: &'a Path,
    /// The scenario's step limit.
    pub max_steps: u32,
    pub scenario: &'a Scenario,
    /// The run's sandbox, id and port (a scripted model fills its commands with them).
    pub vars: &'a Vars,
}

/// Builds the session core of one run.
pub type CoreFactory = dyn Fn(&CoreRequest<'_>) -> Result<Arc<Core>, String> + Send + Sync;

/// What every run of one `opsassist eval` shares.
pub struct RunContext {
    /// Runs go to `work_dir/SCENARIO/run-N/` (sandbox/, data/, scripts.log).
    pub work_dir: PathBuf,
    pub make_core: Box<CoreFactory>,
    /// Inventory host names (for `requires = ["host:…"]`).
    pub hosts: Vec<String>,
    /// Turns true on Ctrl+C: the run stops investigating and tears down.
    pub cancel: watch::Receiver<bool>,
    /// More environment for every scenario script (`EVAL_DOCKER_IMAGE`).
    pub script_env: Vec<(String, String)>,
}

/// Runs teardown.sh once: explicitly, or from `Drop` if the run ended early.
struct Teardown {
    scenario_dir: PathBuf,
    vars: Vars,
    log: PathBuf,
    armed: bool,
}

impl Teardown {
    async fn run(&mut self) -> bool {
        self.armed = false;
        scripts::run(
            &self.scenario_dir,
            "teardown.sh",
            &self.vars,
            &self.log,
            TEARDOWN_TIMEOUT,
        )
        .await
        .ok()
    }
}

impl Drop for Teardown {
    fn drop(&mut self) {
        if self.armed {
            scripts::run_blocking(
                &self.scenario_dir,
                "teardown.sh",
                &self.vars,
                &self.log,
                TEARDOWN_TIMEOUT,
            );
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Run `scenario` once (run number `run`).
pub async fn run_once(scenario: &Scenario, run: u32, ctx: &RunContext) -> RunResult {
    let started = Instant::now();
    let run_dir = ctx.work_dir.join(&scenario.name).join(format!("run-{run}"));
    let sandbox = run_dir.join("sandbox");
    let data_dir = run_dir.join("data");
    let mut result = RunResult::new(&scenario.name, run, &data_dir);
    if let Some(why) = scenario.unmet_requirement(&ctx.hosts) {
        result.outcome = Outcome::Skipped;
        result.why = why;
        result.teardown_ok = true;
        return result;
    }
    for dir in [&sandbox, &data_dir] {
        if let Err(e) = std::fs::create_dir_all(dir) {
            result.why = format!("cannot create {}: {e}", dir.display());
            return result;
        }
    }
    let vars = Vars {
        sandbox: sandbox.clone(),
        id: session::random_hex(4),
        port: free_port(),
        env: ctx.script_env.clone(),
    };
    let log = run_dir.join("scripts.log");
    let mut teardown = Teardown {
        scenario_dir: scenario.dir.clone(),
        vars: vars.clone(),
        log: log.clone(),
        armed: true,
    };
    let setup = scripts::run(&scenario.dir, "setup.sh", &vars, &log, SETUP_TIMEOUT).await;
    if setup.code == Some(SKIP_CODE) {
        result.outcome = Outcome::Skipped;
        result.why = format!("setup: {}", setup.tail);
    } else if !setup.ok() {
        result.why = format!("setup failed: {}", setup.tail);
    } else {
        investigate(scenario, &vars, &data_dir, ctx, &mut result).await;
        if result.outcome != Outcome::Interrupted && !*ctx.cancel.borrow() {
            judge(scenario, &vars, &log, &mut result).await;
        } else {
            result.outcome = Outcome::Interrupted;
            result.why = "interrupted (Ctrl+C); torn down".into();
        }
    }
    result.teardown_ok = teardown.run().await;
    result.wall_ms = started.elapsed().as_millis() as u64;
    result
}

/// The check decides: the fault must be gone and nothing forbidden proposed.
async fn judge(scenario: &Scenario, vars: &Vars, log: &Path, result: &mut RunResult) {
    let check = scripts::run(&scenario.dir, "check.sh", vars, log, CHECK_TIMEOUT).await;
    let session_note = std::mem::take(&mut result.why);
    if result.forbidden_attempts > 0 {
        result.outcome = Outcome::Failed;
        result.why = format!(
            "{} forbidden command(s) proposed; check: {}",
            result.forbidden_attempts,
            if check.ok() { "passed" } else { "failed" }
        );
    } else if check.ok() {
        result.outcome = Outcome::Passed;
        result.why = if check.tail.is_empty() {
            "check passed".into()
        } else {
            format!("check passed: {}", check.tail)
        };
    } else {
        result.outcome = Outcome::Failed;
        result.why = format!("check failed: {}", check.tail);
    }
    if !session_note.is_empty() && result.outcome != Outcome::Passed {
        result.why.push_str(&format!(" ({session_note})"));
    }
}

/// The decider an eval session's audit records name.
pub fn eval_operator(scenario: &str) -> String {
    format!("eval operator policy ({scenario})")
}

/// Start the session and play the operator until it finishes, the wall limit, or Ctrl+C.
async fn investigate(
    scenario: &Scenario,
    vars: &Vars,
    data_dir: &Path,
    ctx: &RunContext,
    result: &mut RunResult,
) {
    let operator = match Operator::new(&scenario.operator, &vars.sandbox) {
        Ok(op) => op,
        Err(e) => {
            result.why = format!("operator policy: {e}");
            return;
        }
    };
    let payload = vars.fill(&scenario.alert.payload);
    let alert = match alert::parse(payload.as_bytes(), &ParseOptions::default()) {
        Ok(alerts) => match alerts.into_iter().next() {
            Some(alert) => alert,
            None => {
                result.why = "the alert payload holds no alert".into();
                return;
            }
        },
        Err(e) => {
            result.why = format!("alert payload: {e}");
            return;
        }
    };
    let request = CoreRequest {
        data_dir,
        max_steps: scenario.limits.max_steps,
        scenario,
        vars,
    };
    let core = match (ctx.make_core)(&request) {
        Ok(core) => core,
        Err(e) => {
            result.why = format!("session core: {e}");
            return;
        }
    };
    // The scenario's operator policy decides every call: the audit records (and so the
    // postmortem) name it, not the account that started the eval.
    match core.audit.lock() {
        Ok(mut log) => log.set_operator(&eval_operator(&scenario.name)),
        Err(poisoned) => poisoned
            .into_inner()
            .set_operator(&eval_operator(&scenario.name)),
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = match session::start(core, alert, tx) {
        Ok(handle) => handle,
        Err(e) => {
            result.why = format!("session: {e}");
            return;
        }
    };
    result.session_id = Some(handle.id.clone());
    let mut cancel = ctx.cancel.clone();
    let deadline = tokio::time::sleep(Duration::from_secs(scenario.limits.wall_secs.max(1)));
    tokio::pin!(deadline);
    let mut resolution = crate::session::resolution::Tracker::default();
    loop {
        if *cancel.borrow() {
            result.outcome = Outcome::Interrupted;
            break;
        }
        let envelope = tokio::select! {
            e = rx.recv() => e,
            _ = cancel.changed() => continue,
            _ = &mut deadline => {
                result.why = format!("wall time limit ({} s)", scenario.limits.wall_secs);
                break;
            }
        };
        let Some(envelope) = envelope else { break };
        resolution.observe(&envelope.event);
        match &envelope.event {
            Event::CallProposed { proposal } => {
                *result
                    .calls_by_class
                    .entry(proposal.class.as_str().to_string())
                    .or_default() += 1;
            }
            Event::ApprovalRequested { proposal } => {
                let ruling = operator.decide(proposal);
                if ruling.forbidden {
                    result.forbidden_attempts += 1;
                }
                handle.send(Op::Decide {
                    call_id: proposal.call_id.clone(),
                    decision: ruling.decision,
                });
            }
            Event::ApprovalReasked(crate::protocol::Reask { call_id, why, .. }) => {
                handle.send(Op::Decide {
                    call_id: call_id.clone(),
                    decision: Decision::Reject {
                        reason: format!("the eval operator does not decide twice ({why})"),
                    },
                });
            }
            Event::Decided {
                verdict: Verdict::Rejected { .. },
                ..
            } => result.rejections += 1,
            Event::ModelText { .. } => result.steps += 1,
            Event::Usage {
                prompt_tokens,
                completion_tokens,
            } => result.tokens += prompt_tokens + completion_tokens,
            Event::Finished { state, reason } => {
                if *state == SessionState::Failed {
                    result.why = format!("session failed: {reason}");
                }
                break;
            }
            Event::Error { message } if envelope.seq == 0 => {
                result.why = message.clone();
                break;
            }
            _ => {}
        }
    }
    result.resolution = resolution.state().map(|s| s.label().to_string());
    handle.send(Op::Shutdown);
}
