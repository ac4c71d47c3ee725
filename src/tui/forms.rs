//! The editor and prompt flows: submitting a pasted alert, an edited call, a reject reason, a
//! follow-up message, and the typed `yes` for destructive commands.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::alert::{ParseOptions, parse};
use crate::protocol::{Decision, Op};

use super::app::{
    App, Command, EditorPurpose, EditorState, LargeText, Overlay, PromptPurpose, PromptState,
};
use super::input::decide;
use super::transcript_store::NoteKind;

pub(super) fn new_editor(purpose: EditorPurpose, text: &str) -> Box<EditorState> {
    let lines = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_string).collect()
    };
    let mut textarea = TextArea::new(lines);
    if purpose == EditorPurpose::NewAlert {
        textarea.set_placeholder_text(
            "Paste an alert (Alertmanager, Grafana, PagerDuty, Opsgenie, Datadog, Zabbix JSON) or type one",
        );
    }
    textarea.move_cursor(ratatui_textarea::CursorMove::Bottom);
    textarea.move_cursor(ratatui_textarea::CursorMove::End);
    Box::new(EditorState {
        purpose,
        textarea,
        large: None,
        error: None,
        frame: None,
    })
}

/// Insert a paste in one go; big pastes switch the editor to the read-only large mode.
pub(super) fn paste_into(editor: &mut EditorState, text: String) {
    if let Some(large) = &mut editor.large {
        let mut all = std::mem::take(&mut large.text);
        all.push_str(&text);
        *large = LargeText::new(all);
    } else if LargeText::needed(&text) {
        let mut all = editor.textarea.lines().join("\n");
        all.push_str(&text);
        editor.large = Some(LargeText::new(all));
    } else {
        editor.textarea.insert_str(&text);
    }
}

