//! Keys and pastes → state changes and [`Command`]s. Pure: the exact decision each key
//! produces is what the key tests assert.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use crate::policy::Class;
use crate::protocol::{Decision, Op};

use super::app::{App, Command, EditorPurpose, Focus, Overlay, PromptPurpose, PromptState};
use super::forms::{new_editor, paste_into};
use super::keymap::Action;
use super::transcript_store::{Entry, NoteKind};

pub(super) fn decide(session_id: &str, call_id: &str, decision: Decision) -> Vec<Command> {
    vec![Command::Send {
        session_id: session_id.to_string(),
        op: Op::Decide {
            call_id: call_id.to_string(),
            decision,
        },
    }]
}

impl App {
    /// Handle one key press.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        match std::mem::take(&mut self.overlay) {
            Overlay::None => self.dashboard_key(key),
            Overlay::Help => Vec::new(),
            Overlay::ConfirmQuit => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![Command::Quit],
                _ => {
                    self.notify(NoteKind::Info, "quit cancelled");
                    Vec::new()
                }
            },
            Overlay::Editor(editor) => self.editor_key(editor, key),
            Overlay::Prompt(prompt) => self.prompt_key(prompt, key),
        }
    }

    /// Handle a bracketed paste: inserted in one go into the editor or prompt; on the
    /// dashboard it opens the new-alert editor with the pasted text.
    pub fn handle_paste(&mut self, text: &str) -> Vec<Command> {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        match &mut self.overlay {
            Overlay::Editor(editor) => paste_into(editor, text),
            Overlay::Prompt(prompt) => prompt.input.push_str(&text.replace('\n', " ")),
            Overlay::None => {
                let mut editor = new_editor(EditorPurpose::NewAlert, "");
                paste_into(&mut editor, text);
                self.overlay = Overlay::Editor(editor);
            }
            Overlay::Help | Overlay::ConfirmQuit => {}
        }
        Vec::new()
    }

    fn dashboard_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(action) = self.keymap.resolve(&key) else {
            return Vec::new();
        };
        self.message = None;
        match action {
            Action::NewAlert => {
                self.overlay = Overlay::Editor(new_editor(EditorPurpose::NewAlert, ""));
                Vec::new()
            }
            Action::Approve => self.approve(),
            Action::ApprovePrefix => self.approve_prefix(),
            Action::Edit => self.edit(),
            Action::Reject => {
                if let Some((session_id, call_id)) = self.pending_ids() {
                    self.overlay = Overlay::Prompt(PromptState {
                        purpose: PromptPurpose::Reject {
                            session_id,
                            call_id,
                        },
                        input: String::new(),
                    });
                }
                Vec::new()
            }
            Action::Message => {
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
                Vec::new()
            }
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Incidents => Focus::Transcript,
                    Focus::Transcript => Focus::Incidents,
                };
                Vec::new()
            }
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match self.focus {
                    Focus::Incidents => self.move_incident(down),
                    Focus::Transcript => self.move_call(down),
                }
                Vec::new()
            }
            Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.scroll(action);
                Vec::new()
            }
            Action::Expand => self.toggle_output(),
            Action::Help => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            Action::Quit => {
                let (pending, running) = self.busy();
                if pending + running > 0 {
                    self.overlay = Overlay::ConfirmQuit;
                    Vec::new()
                } else {
                    vec![Command::Quit]
                }
            }
        }
    }

    fn pending_ids(&mut self) -> Option<(String, String)> {
        let found = self.current().and_then(|i| {
            i.pending()
                .map(|(p, _, _)| (i.session_id.clone(), p.call_id.clone()))
        });
        if found.is_none() {
            self.notify(
                NoteKind::Info,
                "nothing is waiting for approval in this incident",
            );
        }
        found
    }

    pub(super) fn mark_decided(&mut self, call_id: &str) {
        if let Some(incident) = self.current_mut() {
            incident.decided.insert(call_id.to_string());
        }
    }

    fn approve(&mut self) -> Vec<Command> {
        let Some((session_id, call_id)) = self.pending_ids() else {
            return Vec::new();
        };
        let destructive = self
            .current()
            .and_then(|i| i.pending())
            .is_some_and(|(p, _, _)| p.class == Class::Destructive);
        if destructive {
            self.overlay = Overlay::Prompt(PromptState {
                purpose: PromptPurpose::ConfirmApprove {
                    session_id,
                    call_id,
                },
                input: String::new(),
            });
            return Vec::new();
        }
        self.mark_decided(&call_id);
        decide(&session_id, &call_id, Decision::Approve { confirm: None })
    }

    fn approve_prefix(&mut self) -> Vec<Command> {
        let Some((session_id, call_id)) = self.pending_ids() else {
            return Vec::new();
        };
        let destructive = self
            .current()
            .and_then(|i| i.pending())
            .is_some_and(|(p, _, _)| p.class == Class::Destructive);
        if destructive {
            self.notify(
                NoteKind::Warning,
                "prefix approval is not offered for destructive commands: use a and type yes",
            );
            return Vec::new();
        }
        let has_prefix = self
            .current()
            .and_then(|i| i.pending().map(|(p, _, _)| i.prefix_for(p)))
            .flatten()
            .is_some();
        if !has_prefix {
            self.notify(
                NoteKind::Warning,
                "no prefix can be approved for this command (chained, substituted or redirected): use a",
            );
            return Vec::new();
        }
        self.mark_decided(&call_id);
        decide(&session_id, &call_id, Decision::ApprovePrefix)
    }

    fn edit(&mut self) -> Vec<Command> {
        let Some((session_id, _)) = self.pending_ids() else {
            return Vec::new();
        };
        let Some((proposal, _, _)) = self.current().and_then(|i| i.pending()) else {
            return Vec::new();
        };
        let text = if proposal.shell {
            proposal.command.clone()
        } else {
            serde_json::from_str::<serde_json::Value>(&proposal.arguments)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| proposal.arguments.clone())
        };
        let purpose = EditorPurpose::EditCall {
            session_id,
            proposal: Box::new(proposal.clone()),
        };
        self.overlay = Overlay::Editor(new_editor(purpose, &text));
        Vec::new()
    }

    fn move_incident(&mut self, down: bool) {
        if self.incidents.is_empty() {
            return;
        }
        self.selected = if down {
            (self.selected + 1).min(self.incidents.len() - 1)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    fn move_call(&mut self, down: bool) {
        let height = usize::from(self.transcript_height.get().max(1));
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

    fn scroll(&mut self, action: Action) {
        let height = usize::from(self.transcript_height.get().max(1));
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

    fn toggle_output(&mut self) -> Vec<Command> {
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
