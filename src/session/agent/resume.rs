//! Picking a replayed session up where it stopped: interrupted commands are recorded as such
//! (never re-run), known results are sent, the rest goes through the gate again.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Agent, Flow};
use crate::alert::Alert;
use crate::audit::{AuditEntry, INTERRUPTED};
use crate::config::AfterRestart;
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
                            process,
                        } => {
                            let content = self
                                .interrupted(&call.id, target, &command, output_path, process)
                                .await?;
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
        let (user, redactions) =
            prompt::render_user(&core.user_template, &alert, &core.redactor, &nonce);
        let system = self.system_prompt_for(&alert, &nonce)?;
        self.emit(Event::Prompt {
            system: system.clone(),
            user: user.clone(),
            redactions,
        })?;
        self.messages = vec![
            ChatMessage::System { content: system },
            ChatMessage::User { content: user },
        ];
        self.investigate().await
    }

    /// Record a command that was running at a crash: never re-run. When its process group
    /// (recorded in `ExecStarted`) still runs, `[exec] after_restart` decides: stop it now,
    /// or show it as still running until it ends or the operator stops it (`x`). The audit
    /// log gets its `exec_interrupted` record first, unless an end record for this call is
    /// already there (a crash during an earlier recovery): exactly one, however often
    /// opsassist restarts. Then the session log gets an interrupted `ExecFinished` carrying
    /// the output file's real size and hash.
    pub(super) async fn interrupted(
        &mut self,
        call_id: &str,
        target: crate::protocol::Target,
        command: &str,
        output_path: Option<String>,
        process: Option<crate::protocol::ProcessGroup>,
    ) -> Result<String, SessionError> {
        let alive = process.filter(crate::exec::group::still_running);
        let mut cancelled = false;
        let mut duration_ms = 0;
        let content = match alive {
            None => {
                self.warn(format!(
                    "`{command}` on {target} was running when opsassist stopped: interrupted, outcome unknown; it will not be re-run"
                ))?;
                conversation::interrupted_result(&target, command)
            }
            Some(group) => {
                let since = crate::exec::group::started_at(&group);
                duration_ms = since
                    .map(|t| (chrono::Utc::now() - t).num_milliseconds().max(0) as u64)
                    .unwrap_or(0);
                let found = still_running_line(&group, since);
                match self.core.config.exec.after_restart {
                    AfterRestart::Stop => {
                        self.warn(format!(
                            "`{command}` on {target} outlived opsassist: {found}; stopping it \
                             ([exec] after_restart = \"stop\"); it will not be re-run"
                        ))?;
                        self.flush()?;
                        let grace = std::time::Duration::from_secs(
                            self.core.config.limits.cancel_grace_secs,
                        );
                        let how = crate::exec::group::stop(&group, grace).await;
                        let said = stopped_words(how);
                        self.warn(format!("`{command}` on {target}: {said}"))?;
                        conversation::stopped_at_restart_result(&target, command, &found, said)
                    }
                    AfterRestart::Keep => {
                        let (ended, stopped) = self
                            .follow_still_running(
                                call_id,
                                &target,
                                command,
                                &output_path,
                                &group,
                                &found,
                            )
                            .await?;
                        cancelled = stopped;
                        conversation::ended_after_restart_result(&target, command, &found, &ended)
                    }
                }
            }
        };
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
                duration_ms,
                timed_out: false,
                connection_error: None,
                stdout_bytes: bytes,
                stderr_bytes: 0,
                output_sha256: sha256,
                output_path: output_path.unwrap_or_default(),
                redactions: 0,
                model_output: INTERRUPTED.into(),
                interrupted: true,
                cancelled,
                dropped_bytes: 0,
            }),
        })?;
        Ok(content)
    }
}

/// "still running (pid 4242) since 03:12:07 UTC".
fn still_running_line(
    group: &crate::protocol::ProcessGroup,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match since {
        Some(t) => format!(
            "still running (pid {}) since {} UTC",
            group.pgid,
            t.format("%H:%M:%S")
        ),
        None => format!("still running (pid {})", group.pgid),
    }
}

fn stopped_words(how: crate::exec::group::Stopped) -> &'static str {
    use crate::exec::group::Stopped;
    match how {
        Stopped::Term => "stopped (TERM to its process group)",
        Stopped::Kill => "stopped (it ignored TERM: KILL to its process group)",
        Stopped::Survived => "could not be stopped: its process group survived KILL",
    }
}

impl Agent {
    /// `[exec] after_restart = "keep"`: show the command as running again (its output file
    /// is followed as it was), and wait until its group ends or the operator cancels it (TERM,
    /// KILL after the grace). Other ops wait. Returns what happened and whether the operator
    /// stopped it.
    async fn follow_still_running(
        &mut self,
        call_id: &str,
        target: &crate::protocol::Target,
        command: &str,
        output_path: &Option<String>,
        group: &crate::protocol::ProcessGroup,
        found: &str,
    ) -> Result<(String, bool), SessionError> {
        self.warn(format!(
            "`{command}` on {target} outlived opsassist: {found}; it is kept \
             ([exec] after_restart = \"keep\"): x stops it"
        ))?;
        self.set_state(SessionState::Running)?;
        self.emit(Event::ExecStarted {
            call_id: call_id.to_string(),
            target: target.clone(),
            command: command.to_string(),
            output_path: output_path.clone(),
            process: Some(group.clone()),
        })?;
        let grace = std::time::Duration::from_secs(self.core.config.limits.cancel_grace_secs);
        loop {
            self.flush()?;
            if !crate::exec::group::still_running(group) {
                let at = chrono::Utc::now().format("%H:%M:%S");
                return Ok((format!("it ended by itself at about {at} UTC"), false));
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                op = self.ops.recv(), if !self.ops_closed => match op {
                    Some(crate::protocol::Op::Cancel { call_id: target_id })
                        if target_id.as_deref().is_none_or(|t| t == call_id) =>
                    {
                        self.emit(Event::Note {
                            message: format!(
                                "cancelling `{}`: TERM sent to its process group (KILL after {} s)",
                                crate::text::neutralize_line(command),
                                grace.as_secs()
                            ),
                        })?;
                        self.flush()?;
                        let how = crate::exec::group::stop(group, grace).await;
                        return Ok((format!("the operator {}", stopped_words(how)), true));
                    }
                    Some(crate::protocol::Op::ResolveAndStop { note }) => {
                        self.stop_requested(&note, "the running command is stopped")?;
                        self.flush()?;
                        let how = crate::exec::group::stop(group, grace).await;
                        return Ok((format!("the operator {}", stopped_words(how)), true));
                    }
                    Some(crate::protocol::Op::Interrupt) => {
                        self.warn(
                            "a command is running: cancel it (x); the model is not working now"
                                .into(),
                        )?;
                    }
                    Some(op) => self.queue_op(op)?,
                    None => self.ops_closed = true,
                },
            }
        }
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
