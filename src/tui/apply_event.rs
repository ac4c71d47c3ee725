//! How protocol events and task results change one incident's state and transcript.

use std::sync::Arc;

use crate::alert::Alert;
use crate::protocol::{Event, ExecSummary, SessionState};
use crate::text::{neutralize, neutralize_line};

use super::app::{Command, Incident, Reask};
use super::live_output::Tail;
use super::output_file::LineIndex;
use super::transcript_store::{
    CallEntry, Entry, NoteKind, OutputView, PREVIEW_LINES, Speaker, interrupted,
};

/// Effects of an event on the whole dashboard rather than one incident.
#[derive(Debug, Clone, PartialEq)]
pub enum Global {
    Tokens(u64),
    Redactions(usize),
    Connection(bool, String),
    /// Tail this running call's output file.
    Watch {
        call_id: String,
        path: String,
    },
    /// Stop tailing one call of this session, or all of them.
    Unwatch {
        call_id: Option<String>,
    },
    /// Build the line index of this call's output file now (an interrupted call's size).
    Index {
        call_id: String,
        path: String,
    },
    /// The core wants the typed `yes` for an edit of this call: ask for it.
    ConfirmEdit {
        call_id: String,
    },
}

pub(super) fn split_lines(text: &str) -> Vec<String> {
    let clean = neutralize(text).replace('\t', "    ");
    clean.split('\n').map(str::to_string).collect()
}

/// Longest reason kept in the transcript, in characters.
const MAX_REASON: usize = 300;

/// A model-written reason on one bounded line: whitespace runs become one space.
pub(super) fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut line = neutralize_line(&flat);
    if let Some((cut, _)) = line.char_indices().nth(MAX_REASON) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

fn alert_lines(alert: &Alert) -> Vec<String> {
    let mut lines = vec![neutralize_line(&format!(
        "ALERT {} · {} · {}",
        alert.source,
        alert.status.name(),
        alert.summary_line()
    ))];
    if let Some(desc) = &alert.description {
        let desc = split_lines(desc);
        let extra = desc.len().saturating_sub(8);
        lines.extend(desc.into_iter().take(8).map(|l| format!("  {l}")));
        if extra > 0 {
            lines.push(format!("  … ({extra} more lines)"));
        }
    }
    if let Some(at) = &alert.starts_at {
        lines.push(neutralize_line(&format!("  since {at}")));
    }
    if let Some(url) = &alert.url {
        lines.push(neutralize_line(&format!("  {url}")));
    }
    lines
}

fn preview(summary: &ExecSummary) -> OutputView {
    let all = if summary.model_output.is_empty() {
        Vec::new()
    } else {
        split_lines(summary.model_output.trim_end_matches('\n'))
    };
    // A finished command's preview is its last lines (where the result usually is).
    let total_lines = all.len();
    let skip = total_lines.saturating_sub(PREVIEW_LINES);
    OutputView {
        path: summary.output_path.clone(),
        total_lines,
        preview: all.into_iter().skip(skip).collect(),
        expanded: false,
        index: None,
        loading: false,
        window_start: 0,
        window: Vec::new(),
        error: None,
        partial: summary.model_output.contains(" bytes omitted]")
            || summary.stdout_bytes + summary.stderr_bytes
                > summary.model_output.len() as u64 + 1024,
    }
}

fn with_call(incident: &mut Incident, call_id: &str, f: impl FnOnce(&mut CallEntry)) {
    if let Some(i) = incident.transcript.find_call(call_id) {
        incident.transcript.update(i, |entry| {
            if let Entry::Call(call) = entry {
                f(call);
            }
        });
    }
}

fn end_streaming(incident: &mut Incident) {
    if let Some(i) = incident.transcript.last_index() {
        incident.transcript.update(i, |e| {
            if let Entry::Text { streaming, .. } = e {
                *streaming = false;
            }
        });
    }
}

fn note(incident: &mut Incident, kind: NoteKind, text: &str) {
    end_streaming(incident);
    incident.transcript.push(Entry::Note {
        kind,
        text: neutralize_line(text),
    });
}

