//! How one protocol event changes an incident's state and transcript ([`Incident::apply`]).

use crate::protocol::{Event, SessionState};
use crate::text::neutralize_line;

use super::apply_event::{alert_lines, preview, split_lines};
use super::incident::{Global, Incident};
use super::transcript_store::{Entry, NoteKind, Speaker, interrupted};

impl Incident {
    /// Apply one event to this incident; returns its effects on the whole dashboard.
    pub fn apply(&mut self, event: Event) -> Vec<Global> {
        let mut global = Vec::new();
        self.resolution.observe(&event);
        match event {
            Event::SessionStarted { alert, .. } => {
                self.source = alert.source.to_string();
                self.severity = alert.severity.as_deref().map(neutralize_line);
                self.host = alert.host.as_deref().map(neutralize_line);
                self.title = neutralize_line(&alert.title);
                self.transcript.push(Entry::Alert {
                    lines: alert_lines(&alert),
                });
                self.alert = Some(alert);
            }
            Event::State { state } => {
                if state == SessionState::Investigating {
                    self.paused = false;
                    if self.state != state || self.working_since.is_none() {
                        self.working_since = Some(std::time::Instant::now());
                    }
                } else {
                    self.working_since = None;
                }
                self.state = state;
                self.resolved = None;
                self.asked = false;
                if state != SessionState::Running {
                    global.push(Global::Unwatch { call_id: None });
                }
            }
            Event::ModelDelta { text } => {
                let last = self.transcript.last_index();
                let streaming = last.is_some_and(|i| {
                    matches!(
                        self.transcript.entries()[i],
                        Entry::Text {
                            streaming: true,
                            ..
                        }
                    )
                });
                if !streaming {
                    self.transcript.push(Entry::Text {
                        speaker: Speaker::Model,
                        lines: vec![String::new()],
                        streaming: true,
                    });
                }
                if let Some(i) = self.transcript.last_index() {
                    self.transcript.update(i, |e| {
                        if let Entry::Text { lines, .. } = e {
                            let mut parts = split_lines(&text).into_iter();
                            if let (Some(first), Some(last)) = (parts.next(), lines.last_mut()) {
                                last.push_str(&first);
                            }
                            lines.extend(parts);
                        }
                    });
                }
            }
            Event::ModelText { text, .. } => {
                let last = self.transcript.last_index();
                let streamed = last.filter(|i| {
                    matches!(
                        self.transcript.entries()[*i],
                        Entry::Text {
                            streaming: true,
                            ..
                        }
                    )
                });
                let lines = split_lines(text.trim());
                match streamed {
                    Some(i) => {
                        self.transcript.update(i, |e| {
                            *e = Entry::Text {
                                speaker: Speaker::Model,
                                lines,
                                streaming: false,
                            }
                        });
                    }
                    None if !text.trim().is_empty() => self.transcript.push(Entry::Text {
                        speaker: Speaker::Model,
                        lines,
                        streaming: false,
                    }),
                    None => {}
                }
            }
            Event::UserMessage { text } => {
                self.end_streaming();
                let speaker = if text == crate::session::resolution::VERIFY_PROMPT {
                    Speaker::Opsassist
                } else {
                    Speaker::Operator
                };
                self.transcript.push(Entry::Text {
                    speaker,
                    lines: split_lines(&text),
                    streaming: false,
                });
            }
            Event::CallProposed { proposal } => {
                self.end_streaming();
                self.call_proposed(&proposal);
            }
            Event::ApprovalRequested { proposal } => {
                global.push(Global::ApprovalArrived);
                self.end_streaming();
                self.call_requested(proposal);
            }
            Event::ApprovalReasked(reask) => {
                let (call_id, why) = (reask.call_id.clone(), reask.why.clone());
                // With its call, above the verdict and the output (not after the result).
                let line = neutralize_line(&why);
                if self.transcript.find_call(&call_id).is_some() {
                    self.end_streaming();
                    self.with_call(&call_id, |call| call.asked_again.push(line));
                } else {
                    self.note(NoteKind::Warning, &format!("asked again: {why}"));
                }
                if self.call_reasked(&call_id, reask) {
                    global.push(Global::ConfirmEdit { call_id });
                }
            }
            Event::Decided { call_id, verdict } => self.call_decided(&call_id, verdict),
            Event::PrefixRemembered {
                call_id,
                prefix,
                target,
                ..
            } => {
                let shown = neutralize_line(&prefix);
                let mut tool = String::new();
                self.with_call(&call_id, |call| {
                    call.remembered = Some(shown);
                    tool = call.tool.clone();
                });
                if !self
                    .remembered
                    .iter()
                    .any(|(t, p, _)| *t == target && *p == prefix)
                {
                    self.remembered.push((target, prefix, tool));
                }
            }
            Event::CorrectionsUsed { examples } => self.examples = examples,
            Event::PrefixForgotten { prefix, target } => {
                self.remembered
                    .retain(|(t, p, _)| !(*t == target && *p == prefix));
                let prefix = neutralize_line(&prefix);
                self.note(
                    NoteKind::Info,
                    &format!(
                        "✘ revoked the remembered prefix `{prefix}` on {target}: later calls are asked again"
                    ),
                );
            }
            Event::ExecStarted {
                call_id,
                output_path,
                ..
            } => {
                let at = self.transcript.clock();
                self.with_call(&call_id, |call| {
                    call.running = true;
                    call.started_at = at;
                    call.live = None;
                    call.started_path = output_path.clone();
                });
                if let Some(path) = output_path {
                    global.push(Global::Watch { call_id, path });
                }
            }
            Event::ExecFinished { summary } => {
                global.push(Global::Redactions(summary.redactions));
                self.redactions += summary.redactions;
                let call_id = summary.call_id.clone();
                global.push(Global::Unwatch {
                    call_id: Some(call_id.clone()),
                });
                let mut index = None;
                self.with_call(&call_id, |call| {
                    call.running = false;
                    call.live = None;
                    let mut output = preview(&summary);
                    if output.path.is_empty()
                        && let Some(path) = &call.started_path
                    {
                        output.path = path.clone();
                    }
                    // An empty file (measured at recovery) has nothing to index.
                    let empty = summary.stdout_bytes + summary.stderr_bytes == 0
                        && !summary.output_sha256.is_empty();
                    if interrupted(&summary) && !output.path.is_empty() && !empty {
                        // What the file holds is the only record of what the command printed:
                        // index it now so its size shows and it expands.
                        output.preview.clear();
                        output.total_lines = 0;
                        output.loading = true;
                        index = Some(output.path.clone());
                    }
                    call.output = Some(output);
                    call.summary = Some(summary);
                });
                if let Some(path) = index {
                    global.push(Global::Index { call_id, path });
                }
            }
            Event::Usage {
                prompt_tokens,
                completion_tokens,
            } => {
                self.tokens += prompt_tokens + completion_tokens;
                global.push(Global::Tokens(prompt_tokens + completion_tokens));
            }
            Event::Connection { connected, detail } => {
                global.push(Global::Connection(connected, neutralize_line(&detail)));
            }
            Event::Warning { message } => self.note(NoteKind::Warning, &message),
            Event::Error { message } => self.note(NoteKind::Error, &message),
            Event::Finished { state, reason } => {
                self.state = state;
                // The core ends an interrupted turn as done, saying so in the reason.
                self.paused = state == SessionState::Done
                    && reason.starts_with("interrupted by the operator");
                self.asked = state == SessionState::Done && super::views::ends_with_question(self);
                global.push(Global::Unwatch { call_id: None });
                let kind = if state == SessionState::Failed {
                    NoteKind::Error
                } else {
                    NoteKind::Info
                };
                self.note(kind, &format!("{}: {reason}", state.label()));
            }
            Event::Note { message } => self.note(NoteKind::Info, &message),
            Event::Resolved { note: text } => {
                self.note(
                    NoteKind::Info,
                    &format!("✔ resolved by the operator: {text}"),
                );
                self.resolved = Some(neutralize_line(&text));
            }
            Event::SourceStatus { status, at, source } => {
                let line = status.line(at, &source);
                self.note(NoteKind::Info, &line);
                self.source_status = Some(line);
            }
            // The exact prompts and tool-result messages are for the model and for resuming;
            // the transcript shows the alert, the calls and their outputs instead.
            // Secrets masked in the alert count with those masked in command output.
            Event::Prompt { redactions, .. } => {
                global.push(Global::Redactions(redactions));
                self.redactions += redactions;
            }
            Event::ToolResult { .. } => {}
            Event::ThinkingDelta { text } => super::widgets::thinking::apply(self, &text),
        }
        global
    }
}
