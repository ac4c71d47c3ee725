//! The agent loop per incident: alert → model turn → proposals → operator decisions →
//! execution → tool results → next turn; plus the append-only event log and resume.

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

/// A running session: send it [`Op`]s; its events arrive on the channel given at start.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub id: String,
    ops: mpsc::UnboundedSender<Op>,
}

impl SessionHandle {
    /// Send an op; false if the session task has ended.
    pub fn send(&self, op: Op) -> bool {
        self.ops.send(op).is_ok()
    }
}

/// Open a new incident session for `alert` and start investigating.
pub fn start(
    core: Arc<Core>,
    alert: Alert,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> Result<SessionHandle, SessionError> {
    let _ = (core, alert, events);
    let (ops, _rx) = mpsc::unbounded_channel();
    Ok(SessionHandle {
        id: String::new(),
        ops,
    })
}
