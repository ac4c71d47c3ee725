//! Running an approved call: `ExecStarted`, with the process group, is durable (log fsync'd,
//! audit record) before the command runs (it is spawned held at a gate until then); the capped
//! output is redacted and neutralised before it reaches the model.

use super::Agent;
use crate::audit::AuditEntry;
use crate::exec::{Cancel, ExecRequest, GateKeeper};
use crate::protocol::{Event, ExecSummary, Op, SessionState};
use crate::session::SessionError;
use crate::session::conversation;
use crate::session::prompt::untrusted;
use crate::tools::ResolvedCall;

/// A call id made safe as a file name (ids come from the model).
fn file_safe(call_id: &str) -> String {
    let safe: String = call_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    if safe.is_empty() { "call".into() } else { safe }
}

/// The output of a call whose ssh connection failed, without ssh's own complaint (it is in
/// `connection_error` already: shown once) and without the `\r` ssh puts before line ends.
fn without_ssh_error(output: &str, error: &str) -> String {
    let mut kept = String::with_capacity(output.len());
    for line in output.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        let clean = text.trim_matches(|c: char| c == '\r' || c.is_whitespace());
        if !clean.is_empty() && error.contains(clean) {
            continue;
        }
        kept.push_str(&text.replace('\r', ""));
        if line.ends_with('\n') {
            kept.push('\n');
        }
    }
    kept
}

