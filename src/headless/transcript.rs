//! The human transcript of a headless session: events and approval prompts as plain text,
//! with untrusted text neutralised.

use std::io::Write;

use crate::protocol::{Event, EventEnvelope, Proposal, Verdict};
use crate::text::{neutralize, neutralize_line};

/// Renders events as a human transcript. Untrusted text is neutralised.
#[derive(Debug, Default)]
pub struct Transcript {
    mid_line: bool,
    streamed: bool,
}

impl Transcript {
    fn end_line(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.mid_line {
            writeln!(out)?;
            self.mid_line = false;
        }
        Ok(())
    }

    /// Write one event; streamed deltas are printed as they come.
    pub fn render(&mut self, envelope: &EventEnvelope, out: &mut dyn Write) -> std::io::Result<()> {
        match &envelope.event {
            Event::SessionStarted {
                alert,
                provider,
                model,
                mode,
            } => {
                writeln!(
                    out,
                    "▶ session {} · {} · {provider}/{} · mode {}",
                    envelope.session_id,
                    neutralize_line(&alert.summary_line()),
                    neutralize_line(model),
                    if *mode == crate::protocol::Mode::Check {
                        "check"
                    } else {
                        "heal"
                    }
                )?;
            }
            // Reasoning stays in the session log; the headless transcript shows answers only.
            Event::ThinkingDelta { .. } => {}
            Event::ModelDelta { text } => {
                write!(out, "{}", neutralize(text))?;
                self.mid_line = !text.ends_with('\n');
                self.streamed = true;
            }
            Event::ModelText { text, .. } => {
                if !self.streamed && !text.is_empty() {
                    write!(out, "{}", neutralize(text))?;
                    self.mid_line = !text.ends_with('\n');
                }
                self.end_line(out)?;
                self.streamed = false;
            }
            Event::UserMessage { text } => {
                self.end_line(out)?;
                writeln!(out, "» you: {}", neutralize(text))?;
            }
            Event::ApprovalRequested { proposal } => {
                self.end_line(out)?;
                write_proposal(proposal, out)?;
            }
            Event::Decided { verdict, .. } => {
                self.end_line(out)?;
                match verdict {
                    Verdict::Approved => writeln!(out, "✔ approved")?,
                    Verdict::AutoApproved { rule } => {
                        writeln!(out, "✔ approved automatically ({})", neutralize_line(rule))?
                    }
                    Verdict::Edited { before, after } => writeln!(
                        out,
                        "✎ edited: {} → {}",
                        neutralize_line(before),
                        neutralize_line(after)
                    )?,
                    Verdict::Rejected { reason } => {
                        writeln!(out, "✘ rejected: {}", neutralize_line(reason))?
                    }
                    Verdict::Refused { reason } => {
                        writeln!(out, "⛔ refused: {}", neutralize_line(reason))?
                    }
                }
            }
            Event::ExecStarted {
                target, command, ..
            } => {
                self.end_line(out)?;
                writeln!(out, "$ {}    [on {target}]", neutralize_line(command))?;
            }
            Event::ExecFinished { summary } => {
                let status = match (summary.exit_code, summary.signal) {
                    _ if summary.timed_out => "timed out".to_string(),
                    _ if summary.connection_error.is_some() => format!(
                        "ssh failed: {}",
                        neutralize_line(summary.connection_error.as_deref().unwrap_or(""))
                    ),
                    (Some(code), _) => format!("exit {code}"),
                    (None, Some(signal)) => format!("signal {signal}"),
                    (None, None) => "no exit status".into(),
                };
                for line in summary.model_output.lines() {
                    writeln!(out, "  │ {}", neutralize_line(line))?;
                }
                let redacted = if summary.redactions > 0 {
                    format!(", {} secret(s) masked", summary.redactions)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "  └ {status} in {} ms, {} bytes{redacted}{}",
                    summary.duration_ms,
                    summary.stdout_bytes + summary.stderr_bytes,
                    if summary.output_path.is_empty() {
                        String::new()
                    } else {
                        format!(" · full output: {}", summary.output_path)
                    }
                )?;
            }
            Event::Note { message } => {
                self.end_line(out)?;
                writeln!(out, "· note: {}", neutralize_line(message))?;
            }
            Event::Warning { message } => {
                self.end_line(out)?;
                writeln!(out, "! warning: {}", neutralize_line(message))?;
            }
            Event::Error { message } => {
                self.end_line(out)?;
                writeln!(out, "! error: {}", neutralize_line(message))?;
            }
            Event::Connection { connected, detail } => {
                self.end_line(out)?;
                let word = if *connected {
                    "connected"
                } else {
                    "disconnected"
                };
                writeln!(out, "· {word}: {}", neutralize_line(detail))?;
            }
            Event::Finished { state, reason } => {
                self.end_line(out)?;
                writeln!(out, "■ {}: {}", state.label(), neutralize_line(reason))?;
            }
            Event::Prompt { .. }
            | Event::State { .. }
            | Event::ToolResult { .. }
            | Event::Usage { .. } => {}
        }
        out.flush()
    }
}

/// Print a proposal with its target on a line of its own.
pub fn write_proposal(proposal: &Proposal, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "┌ approval needed: {}",
        neutralize_line(&proposal.tool)
    )?;
    writeln!(out, "│ on:      {}", proposal.target)?;
    writeln!(
        out,
        "│ class:   {} ({})",
        proposal.class.as_str().to_uppercase(),
        neutralize_line(&proposal.class_reason)
    )?;
    if let Some(reason) = &proposal.reason {
        writeln!(out, "│ reason:  {}", neutralize_line(reason))?;
    }
    writeln!(out, "└ command: {}", neutralize_line(&proposal.command))
}
