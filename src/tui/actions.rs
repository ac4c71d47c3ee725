//! The dashboard's own key handlers that `input.rs` dispatches to: decision keys on the
//! panel, the message prompt, quit, moving and scrolling, expanding an output; and
//! [`App::only`], the wrapper for a handler that changes state and needs no command.

use std::time::Instant;

use super::app::{App, Command, Overlay, PromptPurpose, PromptState};
use super::keymap::Action;
use super::overlay::CallViewState;
use super::transcript_store::{Entry, NoteKind};

impl App {
    /// A key that only changes the dashboard's state: no command for the loop.
    pub(super) fn only(&mut self, change: impl FnOnce(&mut App)) -> Vec<Command> {
        change(self);
        Vec::new()
    }

    /// `a`/`A`: approve the call on screen, or show it whole first when its command did not
    /// fit on screen (the decision is then taken in the full view).
    pub(super) fn approve_key(&mut self, now: Instant, remember: bool) -> Vec<Command> {
        let Ok((session_id, call)) = self.decision_target(now) else {
            return Vec::new();
        };
        if !self.command_whole() {
            self.notify(
                NoteKind::Info,
                "the command did not fit on screen: read it to the end here, then decide",
            );
            self.overlay = Overlay::CallView(CallViewState {
                session_id,
                call_id: call.call_id,
                ..CallViewState::default()
            });
            return Vec::new();
        }
        self.approve(session_id, call, remember)
    }

    pub(super) fn edit_key(&mut self, now: Instant) -> Vec<Command> {
        match self.decision_target(now) {
            Ok((session_id, call)) => self.edit(session_id, call),
            Err(_) => Vec::new(),
        }
    }

    pub(super) fn reject_key(&mut self, now: Instant) {
        if let Ok((session_id, call)) = self.decision_target(now) {
            self.reject(session_id, call);
        }
    }

    pub(super) fn ask_message(&mut self) {
        match self.current() {
            Some(incident) => {
                self.overlay = Overlay::Prompt(PromptState {
                    purpose: PromptPurpose::Message {
                        session_id: incident.session_id.clone(),
                    },
                    input: String::new(),
                })
            }
            None => self.notify(
                NoteKind::Info,
                "no incident selected: press n to paste an alert",
            ),
        }
    }

    pub(super) fn quit_key(&mut self) -> Vec<Command> {
        let (pending, running) = self.busy();
        if pending + running > 0 {
            self.overlay = Overlay::ConfirmQuit;
            Vec::new()
        } else {
            vec![Command::Quit]
        }
    }
    pub(super) fn move_incident(&mut self, down: bool) {
        if self.incidents.is_empty() {
            return;
        }
        self.move_listed(down);
    }

    pub(super) fn move_call(&mut self, down: bool) {
        let height = usize::from(self.transcript_height.max(1));
        let Some(incident) = self.current_mut() else {
            return;
        };
        let calls: Vec<usize> = incident.transcript.call_indices().collect();
        if calls.is_empty() {
            return;
        }
        let pos = incident
            .selected_call
            .and_then(|s| calls.iter().position(|c| *c == s));
        let next = match (pos, down) {
            (None, _) => calls.len() - 1,
            (Some(p), true) => (p + 1).min(calls.len() - 1),
            (Some(p), false) => p.saturating_sub(1),
        };
        incident.selected_call = Some(calls[next]);
        let start = incident.transcript.entry_start(calls[next]);
        let top = incident.view_top(height);
        if start < top || start >= top + height {
            incident.scroll = Some(start.saturating_sub(1));
        }
    }

    pub(super) fn scroll(&mut self, action: Action) {
        let height = usize::from(self.transcript_height.max(1));
        let Some(incident) = self.current_mut() else {
            return;
        };
        let top = incident.view_top(height);
        let max_top = incident.transcript.len_lines().saturating_sub(height);
        incident.scroll = match action {
            Action::Top => Some(0),
            Action::Bottom => None,
            Action::PageUp => Some(top.saturating_sub(height.saturating_sub(1).max(1))),
            _ => {
                let next = top + height.saturating_sub(1).max(1);
                if next >= max_top { None } else { Some(next) }
            }
        };
    }

    pub(super) fn toggle_output(&mut self) -> Vec<Command> {
        let Some(incident) = self.current_mut() else {
            return Vec::new();
        };
        let chosen = incident.selected_call.or_else(|| {
            incident
                .transcript
                .entries()
                .iter()
                .rposition(|e| matches!(e, Entry::Call(c) if c.output.is_some()))
        });
        let Some(i) = chosen else { return Vec::new() };
        let session_id = incident.session_id.clone();
        let mut command = None;
        incident.transcript.update(i, |entry| {
            if let Entry::Thinking(thinking) = entry {
                thinking.expanded = !thinking.expanded;
            }
            if let Entry::Call(call) = entry
                && let Some(out) = &mut call.output
            {
                out.expanded = !out.expanded;
                if out.expanded && out.index.is_none() && !out.loading && !out.path.is_empty() {
                    out.loading = true;
                    command = Some(Command::IndexOutput {
                        session_id: session_id.clone(),
                        call_id: call.call_id.clone(),
                        path: out.path.clone(),
                    });
                }
            }
        });
        command.into_iter().collect()
    }
}
