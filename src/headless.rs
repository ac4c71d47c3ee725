//! `opsassist run`: the same session events as the TUI, printed as a transcript (or JSONL),
//! with decisions read line by line from an input stream. Nothing runs by default: end of
//! input rejects the pending call and stops the session.

mod transcript;

use std::collections::HashMap;
use std::io::{BufRead, Write};

use tokio::sync::mpsc;

use crate::protocol::{Decision, DecisionKind, Event, EventEnvelope, Op, Proposal, SessionState};
use crate::session::{SessionError, SessionHandle};
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

/// Follow one session the desk started (`handle`, its events on `rx`) headless. Events go to `out` (transcript, or JSONL with `json`); prompts go
/// to `prompt_out`; decisions come from `input`.
pub async fn run(
    handle: SessionHandle,
    mut rx: mpsc::UnboundedReceiver<EventEnvelope>,
    input: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
    prompt_out: &mut dyn Write,
    json: bool,
) -> Result<HeadlessEnd, SessionError> {
    let mut lines = Lines::spawn(input);
    let mut transcript = Transcript::default();
    let mut eof = false;
    let mut last_error = None;
    let mut proposals: HashMap<String, Proposal> = HashMap::new();
    let io = |e: std::io::Error| SessionError::Log {
        path: "<stdout>".into(),
        source: e,
    };
    while let Some(envelope) = rx.recv().await {
        if json {
            let line =
                crate::text::json_line(&envelope).map_err(|e| io(std::io::Error::other(e)))?;
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
                proposals.insert(proposal.call_id.clone(), proposal.clone());
                let decision = ask(proposal, &mut lines, prompt_out).await.map_err(io)?;
                eof = !send(&handle, proposal, decision);
            }
            Event::ApprovalReasked(reask) if !eof => {
                let Some(proposal) = proposals.get(&reask.call_id).cloned() else {
                    continue;
                };
                let again = reask.offer(&proposal);
                let decision = match &reask.edit {
                    Some(replacement) if again.needs_confirm => confirm_edit(
                        &again.command,
                        replacement,
                        &proposal,
                        &mut lines,
                        prompt_out,
                    )
                    .await
                    .map_err(io)?,
                    _ => ask(&again, &mut lines, prompt_out).await.map_err(io)?,
                };
                eof = !send(&handle, &proposal, decision);
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

/// Send the operator's decision on `proposal`; at end of input (None) reject it and stop the
/// session. Returns false at end of input.
fn send(handle: &SessionHandle, proposal: &Proposal, decision: Option<Decision>) -> bool {
    match decision {
        Some(decision) => {
            handle.send(Op::Decide {
                call_id: proposal.call_id.clone(),
                decision,
            });
            true
        }
        None => {
            handle.send(Op::Decide {
                call_id: proposal.call_id.clone(),
                decision: Decision::Reject {
                    reason: "end of input".into(),
                },
            });
            handle.send(Op::Shutdown);
            false
        }
    }
}

/// The core asked for `yes` for an edit that turned out destructive: ask for it for exactly
/// that text. The typed word goes to the core, which judges it (a wrong word is asked again);
/// `n` or an empty line goes back to the proposal's own question.
async fn confirm_edit(
    command: &str,
    replacement: &str,
    proposal: &Proposal,
    lines: &mut Lines,
    prompt_out: &mut dyn Write,
) -> std::io::Result<Option<Decision>> {
    writeln!(
        prompt_out,
        "the edited command `{}` is DESTRUCTIVE: type `yes` to run it (n: decide again):",
        neutralize_line(command)
    )?;
    prompt_out.flush()?;
    let Some(word) = lines.next().await else {
        return Ok(None);
    };
    let word = word.trim();
    if matches!(word.to_ascii_lowercase().as_str(), "" | "n" | "no") {
        return ask(proposal, lines, prompt_out).await;
    }
    Ok(Some(Decision::Edit {
        replacement: replacement.to_string(),
        confirm: Some(word.to_string()),
    }))
}

/// Prompt for one decision, offering what the core allows. None at end of input.
async fn ask(
    proposal: &Proposal,
    lines: &mut Lines,
    prompt_out: &mut dyn Write,
) -> std::io::Result<Option<Decision>> {
    let prefix = proposal
        .prefix
        .as_deref()
        .filter(|_| proposal.allows(DecisionKind::ApprovePrefix));
    loop {
        if proposal.needs_confirm {
            writeln!(
                prompt_out,
                "DESTRUCTIVE command: type `yes` to run it, n to reject, e to edit:"
            )?;
        } else {
            let remember = match prefix {
                Some(prefix) => format!(
                    ", a = approve and remember `{}` for the incident",
                    neutralize_line(prefix)
                ),
                None => " (a: no prefix for this command)".into(),
            };
            writeln!(
                prompt_out,
                "run it? y = approve, n = reject (next line: reason), e = edit (next line: {}){remember}",
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
            "y" | "Y" => return Ok(Some(Decision::Approve { confirm: None })),
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
                // The core rules on the edit; a destructive one comes back as a re-ask.
                return Ok(Some(Decision::Edit {
                    replacement,
                    confirm: None,
                }));
            }
            "a" | "A" if prefix.is_some() => return Ok(Some(Decision::ApprovePrefix)),
            // A typed confirmation: the core judges the word (a wrong one is asked again).
            _ if proposal.needs_confirm || answer == "yes" => {
                return Ok(Some(Decision::Approve {
                    confirm: Some(answer.to_string()),
                }));
            }
            _ => writeln!(
                prompt_out,
                "answer y, n, e{} (got `{}`)",
                if prefix.is_some() { " or a" } else { "" },
                neutralize_line(answer)
            )?,
        }
    }
}
