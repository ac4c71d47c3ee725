//! Picking a replayed session up where it stopped: interrupted commands are recorded as such
//! (never re-run), known results are sent, the rest goes through the gate again.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Agent, Flow};
use crate::alert::Alert;
use crate::audit::{AuditEntry, INTERRUPTED};
use crate::llm::ChatMessage;
use crate::protocol::{Event, ExecSummary, SessionState};
use crate::session::conversation::{self, OpenCall, Replay};
use crate::session::{SessionError, prompt};

impl Agent {
    pub(super) async fn resume(
        &mut self,
        replay: Replay,
        alert: Alert,
        warnings: Vec<String>,
    ) -> Result<Flow, SessionError> {
        for warning in warnings {
            self.warn(warning)?;
        }
        self.alert = Some(alert.clone());
        if replay.next == conversation::Next::Restart {
            return self.open_prompts_only(alert).await;
        }
        self.nonce = replay.nonce;
        self.recovered = replay.recovered;
        self.messages = replay.messages;
        self.steps = replay.steps;
        match replay.next {
            conversation::Next::AnswerCalls => {
                let mut items = Vec::new();
                for open in replay.open_calls {
                    items.push(match open {
                        OpenCall::Interrupted {
                            call,
                            target,
                            command,
                            output_path,
                        } => {
                            let content =
                                self.interrupted(&call.id, target, &command, output_path)?;
                            (call, Some(content))
                        }
                        OpenCall::Resolved { call, content } => (call, Some(content)),
                        OpenCall::Fresh { call } => (call, None),
                    });
                }
                match self.answer_calls(items).await? {
                    Flow::Continue => self.investigate().await,
                    other => Ok(other),
                }
            }
            conversation::Next::Investigate => self.investigate().await,
            conversation::Next::Finish => {
                self.finish(SessionState::Done, "the model finished")?;
                Ok(Flow::Continue)
            }
            conversation::Next::Idle | conversation::Next::Restart => {
                self.state = Some(SessionState::Done);
                Ok(Flow::Continue)
            }
        }
    }

    /// The log has a SessionStarted but no prompts: render them and investigate.
    pub(super) async fn open_prompts_only(&mut self, alert: Alert) -> Result<Flow, SessionError> {
        let core = Arc::clone(&self.core);
        let nonce = self.nonce.clone();
        let (user, _) = prompt::render_user(&core.user_template, &alert, &core.redactor, &nonce);
        let system = self.system_prompt_for(&alert, &nonce)?;
        self.emit(Event::Prompt {
            system: system.clone(),
            user: user.clone(),
        })?;
        self.messages = vec![
            ChatMessage::System { content: system },
            ChatMessage::User { content: user },
        ];
        self.investigate().await
    }

    /// Record a command that was running at a crash: never re-run, outcome unknown. The
    /// audit log gets its `exec_interrupted` record first, unless an end record for this call
    /// is already there (a crash during an earlier recovery): exactly one, however often
    /// opsassist restarts. Then the session log gets an interrupted `ExecFinished` carrying
    /// the output file's real size and hash.
    pub(super) fn interrupted(
        &mut self,
        call_id: &str,
        target: crate::protocol::Target,
        command: &str,
        output_path: Option<String>,
    ) -> Result<String, SessionError> {
        let content = conversation::interrupted_result(&target, command);
        self.warn(format!(
            "`{command}` on {target} was running when opsassist stopped: interrupted, outcome unknown; it will not be re-run"
        ))?;
        let (bytes, sha256) = output_path
            .as_deref()
            .map(|p| output_file_facts(Path::new(p)))
            .unwrap_or_default();
        let recorded = self
            .core
            .audit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .has_end_record(&self.id, call_id)
            .map_err(|e| SessionError::Audit(e.to_string()))?;
        if !recorded {
            self.audit(AuditEntry::ExecInterrupted {
                call_id: call_id.to_string(),
                outcome: INTERRUPTED.to_string(),
                output_bytes: bytes,
                output_sha256: sha256.clone(),
            })?;
        }
        self.emit(Event::ExecFinished {
            summary: Box::new(ExecSummary {
                call_id: call_id.to_string(),
                target,
                command: command.to_string(),
                exit_code: None,
                signal: None,
                duration_ms: 0,
                timed_out: false,
                connection_error: None,
                stdout_bytes: bytes,
                stderr_bytes: 0,
                output_sha256: sha256,
                output_path: output_path.unwrap_or_default(),
                redactions: 0,
                model_output: INTERRUPTED.into(),
                interrupted: true,
                cancelled: false,
                dropped_bytes: 0,
            }),
        })?;
        Ok(content)
    }
}

/// Size and sha256 of an output file as a crash left it; (0, "") when there is none.
fn output_file_facts(path: &Path) -> (u64, String) {
    let Ok(mut file) = std::fs::File::open(path) else {
        return (0, String::new());
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return (total, String::new()),
        }
    }
    (total, hex::encode(hasher.finalize()))
}
