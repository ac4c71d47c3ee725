//! `opsassist run`: the same session events as the TUI, printed as a transcript (or JSONL),
//! with decisions read line by line from an input stream. Nothing runs by default: end of
//! input rejects the pending call and stops the session.

mod transcript;

use std::io::{BufRead, Write};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::policy::Class;
use crate::protocol::{Decision, Event, Op, Proposal, SessionState};
use crate::session::{self, Core, SessionError, SessionHandle};
use crate::text::neutralize_line;

pub use transcript::{Transcript, write_proposal};

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
    session::edit::edit_class(&core.tools, &core.config.hosts, proposal, replacement)
        == Some(Class::Destructive)
}