/// Apply one event to `incident`; returns effects on the whole dashboard.
pub fn apply(incident: &mut Incident, event: Event) -> Vec<Global> {
    let mut global = Vec::new();
    incident.resolution.observe(&event);
    match event {
        Event::SessionStarted { alert, .. } => {
            incident.source = alert.source.to_string();
            incident.severity = alert.severity.as_deref().map(neutralize_line);
            incident.host = alert.host.as_deref().map(neutralize_line);
            incident.title = neutralize_line(&alert.title);
            incident.transcript.push(Entry::Alert {
                lines: alert_lines(&alert),
            });
            incident.alert = Some(alert);
        }
        Event::State { state } => {
            if state == SessionState::Investigating {
                if incident.state != state || incident.working_since.is_none() {
                    incident.working_since = Some(std::time::Instant::now());
                }
            } else {
                incident.working_since = None;
            }
            incident.state = state;
            incident.resolved = None;
            incident.asked = false;
            if state != SessionState::Running {
                global.push(Global::Unwatch { call_id: None });
            }
        }
        Event::ModelDelta { text } => {
            let last = incident.transcript.last_index();
            let streaming = last.is_some_and(|i| {
                matches!(
                    incident.transcript.entries()[i],
                    Entry::Text {
                        streaming: true,
                        ..
                    }
                )
            });
            if !streaming {
                incident.transcript.push(Entry::Text {
                    speaker: Speaker::Model,
                    lines: vec![String::new()],
                    streaming: true,
                });
            }
            if let Some(i) = incident.transcript.last_index() {
                incident.transcript.update(i, |e| {
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
            let last = incident.transcript.last_index();
            let streamed = last.filter(|i| {
                matches!(
                    incident.transcript.entries()[*i],
                    Entry::Text {
                        streaming: true,
                        ..
                    }
                )
            });
            let lines = split_lines(text.trim());
            match streamed {
                Some(i) => {
                    incident.transcript.update(i, |e| {
                        *e = Entry::Text {
                            speaker: Speaker::Model,
                            lines,
                            streaming: false,
                        }
                    });
                }
                None if !text.trim().is_empty() => incident.transcript.push(Entry::Text {
                    speaker: Speaker::Model,
                    lines,
                    streaming: false,
                }),
                None => {}
            }
        }
        Event::UserMessage { text } => {
            end_streaming(incident);
            incident.transcript.push(Entry::Text {
                speaker: Speaker::Operator,
                lines: split_lines(&text),
                streaming: false,
            });
        }
        Event::CallProposed { proposal } => {
            end_streaming(incident);
            super::apply_call::proposed(incident, &proposal);
        }
        Event::ApprovalRequested { proposal } => {
            end_streaming(incident);
            super::apply_call::requested(incident, proposal);
        }
        Event::ApprovalReasked {
            call_id,
            why,
            command,
            class,
            class_reason,
            needs_confirm,
            edit,
        } => {
            note(incident, NoteKind::Warning, &format!("asked again: {why}"));
            let reask = Reask {
                why: neutralize_line(&why),
                command,
                class,
                class_reason: neutralize_line(&class_reason),
                needs_confirm,
                edit,
            };
            if super::apply_call::reasked(incident, &call_id, reask) {
                global.push(Global::ConfirmEdit { call_id });
            }
        }
        Event::Decided { call_id, verdict } => {
            super::apply_call::decided(incident, &call_id, verdict)
        }
        Event::ExecStarted {
            call_id,
            output_path,
            ..
        } => {
            with_call(incident, &call_id, |call| {
                call.running = true;
                call.live = None;
                call.started_path = output_path.clone();
            });
            if let Some(path) = output_path {
                global.push(Global::Watch { call_id, path });
            }
        }
        Event::ExecFinished { summary } => {
            global.push(Global::Redactions(summary.redactions));
            incident.redactions += summary.redactions;
            let call_id = summary.call_id.clone();
            global.push(Global::Unwatch {
                call_id: Some(call_id.clone()),
            });
            let mut index = None;
            with_call(incident, &call_id, |call| {
                call.running = false;
                call.live = None;
                let mut output = preview(&summary);
                if output.path.is_empty()
                    && let Some(path) = &call.started_path
                {
                    output.path = path.clone();
                }
                if interrupted(&summary) && !output.path.is_empty() {
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
            incident.tokens += prompt_tokens + completion_tokens;
            global.push(Global::Tokens(prompt_tokens + completion_tokens));
        }
        Event::Connection { connected, detail } => {
            global.push(Global::Connection(connected, neutralize_line(&detail)));
        }
        Event::Warning { message } => note(incident, NoteKind::Warning, &message),
        Event::Error { message } => note(incident, NoteKind::Error, &message),
        Event::Finished { state, reason } => {
            incident.state = state;
            incident.asked =
                state == SessionState::Done && super::views::ends_with_question(incident);
            global.push(Global::Unwatch { call_id: None });
            let kind = if state == SessionState::Failed {
                NoteKind::Error
            } else {
                NoteKind::Info
            };
            note(incident, kind, &format!("{}: {reason}", state.label()));
        }
        Event::Note { message } => note(incident, NoteKind::Info, &message),
        Event::Resolved { note: text } => {
            note(
                incident,
                NoteKind::Info,
                &format!("✔ resolved by the operator: {text}"),
            );
            incident.resolved = Some(neutralize_line(&text));
        }
        Event::SourceStatus { status, at, source } => {
            let line = status.line(at, &source);
            note(incident, NoteKind::Info, &line);
            incident.source_status = Some(line);
        }
        // The exact prompts and tool-result messages are for the model and for resuming;
        // the transcript shows the alert, the calls and their outputs instead.
        Event::Prompt { .. } | Event::ToolResult { .. } => {}
        Event::ThinkingDelta { text } => super::widgets::thinking::apply(incident, &text),
    }
    global
}

/// Show the latest end of a running call's output (ignored once the call finished).
pub fn live_output(incident: &mut Incident, call_id: &str, tail: Tail) {
    with_call(incident, call_id, |call| {
        if call.running && call.summary.is_none() {
            call.live = Some(tail);
        }
    });
}

/// Store the line index of an output file.
pub fn output_indexed(
    incident: &mut Incident,
    call_id: &str,
    result: Result<Arc<LineIndex>, String>,
) {
    with_call(incident, call_id, |call| {
        if let Some(out) = &mut call.output {
            out.loading = false;
            match result {
                Ok(index) => {
                    out.total_lines = index.len();
                    out.index = Some(index);
                }
                Err(e) => out.error = Some(neutralize_line(&e)),
            }
        }
    });
}

/// Store a window of output lines read from disk.
pub fn output_window(
    incident: &mut Incident,
    call_id: &str,
    start: usize,
    result: Result<Vec<String>, String>,
) {
    with_call(incident, call_id, |call| {
        if let Some(out) = &mut call.output {
            out.loading = false;
            match result {
                Ok(lines) => {
                    out.window_start = start;
                    out.window = lines;
                }
                Err(e) => out.error = Some(neutralize_line(&e)),
            }
        }
    });
}

/// Reads needed to show the visible part of expanded outputs.
pub fn window_requests(incident: &mut Incident, height: usize) -> Vec<Command> {
    let top = incident.view_top(height);
    let bottom = (top + height).min(incident.transcript.len_lines());
    let Some((first, _)) = incident.transcript.locate(top) else {
        return Vec::new();
    };
    let last = incident
        .transcript
        .locate(bottom.saturating_sub(1))
        .map_or(first, |(i, _)| i);
    let mut commands = Vec::new();
    for i in first..=last {
        let entry_start = incident.transcript.entry_start(i);
        let Some(Entry::Call(call)) = incident.transcript.entries().get(i) else {
            continue;
        };
        let Some(out) = &call.output else { continue };
        if !out.expanded
            && out.partial
            && out.index.is_none()
            && !out.loading
            && out.error.is_none()
            && !out.path.is_empty()
        {
            // A cut preview on screen: index the file so its line count is exact.
            commands.push(Command::IndexOutput {
                session_id: incident.session_id.clone(),
                call_id: call.call_id.clone(),
                path: out.path.clone(),
            });
            let call_id = call.call_id.clone();
            with_call(incident, &call_id, |c| {
                if let Some(out) = &mut c.output {
                    out.loading = true;
                }
            });
            continue;
        }
        if !out.expanded || out.loading || out.error.is_some() {
            continue;
        }
        let Some(index) = &out.index else { continue };
        let body_start = entry_start + call.line_count_before_output();
        let want_from = top.saturating_sub(body_start);
        let want_to = (bottom.saturating_sub(body_start)).min(index.len());
        let have_from = out.window_start;
        let have_to = out.window_start + out.window.len();
        if want_from >= want_to || (want_from >= have_from && want_to <= have_to) {
            continue;
        }
        let start = want_from.saturating_sub(height * 2);
        let count = height * 5;
        commands.push(Command::ReadOutput {
            session_id: incident.session_id.clone(),
            call_id: call.call_id.clone(),
            path: out.path.clone(),
            index: index.clone(),
            start,
            count,
        });
        let call_id = call.call_id.clone();
        with_call(incident, &call_id, |c| {
            if let Some(out) = &mut c.output {
                out.loading = true;
            }
        });
    }
    commands
}