/// A byte count for a transcript line (`14.2 MiB`).
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl Agent {
    /// Log `ExecStarted` (with the process group held at the gate) and make it durable, then
    /// its audit record: both exist before the command can run.
    fn exec_started(
        &mut self,
        call_id: &str,
        resolved: &ResolvedCall,
        output_path: &std::path::Path,
        process: Option<crate::protocol::ProcessGroup>,
    ) -> Result<(), SessionError> {
        self.emit(Event::ExecStarted {
            call_id: call_id.to_string(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
            output_path: Some(output_path.display().to_string()),
            process,
        })?;
        self.flush()?;
        self.audit(AuditEntry::ExecStart {
            call_id: call_id.to_string(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
        })
    }

    /// Run `resolved` and return the tool result for the model. `edited` is (proposed, ran).
    pub(super) async fn execute(
        &mut self,
        call_id: &str,
        resolved: &ResolvedCall,
        edited: Option<(&str, &str)>,
    ) -> Result<String, SessionError> {
        // Team mode: no command while another operator holds the claim.
        crate::session::claim_guard::check(&self.id)?;
        self.set_state(SessionState::Running)?;
        self.executions += 1;
        let output_path = self.core.paths.outputs_dir().join(&self.id).join(format!(
            "{:03}-{}.log",
            self.executions,
            file_safe(call_id)
        ));
        let request = ExecRequest {
            target: resolved.target.clone(),
            program: resolved.program.clone(),
            timeout: resolved.timeout,
            output_cap: resolved.output_cap,
            output_path: output_path.clone(),
        };
        let core = std::sync::Arc::clone(&self.core);
        let (fire, cancel) = Cancel::new();
        // The process is spawned but held at the gate until `ExecStarted`, with its process
        // group, is durable and audited: nothing runs that a restart could not find.
        let (gate, keeper) = crate::exec::spawn_gate();
        let GateKeeper { mut started, go } = keeper;
        let mut go = Some(go);
        let run = core.executor.run_gated(request, cancel, Some(gate));
        tokio::pin!(run);
        let mut cancel_sent = false;
        let result = loop {
            self.flush()?;
            tokio::select! {
                biased;
                group = &mut started, if go.is_some() => {
                    self.exec_started(call_id, resolved, &output_path, group.ok().flatten())?;
                    if let Some(go) = go.take() {
                        let _ = go.send(());
                    }
                }
                result = &mut run => break result,
                op = self.ops.recv(), if !self.ops_closed && go.is_none() => match op {
                    Some(Op::Cancel { call_id: target })
                        if target.as_deref().is_none_or(|t| t == call_id) =>
                    {
                        if !cancel_sent {
                            cancel_sent = true;
                            let _ = fire.send(true);
                            let how = if matches!(
                                resolved.target,
                                crate::protocol::Target::Docker { .. }
                            ) {
                                "its Docker API call is abandoned".to_string()
                            } else if matches!(
                                resolved.target,
                                crate::protocol::Target::Mcp { .. }
                            ) {
                                "the MCP server is sent notifications/cancelled".to_string()
                            } else {
                                format!(
                                    "TERM sent to its process group (KILL after {} s)",
                                    self.core.config.limits.cancel_grace_secs
                                )
                            };
                            self.emit(Event::Note {
                                message: format!(
                                    "cancelling `{}`: {how}",
                                    crate::text::neutralize_line(&resolved.command),
                                ),
                            })?;
                        }
                    }
                    Some(Op::ResolveAndStop { note }) => {
                        self.stop_requested(&note, "the running command is cancelled")?;
                        if !cancel_sent {
                            cancel_sent = true;
                            let _ = fire.send(true);
                            self.emit(Event::Note {
                                message: format!(
                                    "cancelling `{}`: the incident was resolved",
                                    crate::text::neutralize_line(&resolved.command),
                                ),
                            })?;
                        }
                    }
                    Some(Op::Cancel { call_id: Some(other) }) => {
                        self.warn(format!("no running command `{other}` to cancel"))?;
                    }
                    Some(Op::Interrupt) => {
                        self.warn(
                            "a command is running: cancel it (x); the model is not working now"
                                .into(),
                        )?;
                    }
                    Some(op) => self.queue_op(op)?,
                    // Every handle is gone: the command runs to its end (crash recovery
                    // covers a process that dies meanwhile).
                    None => self.ops_closed = true,
                },
            }
        };
        if go.is_some() {
            // It failed before it could report a group (the spawn failed).
            self.exec_started(call_id, resolved, &output_path, None)?;
        }
        let summary = match result {
            Ok(outcome) => {
                // Redact before the cut (the capture keeps slack around it), in the command's
                // context (`printenv TOKEN` prints a bare value), then neutralise.
                let redactor = &self.core.redactor;
                let (redacted, masked) = outcome
                    .capture
                    .render_with(|text| redactor.spans(Some(&resolved.command), text));
                let redacted = match &outcome.connection_error {
                    Some(error) => without_ssh_error(&redacted, error),
                    None => redacted,
                };
                let (model_output, more) = untrusted(redactor, &redacted);
                let redactions = masked + more;
                ExecSummary {
                    call_id: call_id.to_string(),
                    target: resolved.target.clone(),
                    command: resolved.command.clone(),
                    exit_code: outcome.exit_code,
                    signal: outcome.signal,
                    duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
                    timed_out: outcome.timed_out,
                    connection_error: outcome.connection_error,
                    stdout_bytes: outcome.stdout_bytes,
                    stderr_bytes: outcome.stderr_bytes,
                    output_sha256: outcome.output_sha256,
                    output_path: output_path.display().to_string(),
                    redactions,
                    model_output,
                    interrupted: false,
                    cancelled: outcome.cancelled,
                    dropped_bytes: outcome.dropped_bytes,
                }
            }
            Err(err) => ExecSummary {
                call_id: call_id.to_string(),
                target: resolved.target.clone(),
                command: resolved.command.clone(),
                exit_code: None,
                signal: None,
                duration_ms: 0,
                timed_out: false,
                connection_error: None,
                stdout_bytes: 0,
                stderr_bytes: 0,
                output_sha256: String::new(),
                output_path: output_path.display().to_string(),
                redactions: 0,
                model_output: format!(
                    "could not run: {}",
                    untrusted(&self.core.redactor, &err.to_string()).0
                ),
                interrupted: false,
                cancelled: false,
                dropped_bytes: 0,
            },
        };
        if summary.cancelled {
            self.emit(Event::Warning {
                message: format!(
                    "⏹ cancelled by operator after {:.1} s",
                    summary.duration_ms as f64 / 1000.0
                ),
            })?;
            self.audit(AuditEntry::Decision {
                call_id: call_id.to_string(),
                decision: "cancel".into(),
                reason: Some(format!(
                    "cancelled by operator after {:.1} s",
                    summary.duration_ms as f64 / 1000.0
                )),
            })?;
        }
        if summary.dropped_bytes > 0 {
            self.warn(format!(
                "the output file keeps its head and tail: {} in the middle dropped \
                 ([limits] max_output_file_bytes = {})",
                size(summary.dropped_bytes),
                size(self.core.config.limits.max_output_file_bytes)
            ))?;
        }
        self.emit(Event::ExecFinished {
            summary: Box::new(summary.clone()),
        })?;
        self.audit(AuditEntry::ExecEnd {
            call_id: call_id.to_string(),
            exit_code: summary.exit_code,
            signal: summary.signal,
            duration_ms: summary.duration_ms,
            stdout_bytes: summary.stdout_bytes,
            stderr_bytes: summary.stderr_bytes,
            output_sha256: summary.output_sha256.clone(),
            redactions: summary.redactions,
            connection_error: summary.connection_error.clone(),
            timed_out: summary.timed_out,
        })?;
        Ok(conversation::exec_result(&summary, edited, &self.nonce))
    }
}

#[cfg(test)]
mod tests {
    use super::{file_safe, without_ssh_error};

    #[test]
    fn an_ssh_failure_is_shown_once_without_carriage_returns() {
        let output = "No ED25519 host key is known for [127.0.0.1]:2222.\r\nHost key verification failed.\r\n";
        let error = crate::exec::ssh::connection_error(output.as_bytes());
        assert_eq!(without_ssh_error(output, &error), "");
        let mixed = "partial output\r\nConnection to web01 closed by remote host.\r\n";
        let error = "Connection to web01 closed by remote host.";
        assert_eq!(without_ssh_error(mixed, error), "partial output\n");
    }

    #[test]
    fn call_ids_cannot_escape_the_output_dir() {
        assert_eq!(file_safe("../../etc/passwd"), "etcpasswd");
        assert_eq!(file_safe("call_0"), "call_0");
        assert_eq!(file_safe("/.."), "call");
    }
}
