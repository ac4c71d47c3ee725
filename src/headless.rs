//! `opsassist run`: the same session events as the TUI, printed as a transcript (or JSONL),
//! with decisions read line by line from an input stream. Nothing runs by default: end of
//! input rejects the pending call and stops the session.

use std::io::{BufRead, Write};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::policy::{self, Class};
use crate::protocol::{Decision, Event, EventEnvelope, Op, Proposal, SessionState, Verdict};
use crate::session::{self, Core, SessionError, SessionHandle};
use crate::text::{neutralize, neutralize_line};
use crate::tools::Program;

/// How a headless session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadlessEnd {
    /// The model finished or the step limit was reached.
    Completed { session_id: String, reason: String },
    /// Input ended: the pending call was rejected and the session stopped.
    EndOfInput { session_id: String },
    /// The model could not be reached (after retries) or the session failed.
    Failed { session_id: String, message: String },
}

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

/// Decisions read line by line from a blocking reader on its own thread.
struct Lines {
    rx: mpsc::UnboundedReceiver<String>,
}

impl Lines {
    fn spawn(input: Box<dyn BufRead + Send>) -> Lines {
        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in input.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx }
    }

    async fn next(&mut self) -> Option<String> {
        self.rx.recv().await
    }
}

/// Run one session headless. Events go to `out` (transcript, or JSONL with `json`); prompts go
/// to `prompt_out`; decisions come from `input`.
pub async fn run(
    core: Arc<Core>,
    alert: Alert,
    input: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
    prompt_out: &mut dyn Write,
    json: bool,
) -> Result<HeadlessEnd, SessionError> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(Arc::clone(&core), alert, tx)?;
    let mut lines = Lines::spawn(input);
    let mut transcript = Transcript::default();
    let mut eof = false;
    let mut last_error = None;
    let io = |e: std::io::Error| SessionError::Log {
        path: "<stdout>".into(),
        source: e,
    };
    while let Some(envelope) = rx.recv().await {
        if json {
            let line =
                serde_json::to_string(&envelope).map_err(|e| io(std::io::Error::other(e)))?;
            writeln!(out, "{line}").map_err(io)?;
            out.flush().map_err(io)?;
        } else {
            transcript.render(&envelope, out).map_err(io)?;
        }
        match &envelope.event {
            Event::ApprovalRequested { proposal } if !eof => {
                if json {
                    write_proposal(proposal, prompt_out).map_err(io)?;
                }
                match ask(&core, proposal, &mut lines, prompt_out)
                    .await
                    .map_err(io)?
                {
                    Some(decision) => {
                        handle.send(Op::Decide {
                            call_id: proposal.call_id.clone(),
                            decision,
                        });
                    }
                    None => {
                        eof = true;
                        stop_at_eof(&handle, proposal);
                    }
                }
            }
            Event::Error { message } => last_error = Some(message.clone()),
            Event::Finished { state, reason } => {
                let session_id = envelope.session_id.clone();
                return Ok(if eof {
                    HeadlessEnd::EndOfInput { session_id }
                } else if *state == SessionState::Failed {
                    HeadlessEnd::Failed {
                        session_id,
                        message: last_error.unwrap_or_else(|| reason.clone()),
                    }
                } else {
                    HeadlessEnd::Completed {
                        session_id,
                        reason: reason.clone(),
                    }
                });
            }
            _ => {}
        }
    }
    Ok(HeadlessEnd::Failed {
        session_id: handle.id.clone(),
        message: last_error.unwrap_or_else(|| "the session ended unexpectedly".into()),
    })
}

fn stop_at_eof(handle: &SessionHandle, proposal: &Proposal) {
    handle.send(Op::Decide {
        call_id: proposal.call_id.clone(),
        decision: Decision::Reject {
            reason: "end of input".into(),
        },
    });
    handle.send(Op::Shutdown);
}

/// Prompt for one decision. None at end of input.
async fn ask(
    core: &Core,
    proposal: &Proposal,
    lines: &mut Lines,
    prompt_out: &mut dyn Write,
) -> std::io::Result<Option<Decision>> {
    loop {
        if proposal.class == Class::Destructive {
            writeln!(
                prompt_out,
                "DESTRUCTIVE command: type `yes` to run it, n to reject, e to edit:"
            )?;
        } else {
            writeln!(
                prompt_out,
                "run it? y = approve, n = reject (next line: reason), e = edit (next line: {}), a = approve this prefix for the incident",
                if proposal.shell {
                    "new command"
                } else {
                    "new JSON arguments"
                }
            )?;
        }
        prompt_out.flush()?;
        let Some(line) = lines.next().await else {
            return Ok(None);
        };
        let answer = line.trim();
        match answer {
            "y" | "Y" | "yes" => {
                return Ok(Some(Decision::Approve {
                    confirm: (answer == "yes").then(|| "yes".to_string()),
                }));
            }
            "n" | "N" | "no" => {
                let reason = lines.next().await.unwrap_or_default();
                return Ok(Some(Decision::Reject {
                    reason: reason.trim().to_string(),
                }));
            }
            "e" | "E" | "edit" => {
                writeln!(prompt_out, "replacement:")?;
                let Some(replacement) = lines.next().await else {
                    return Ok(None);
                };
                let confirm = if edit_is_destructive(core, proposal, &replacement) {
                    write!(
                        prompt_out,
                        "the edited command is DESTRUCTIVE: type `yes` to run it: "
                    )?;
                    prompt_out.flush()?;
                    let Some(word) = lines.next().await else {
                        return Ok(None);
                    };
                    Some(word.trim().to_string())
                } else {
                    None
                };
                return Ok(Some(Decision::Edit {
                    replacement,
                    confirm,
                }));
            }
            "a" | "A" => return Ok(Some(Decision::ApprovePrefix)),
            _ => writeln!(
                prompt_out,
                "answer y, n, e or a (got `{}`)",
                neutralize_line(answer)
            )?,
        }
    }
}

/// Whether an edit would need the typed confirmation (so it can be asked for up front).
fn edit_is_destructive(core: &Core, proposal: &Proposal, replacement: &str) -> bool {
    if proposal.shell {
        return policy::classify(replacement).class == Class::Destructive;
    }
    let call = crate::llm::ToolCall {
        id: proposal.call_id.clone(),
        name: proposal.tool.clone(),
        arguments: proposal.arguments.clone(),
    };
    let Ok(original) = core.tools.resolve(&call, &core.config.hosts) else {
        return false;
    };
    match core
        .tools
        .resolve_edit(&original, replacement, &core.config.hosts)
    {
        Ok(edited) => match &edited.program {
            Program::Shell(s) => policy::classify(s).class == Class::Destructive,
            Program::Argv(argv) => policy::classify_argv(argv).class == Class::Destructive,
        },
        Err(_) => false,
    }
}
