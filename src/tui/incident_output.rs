//! How reads of a call's output file change an incident: live tails, line indexes, windows
//! of lines, and the reads its visible part needs ([`Incident::window_requests`]).

use std::sync::Arc;

use crate::text::neutralize_line;

use super::incident::Incident;
use super::messages::{Command, LineIndex, Tail};
use super::transcript_store::Entry;

impl Incident {
    /// Show the latest end of a running call's output (ignored once the call finished).
    pub fn live_output(&mut self, call_id: &str, tail: Tail) {
        self.with_call(call_id, |call| {
            if call.running && call.summary.is_none() {
                call.live = Some(tail);
            }
        });
    }

    /// Store the line index of an output file.
    pub fn output_indexed(&mut self, call_id: &str, result: Result<Arc<LineIndex>, String>) {
        self.with_call(call_id, |call| {
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
        &mut self,
        call_id: &str,
        start: usize,
        result: Result<Vec<String>, String>,
    ) {
        self.with_call(call_id, |call| {
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
    pub fn window_requests(&mut self, height: usize) -> Vec<Command> {
        let top = self.view_top(height);
        let bottom = (top + height).min(self.transcript.len_lines());
        let Some((first, _)) = self.transcript.locate(top) else {
            return Vec::new();
        };
        let last = self
            .transcript
            .locate(bottom.saturating_sub(1))
            .map_or(first, |(i, _)| i);
        let mut commands = Vec::new();
        for i in first..=last {
            let entry_start = self.transcript.entry_start(i);
            let Some(Entry::Call(call)) = self.transcript.entries().get(i) else {
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
                    session_id: self.session_id.clone(),
                    call_id: call.call_id.clone(),
                    path: out.path.clone(),
                });
                let call_id = call.call_id.clone();
                self.with_call(&call_id, |c| {
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
                session_id: self.session_id.clone(),
                call_id: call.call_id.clone(),
                path: out.path.clone(),
                index: index.clone(),
                start,
                count,
            });
            let call_id = call.call_id.clone();
            self.with_call(&call_id, |c| {
                if let Some(out) = &mut c.output {
                    out.loading = true;
                }
            });
        }
        commands
    }
}
