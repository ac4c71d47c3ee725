//! Running an approved call: `ExecStarted` is durable (log fsync'd, audit record) before the
//! process is spawned; the capped output is redacted and neutralised before it reaches the model.

use super::Agent;
use crate::audit::AuditEntry;
use crate::exec::ExecRequest;
use crate::protocol::{Event, ExecSummary, SessionState};
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

impl Agent {
    /// Run `resolved` and return the tool result for the model. `edited` is (proposed, ran).
    pub(super) async fn execute(
        &mut self,
        call_id: &str,
        resolved: &ResolvedCall,
        edited: Option<(&str, &str)>,
    ) -> Result<String, SessionError> {
        self.set_state(SessionState::Running)?;
        self.executions += 1;
        let output_path = self.core.paths.outputs_dir().join(&self.id).join(format!(
            "{:03}-{}.log",
            self.executions,
            file_safe(call_id)
        ));
        self.emit(Event::ExecStarted {
            call_id: call_id.to_string(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
            output_path: Some(output_path.display().to_string()),
        })?;
        // ExecStarted is durable and shown before the process exists.
        self.flush()?;
        self.audit(AuditEntry::ExecStart {
            call_id: call_id.to_string(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
        })?;
        let request = ExecRequest {
            target: resolved.target.clone(),
            program: resolved.program.clone(),
            timeout: resolved.timeout,
            output_cap: resolved.output_cap,
            output_path: output_path.clone(),
        };
        let core = std::sync::Arc::clone(&self.core);
        let summary = match core.executor.run(request).await {
            Ok(outcome) => {
                // Redact before the cut (the capture keeps slack around it), in the command's
                // context (`printenv TOKEN` prints a bare value), then neutralise.
                let redactor = &self.core.redactor;
                let (redacted, masked) = outcome
                    .capture
                    .render_with(|text| redactor.spans(Some(&resolved.command), text));
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
            },
        };
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
    use super::file_safe;

    #[test]
    fn call_ids_cannot_escape_the_output_dir() {
        assert_eq!(file_safe("../../etc/passwd"), "etcpasswd");
        assert_eq!(file_safe("call_0"), "call_0");
        assert_eq!(file_safe("/.."), "call");
    }
}
