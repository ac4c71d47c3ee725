//! Picking a replayed session up where it stopped: interrupted commands are recorded as such
//! (never re-run), known results are sent, the rest goes through the gate again.

use std::sync::Arc;

use super::{Agent, Flow};
use crate::alert::Alert;
use crate::llm::ChatMessage;
use crate::protocol::{Event, SessionState};
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
                        } => {
                            let content = self.interrupted(&call.id, target, &command)?;
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

    /// Record a command that was running at a crash: never re-run, outcome unknown.
    pub(super) fn interrupted(
        &mut self,
        call_id: &str,
        target: crate::protocol::Target,
        command: &str,
    ) -> Result<String, SessionError> {
        let content = conversation::interrupted_result(&target, command);
        self.warn(format!(
            "`{command}` on {target} was running when opsassist stopped: interrupted, outcome unknown; it will not be re-run"
        ))?;
        self.emit(Event::ExecFinished {
            summary: Box::new(crate::protocol::ExecSummary {
                call_id: call_id.to_string(),
                target,
                command: command.to_string(),
                exit_code: None,
                signal: None,
                duration_ms: 0,
                timed_out: false,
                connection_error: None,
                stdout_bytes: 0,
                stderr_bytes: 0,
                output_sha256: String::new(),
                output_path: String::new(),
                redactions: 0,
                model_output: "interrupted: outcome unknown".into(),
            }),
        })?;
        Ok(content)
    }
}
