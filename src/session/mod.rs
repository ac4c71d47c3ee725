//! The agent loop per incident: alert → model turn → proposals → operator decisions →
//! execution → tool results → next turn; plus the append-only event log and resume.
//!
//! Front ends call [`start`] for a new alert, [`recover`] at startup for sessions a crash left
//! open, [`resume`] to reopen any session, and [`list`]/[`read_log`] to browse the log.

mod agent;
pub mod claim_guard;
mod conversation;
pub mod corrections;
pub mod edit;
pub mod gate;
pub mod host_check;
pub mod incident_link;
pub mod last_request;
pub mod learning;
pub mod log;
pub mod prompt;
pub mod question;
mod reason;
mod recover;
pub mod resolution;
pub mod rules;
mod store;
pub mod untrusted;

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::audit::AuditLog;
use crate::config::Config;
use crate::exec::Executor;
use crate::llm::Provider;
use crate::paths::Paths;
use crate::policy::Redactor;
use crate::protocol::{EventEnvelope, Mode, Op};
use crate::tools::ToolRegistry;

pub use recover::{RecoveredSession, recover, resume};
pub use store::{SessionSummary, last_logged, list, materialize, read_log};

/// Session failures that stop a session from starting or resuming.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session log {path}: {source}")]
    Log {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("no session `{0}`")]
    NotFound(String),
    /// Another opsassist process has this session open.
    #[error("session `{0}` is open in another opsassist process")]
    Busy(String),
    /// A line other than the last cannot be read: the log was edited or damaged.
    #[error("session log {path} line {line} is damaged: {message}")]
    Corrupt {
        path: std::path::PathBuf,
        line: usize,
        message: String,
    },
    /// The log does not start with a session (empty, or not an opsassist log).
    #[error("session log {0} has no SessionStarted record")]
    NotASession(std::path::PathBuf),
    /// The audit log could not record an action, so the action was not taken.
    #[error("audit log: {0}")]
    Audit(String),
    /// `start`/`recover` was called outside a tokio runtime.
    #[error("sessions need a tokio runtime")]
    NoRuntime,
    /// Team mode: another operator holds this session's claim; it stopped acting here.
    #[error(
        "{0} is on this incident now (they hold its claim): this console stopped acting on it; c takes it over once their lease lapses"
    )]
    ClaimHeld(String),
    /// Team mode: who holds the claim could not be checked, so nothing was started.
    #[error("cannot check who holds this incident's claim: {0}")]
    ClaimCheck(String),
}

/// How sessions behave; the same for the TUI and `opsassist run`.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub mode: Mode,
    /// Run read-only commands without asking (logged as automatic).
    pub auto_approve_read_only: bool,
    /// Model turns before the session hands back to the operator.
    pub max_steps: u32,
}

/// Everything a session needs, shared by all sessions of one process.
pub struct Core {
    pub config: Config,
    pub paths: Paths,
    pub provider: Arc<dyn Provider>,
    pub tools: ToolRegistry,
    pub executor: Executor,
    pub redactor: Redactor,
    pub audit: Arc<Mutex<AuditLog>>,
    pub options: SessionOptions,
    /// Rendered system prompt.
    pub system_prompt: String,
    /// The user-prompt template (alert rendering).
    pub user_template: String,
}

impl Core {
    /// A notifier for `[notify]`, recording deliveries in `DATA_DIR/notify.jsonl`; None when
    /// no channel is configured.
    pub fn notifier(&self) -> Option<crate::notify::Notifier> {
        let notifier = crate::notify::Notifier::new(
            self.config.notify.clone(),
            self.redactor.clone(),
            Some(self.paths.data_dir.join("notify.jsonl")),
        );
        notifier.enabled().then_some(notifier)
    }
}

/// A running session: send it [`Op`]s; its events arrive on the channel given at start.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub id: String,
    ops: mpsc::UnboundedSender<Op>,
    /// What the session last sent to the model.
    last: last_request::LastRequest,
}

impl SessionHandle {
    /// A handle for a session that runs elsewhere (in the daemon a console attached to): its
    /// ops go to `ops`, which forwards them; it has no last request in this process.
    pub fn remote(id: &str, ops: mpsc::UnboundedSender<Op>) -> SessionHandle {
        SessionHandle {
            id: id.to_string(),
            ops,
            last: last_request::LastRequest::default(),
        }
    }

    /// Send an op; false if the session task has ended.
    pub fn send(&self, op: Op) -> bool {
        self.ops.send(op).is_ok()
    }

    /// True once the session task has ended (after `Shutdown`, or a fatal log error).
    pub fn is_closed(&self) -> bool {
        self.ops.is_closed()
    }

    /// The last request this session sent to the model in this process (redacted as sent).
    pub fn last_request(&self) -> Option<std::sync::Arc<last_request::SentRequest>> {
        self.last.get()
    }
}

/// Open a new incident session for `alert` and start investigating. Creates
/// `sessions/<id>.jsonl`, spawns the session task on the current tokio runtime and returns at
/// once; events arrive on `events`, each already durable in the log.
///
/// Dropping every [`SessionHandle`] (without `Op::Shutdown`) ends the task but leaves the
/// session open in the log, so [`recover`] picks it up on the next start.
pub fn start(
    core: Arc<Core>,
    alert: Alert,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> Result<SessionHandle, SessionError> {
    start_for(core, alert, None, events)
}

/// [`start`] for inbox incident `incident`: the link is recorded before the session acts, so
/// its notices carry the incident id and its claim is checked from the first turn.
pub fn start_for(
    core: Arc<Core>,
    alert: Alert,
    incident: Option<&str>,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> Result<SessionHandle, SessionError> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
    let (id, log) = store::create_log(&core.paths)?;
    if let Some(incident) = incident {
        incident_link::link(&id, incident);
    }
    let (ops, rx) = mpsc::unbounded_channel();
    let agent = agent::Agent::new(core, id.clone(), log, events, rx);
    let last = agent.last_request_slot();
    runtime.spawn(agent.run(agent::Start::Fresh(Box::new(alert))));
    Ok(SessionHandle { id, ops, last })
}

pub use crate::ids::random_hex;
