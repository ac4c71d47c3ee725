//! Keys and pastes → state changes and [`Command`]s. Pure: the exact decision each key
//! produces is what the key tests assert.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::protocol::{Decision, Op};

use super::app::{
    App, Command, EditorPurpose, Focus, Overlay, PanelCall, PromptPurpose, PromptState,
};
use super::forms::{new_editor, paste_into};
use super::keymap::Action;
use super::overlay::CallViewState;
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
    /// Handle one key press now.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        self.handle_key_at(key, Instant::now())
    }

    /// Handle one key pressed at `now`. Decision keys act only on the call last drawn (see
    /// [`App::drawn`]), once the guard time since it was first shown has passed.
    pub fn handle_key_at(&mut self, key: KeyEvent, now: Instant) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        match std::mem::take(&mut self.overlay) {
            Overlay::None => self.dashboard_key(key, now),
            Overlay::Help(top) => {
                match self.keymap.resolve(&key) {
                    Some(Action::Down) => self.overlay = Overlay::Help(top + 1),
                    Some(Action::Up) => self.overlay = Overlay::Help(top.saturating_sub(1)),
                    Some(Action::PageDown) => self.overlay = Overlay::Help(top + 10),
                    Some(Action::PageUp) => self.overlay = Overlay::Help(top.saturating_sub(10)),
                    _ => {}
                }
                Vec::new()
            }
            Overlay::CallView(view) => self.call_view_key(view, key, now),
            Overlay::ConfirmQuit => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![Command::Quit],
                _ => {
                    self.notify(NoteKind::Info, "quit cancelled");
                    Vec::new()
                }
            },
            Overlay::Editor(editor) => self.editor_key(editor, key),
            Overlay::Prompt(prompt) => self.prompt_key(prompt, key),
            Overlay::Scope(prompt) => self.scope_prompt_key(prompt, key),
            Overlay::Rules(view) => self.rules_view_key(view, key),
            Overlay::Text(view) => self.text_view_key(view, key),
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
            Overlay::Help(_)
            | Overlay::ConfirmQuit
            | Overlay::CallView(_)
            | Overlay::Scope(_)
            | Overlay::Rules(_)
            | Overlay::Text(_) => {}
        }
        Vec::new()
    }

    fn dashboard_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Command> {
        // While a search is active, n/N move between matches and Esc clears it.
        if self.views.search.is_some() && !key.modifiers.contains(KeyModifiers::CONTROL) {
            match key.code {
                KeyCode::Char('n') => {
                    self.search_step(true);
                    return Vec::new();
                }
                KeyCode::Char('N') => {
                    self.search_step(false);
                    return Vec::new();
                }
                KeyCode::Esc => {
                    self.views.search = None;
                    return Vec::new();
                }
                _ => {}
            }
        }
        let Some(action) = self.keymap.resolve(&key) else {
            return Vec::new();
        };
        self.message = None;
        match action {
            Action::NewAlert => {
                self.overlay = Overlay::Editor(new_editor(EditorPurpose::NewAlert, ""));
                Vec::new()
            }
            Action::Approve | Action::ApprovePrefix => {
                let Ok((session_id, call)) = self.decision_target(now) else {
                    return Vec::new();
                };
                if !self.command_visible() {
                    self.notify(
                        NoteKind::Info,
                        "the command did not fit on screen: read it here, then decide",
                    );
                    self.overlay = Overlay::CallView(CallViewState {
                        session_id,
                        call_id: call.call_id,
                        scroll: 0,
                    });
                    return Vec::new();
                }
                self.approve(session_id, call, action == Action::ApprovePrefix)
            }
            Action::Edit => match self.decision_target(now) {
                Ok((session_id, call)) => self.edit(session_id, call),
                Err(_) => Vec::new(),
            },
            Action::Reject => {
                if let Ok((session_id, call)) = self.decision_target(now) {
                    self.reject(session_id, call);
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
            Action::StartInvestigation => {
                self.start_investigation();
                Vec::new()
            }
            Action::Claim => {
                self.team_claim();
                Vec::new()
            }
            Action::Release => {
                self.team_release();
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
            Action::Cancel => self.cancel_running(),
            Action::Interrupt => self.interrupt_model(),
            Action::Retry => self.retry_turn(),
            Action::Export => self.export_selected(),
            Action::Details => {
                self.open_details();
                Vec::new()
            }
            Action::ModelInput => self.ask_model_input(),
            Action::Search => {
                self.overlay = Overlay::Prompt(PromptState {
                    purpose: PromptPurpose::Search,
                    input: String::new(),
                });
                Vec::new()
            }
            Action::Yank => self.yank(),
            Action::Pager => self.open_pager(),
            Action::NextPending => {
                self.next_pending();
                Vec::new()
            }
            Action::Filter => {
                self.ask_filter();
                Vec::new()
            }
            Action::Resolve => {
                self.ask_resolve();
                Vec::new()
            }
            Action::Help => {
                self.overlay = Overlay::Help(0);
                Vec::new()
            }
            Action::Rules => self.open_rules_view(),
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

    pub(super) fn mark_decided(&mut self, call_id: &str) {
        if let Some(incident) = self.current_mut() {
            incident.decided.insert(call_id.to_string());
        }
    }

    /// Approve `call` (remembering its prefix with `remember`), as the core offered it: a call
    /// that needs `yes` opens the typed confirmation; an edit waiting for `yes` is sent again.
    fn approve(&mut self, session_id: String, call: PanelCall, remember: bool) -> Vec<Command> {
        if remember {
            let Some(prefix) = &call.prefix else {
                self.notify(
                    NoteKind::Warning,
                    format!(
                        "{}: no prefix for this command; {} approves it once",
                        self.keymap.label(Action::ApprovePrefix),
                        self.keymap.label(Action::Approve)
                    ),
                );
                return Vec::new();
            };
            return self.open_scope_prompt(session_id, call.call_id, prefix.clone(), call.scopes);
        }
        if call.needs_confirm {
            let purpose = match call.edit {
                Some(replacement) => PromptPurpose::ConfirmEdit {
                    session_id,
                    call_id: call.call_id,
                    replacement,
                    command: call.command,
                },
                None => PromptPurpose::ConfirmApprove {
                    session_id,
                    call_id: call.call_id,
                },
            };
            self.overlay = Overlay::Prompt(PromptState {
                purpose,
                input: String::new(),
            });
            return Vec::new();
        }
        self.mark_decided(&call.call_id);
        let decision = match call.edit {
            Some(replacement) => Decision::Edit {
                replacement,
                confirm: None,
            },
            None => Decision::Approve { confirm: None },
        };
        decide(&session_id, &call.call_id, decision)
    }

    fn reject(&mut self, session_id: String, call: PanelCall) {
        self.overlay = Overlay::Prompt(PromptState {
            purpose: PromptPurpose::Reject {
                session_id,
                call_id: call.call_id,
            },
            input: String::new(),
        });
    }

    fn edit(&mut self, session_id: String, call: PanelCall) -> Vec<Command> {
        let Some((proposal, _, _)) = self.current().and_then(|i| i.pending()) else {
            return Vec::new();
        };
        let text = match (&call.edit, proposal.shell) {
            (Some(edit), _) => edit.clone(),
            (None, true) => proposal.command.clone(),
            (None, false) => serde_json::from_str::<serde_json::Value>(&proposal.arguments)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| proposal.arguments.clone()),
        };
        let purpose = EditorPurpose::EditCall {
            session_id,
            proposal: Box::new(proposal.clone()),
        };
        self.overlay = Overlay::Editor(new_editor(purpose, &text));
        Vec::new()
    }

    /// Keys in the full-screen call view: decisions act on exactly the call it shows.
    fn call_view_key(
        &mut self,
        mut view: CallViewState,
        key: KeyEvent,
        now: Instant,
    ) -> Vec<Command> {
        let action = self.keymap.resolve(&key);
        match action {
            Some(Action::Down) => view.scroll += 1,
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::PageDown) => view.scroll += 10,
            Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(10),
            Some(
                action @ (Action::Approve | Action::ApprovePrefix | Action::Edit | Action::Reject),
            ) => {
                let Ok((session_id, call)) = self.decision_target(now) else {
                    return Vec::new();
                };
                if session_id != view.session_id || call.call_id != view.call_id {
                    return Vec::new();
                }
                return match action {
                    Action::Edit => self.edit(session_id, call),
                    Action::Reject => {
                        self.reject(session_id, call);
                        Vec::new()
                    }
                    _ => self.approve(session_id, call, action == Action::ApprovePrefix),
                };
            }
            _ => return Vec::new(),
        }
        self.overlay = Overlay::CallView(view);
        Vec::new()
    }

    fn move_incident(&mut self, down: bool) {
        if self.incidents.is_empty() {
            return;
        }
        self.move_listed(down);
    }

    fn move_call(&mut self, down: bool) {
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

    fn scroll(&mut self, action: Action) {
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