impl App {
    pub(super) fn editor_key(
        &mut self,
        mut editor: Box<EditorState>,
        key: KeyEvent,
    ) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.notify(NoteKind::Info, "editor closed, nothing sent");
                Vec::new()
            }
            KeyCode::Char('s') if ctrl => self.submit_editor(editor),
            _ if editor.large.is_some() => {
                editor.error =
                    Some("a large paste is read-only here: Ctrl+S submits it, Esc cancels".into());
                self.overlay = Overlay::Editor(editor);
                Vec::new()
            }
            _ => {
                editor.textarea.input(key);
                self.overlay = Overlay::Editor(editor);
                Vec::new()
            }
        }
    }

    fn submit_editor(&mut self, mut editor: Box<EditorState>) -> Vec<Command> {
        let text = match &editor.large {
            Some(large) => large.text.clone(),
            None => editor.textarea.lines().join("\n"),
        };
        match editor.purpose.clone() {
            EditorPurpose::NewAlert => {
                if text.trim().is_empty() {
                    editor.error = Some("nothing to submit: paste or type an alert".into());
                    self.overlay = Overlay::Editor(editor);
                    return Vec::new();
                }
                let opts = ParseOptions {
                    max_bytes: self.max_alert_bytes,
                    ..ParseOptions::default()
                };
                match parse(text.as_bytes(), &opts) {
                    Ok(alerts) if !alerts.is_empty() => {
                        self.follow_new = true;
                        self.notify(
                            NoteKind::Info,
                            format!("opening {} incident(s)", alerts.len()),
                        );
                        alerts
                            .into_iter()
                            .map(|alert| Command::StartSession {
                                alert: Box::new(alert),
                            })
                            .collect()
                    }
                    Ok(_) => {
                        editor.error = Some("the payload holds no alerts".into());
                        self.overlay = Overlay::Editor(editor);
                        Vec::new()
                    }
                    Err(e) => {
                        editor.error = Some(crate::text::neutralize_line(&e.to_string()));
                        self.overlay = Overlay::Editor(editor);
                        Vec::new()
                    }
                }
            }
            EditorPurpose::EditCall {
                session_id,
                proposal,
            } => {
                let call_id = proposal.call_id.clone();
                let replacement = text.trim().to_string();
                if replacement.is_empty() {
                    editor.error = Some("the edited call is empty: Esc goes back".into());
                    self.overlay = Overlay::Editor(editor);
                    return Vec::new();
                }
                if !proposal.shell
                    && let Err(e) = serde_json::from_str::<serde_json::Value>(&replacement)
                {
                    editor.error = Some(format!("invalid JSON arguments: {e}"));
                    self.overlay = Overlay::Editor(editor);
                    return Vec::new();
                }
                // An edit the editor could not show whole (cut sideways or below) is shown in
                // full first; it runs from there.
                if editor
                    .frame
                    .is_some_and(|full| !super::widgets::editor_shows_all(&text, full))
                {
                    self.notify(
                        NoteKind::Info,
                        "your edit did not fit in the editor: read it to the end here, then run it",
                    );
                    self.overlay = Overlay::CallView(super::overlay::CallViewState {
                        session_id,
                        call_id,
                        edit: Some(replacement),
                        ..Default::default()
                    });
                    return Vec::new();
                }
                // The core rules on the edit: one that needs `yes` comes back as a re-ask with
                // the edited command and its class, and the panel asks for the word.
                self.keep_edit_draft(&session_id, &call_id, &text);
                self.mark_decided(&call_id);
                decide(
                    &session_id,
                    &call_id,
                    Decision::Edit {
                        replacement,
                        confirm: None,
                    },
                )
            }
        }
    }

    pub(super) fn prompt_key(&mut self, mut prompt: PromptState, key: KeyEvent) -> Vec<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.notify(NoteKind::Info, "cancelled, nothing sent");
                return Vec::new();
            }
            KeyCode::Enter => return self.submit_prompt(prompt),
            KeyCode::Backspace => {
                prompt.input.pop();
            }
            KeyCode::Char('u') if ctrl => prompt.input.clear(),
            KeyCode::Char(c) if !ctrl => prompt.input.push(c),
            _ => {}
        }
        self.overlay = Overlay::Prompt(prompt);
        Vec::new()
    }

    fn submit_prompt(&mut self, prompt: PromptState) -> Vec<Command> {
        let input = prompt.input.trim().to_string();
        match prompt.purpose {
            PromptPurpose::Search => self.start_search(&input),
            PromptPurpose::Filter => {
                self.set_filter(&input);
                Vec::new()
            }
            PromptPurpose::Resolve { session_id, stop } => self.resolve(session_id, stop, &input),
            PromptPurpose::Reject {
                session_id,
                call_id,
            } => {
                let reason = if input.is_empty() {
                    "rejected by the operator (no reason given)".to_string()
                } else {
                    input
                };
                self.mark_decided(&call_id);
                decide(&session_id, &call_id, Decision::Reject { reason })
            }
            PromptPurpose::Message { session_id } => {
                if input.is_empty() {
                    self.notify(NoteKind::Info, "empty message, nothing sent");
                    return Vec::new();
                }
                vec![Command::Send {
                    session_id,
                    op: Op::UserMessage { text: input },
                }]
            }
            // The typed word goes to the core, which rules on it (and asks again if it is not
            // the confirmation word); an empty answer sends nothing.
            PromptPurpose::ConfirmApprove { .. } | PromptPurpose::ConfirmEdit { .. }
                if input.is_empty() =>
            {
                self.notify(NoteKind::Info, "cancelled, nothing sent");
                Vec::new()
            }
            // Not the core's confirmation word (a bare `y`): say so and keep asking; nothing
            // is sent, so the core logs no second, identical re-ask.
            PromptPurpose::ConfirmApprove { .. } | PromptPurpose::ConfirmEdit { .. }
                if !super::decision_keys::is_confirmation(&input) =>
            {
                self.confirmation_not_typed(prompt.purpose);
                Vec::new()
            }
            PromptPurpose::ConfirmApprove {
                session_id,
                call_id,
            } => {
                self.mark_decided(&call_id);
                decide(
                    &session_id,
                    &call_id,
                    Decision::Approve {
                        confirm: Some(input),
                    },
                )
            }
            PromptPurpose::ConfirmEdit {
                session_id,
                call_id,
                replacement,
                ..
            } => {
                self.mark_decided(&call_id);
                decide(
                    &session_id,
                    &call_id,
                    Decision::Edit {
                        replacement,
                        confirm: Some(input),
                    },
                )
            }
        }
    }
}
