//! Decision keys: approve (once, or a prefix through the scope prompt), edit, reject, and the
//! full-screen call view where they act on exactly the call it shows.

use std::time::Instant;

use crossterm::event::KeyEvent;

use crate::protocol::{Decision, Op};

use super::app::{App, Command, EditorPurpose, Overlay, PanelCall, PromptPurpose, PromptState};
use super::forms::new_editor;
use super::keymap::Action;
use super::overlay::CallViewState;
use super::transcript_store::NoteKind;

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
    pub(super) fn mark_decided(&mut self, call_id: &str) {
        if let Some(incident) = self.current_mut() {
            incident.decided.insert(call_id.to_string());
        }
    }

    /// Approve `call` (remembering its prefix with `remember`), as the core offered it: a call
    /// that needs `yes` opens the typed confirmation; an edit waiting for `yes` is sent again.
    pub(super) fn approve(
        &mut self,
        session_id: String,
        call: PanelCall,
        remember: bool,
    ) -> Vec<Command> {
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
            let prefix = prefix.clone();
            return self.open_scope_prompt(
                session_id,
                call.call_id,
                prefix,
                call.scopes,
                call.scope_examples,
            );
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

    pub(super) fn reject(&mut self, session_id: String, call: PanelCall) {
        self.overlay = Overlay::Prompt(PromptState {
            purpose: PromptPurpose::Reject {
                session_id,
                call_id: call.call_id,
            },
            input: String::new(),
        });
    }

    pub(super) fn edit(&mut self, session_id: String, call: PanelCall) -> Vec<Command> {
        let Some((proposal, _, _)) = self.current().and_then(|i| i.pending()) else {
            return Vec::new();
        };
        let draft = self
            .current()
            .and_then(|i| i.edit_drafts.get(&call.call_id).cloned());
        let text = match (&call.edit, proposal.shell) {
            (Some(edit), _) => edit.clone(),
            // The core did not take the last edit: reopen it, not the model's arguments.
            (None, _) if draft.is_some() => draft.unwrap_or_default(),
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

    /// Keys in the full-screen call view: decisions act on exactly the call it shows, once its
    /// last row has been on screen; in the review of an edit, `a` runs the edit.
    pub(super) fn call_view_key(
        &mut self,
        mut view: CallViewState,
        key: KeyEvent,
        now: Instant,
    ) -> Vec<Command> {
        let action = self.keymap.resolve(&key);
        match action {
            Some(Action::Down) => view.scroll += 1,
            Some(Action::Up) => view.scroll = view.scroll.saturating_sub(1),
            Some(Action::PageDown) => view.scroll += view.room.max(1),
            Some(Action::PageUp) => view.scroll = view.scroll.saturating_sub(view.room.max(1)),
            Some(Action::Interrupt) if view.edit.is_some() => {
                return self.reopen_edit(view);
            }
            Some(
                action @ (Action::Approve | Action::ApprovePrefix | Action::Edit | Action::Reject),
            ) => {
                let Ok((session_id, call)) = self.decision_target(now) else {
                    // Too soon (or not this call): the view stays.
                    self.overlay = Overlay::CallView(view);
                    return Vec::new();
                };
                if session_id != view.session_id || call.call_id != view.call_id {
                    return Vec::new();
                }
                if !self.command_whole() && action != Action::Reject {
                    self.notify(
                        NoteKind::Warning,
                        format!(
                            "read to the end first ({} scrolls): decision keys work once the last line was on screen",
                            self.keymap.label(Action::PageDown)
                        ),
                    );
                    // On to the first row not read yet.
                    view.scroll = view.seen_to;
                    self.overlay = Overlay::CallView(view);
                    return Vec::new();
                }
                if let Some(replacement) = view.edit.clone() {
                    return match action {
                        Action::Approve => {
                            self.mark_decided(&call.call_id);
                            decide(
                                &session_id,
                                &call.call_id,
                                Decision::Edit {
                                    replacement,
                                    confirm: None,
                                },
                            )
                        }
                        Action::Edit => self.reopen_edit(view),
                        Action::Reject => {
                            self.reject(session_id, call);
                            Vec::new()
                        }
                        _ => {
                            self.overlay = Overlay::CallView(view);
                            Vec::new()
                        }
                    };
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

    /// Back from the review of an edit to the editor, with the edit.
    fn reopen_edit(&mut self, view: CallViewState) -> Vec<Command> {
        let Some((proposal, _, _)) = self
            .current()
            .filter(|i| i.session_id == view.session_id)
            .and_then(|i| i.pending())
            .filter(|(p, _, _)| p.call_id == view.call_id)
        else {
            self.notify(NoteKind::Info, "this call is no longer waiting");
            return Vec::new();
        };
        let purpose = EditorPurpose::EditCall {
            session_id: view.session_id.clone(),
            proposal: Box::new(proposal.clone()),
        };
        self.overlay = Overlay::Editor(new_editor(purpose, view.edit.as_deref().unwrap_or("")));
        Vec::new()
    }
}

/// Whether `input` is the core's confirmation word (`yes`, any case, spaces around).
pub(super) fn is_confirmation(input: &str) -> bool {
    input
        .trim()
        .eq_ignore_ascii_case(crate::session::gate::CONFIRM_WORD)
}

impl App {
    /// Keep the text of an edit sent for `call_id`, until the call is decided.
    pub(super) fn keep_edit_draft(&mut self, session_id: &str, call_id: &str, text: &str) {
        if let Some(incident) = self.incident_mut(session_id) {
            incident
                .edit_drafts
                .insert(call_id.to_string(), text.to_string());
        }
    }

    /// The yes prompt got another word: it stays open, emptied, and the status line says
    /// what to type.
    pub(super) fn confirmation_not_typed(&mut self, purpose: PromptPurpose) {
        self.notify(
            NoteKind::Warning,
            format!(
                "type {} to confirm (a bare y is not enough) · Esc cancels",
                crate::session::gate::CONFIRM_WORD
            ),
        );
        self.overlay = Overlay::Prompt(PromptState {
            purpose,
            input: String::new(),
        });
    }
}
