//! Keys and pastes → state changes and [`Command`]s. Pure: the exact decision each key
//! produces is what the key tests assert.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::alert::{ParseOptions, parse};
use crate::policy::{self, Class};
use crate::protocol::{Decision, Op};

use super::app::{
    App, Command, EditorPurpose, EditorState, Focus, LargeText, Overlay, PromptPurpose, PromptState,
};
use super::keymap::Action;
use super::transcript_store::{Entry, NoteKind};

fn new_editor(purpose: EditorPurpose, text: &str) -> Box<EditorState> {
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
    })
}

/// Insert a paste in one go; big pastes switch the editor to the read-only large mode.
fn paste_into(editor: &mut EditorState, text: String) {
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

fn decide(session_id: &str, call_id: &str, decision: Decision) -> Vec<Command> {
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

    fn mark_decided(&mut self, call_id: &str) {
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
        let Some((session_id, call_id)) = self.pending_ids() else {
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
            call_id,
            shell: proposal.shell,
            destructive: proposal.class == Class::Destructive,
        };
        self.overlay = Overlay::Editor(new_editor(purpose, &text));
        Vec::new()
    }

    fn editor_key(&mut self, mut editor: Box<EditorState>, key: KeyEvent) -> Vec<Command> {
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
                call_id,
                shell,
                destructive,
            } => {
                let replacement = text.trim().to_string();
                if replacement.is_empty() {
                    editor.error = Some("the edited call is empty: Esc goes back".into());
                    self.overlay = Overlay::Editor(editor);
                    return Vec::new();
                }
                if !shell && let Err(e) = serde_json::from_str::<serde_json::Value>(&replacement) {
                    editor.error = Some(format!("invalid JSON arguments: {e}"));
                    self.overlay = Overlay::Editor(editor);
                    return Vec::new();
                }
                let edited_destructive =
                    shell && policy::classify(&replacement).class == Class::Destructive;
                if destructive || edited_destructive {
                    self.overlay = Overlay::Prompt(PromptState {
                        purpose: PromptPurpose::ConfirmEdit {
                            session_id,
                            call_id,
                            replacement,
                        },
                        input: String::new(),
                    });
                    return Vec::new();
                }
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

    fn prompt_key(&mut self, mut prompt: PromptState, key: KeyEvent) -> Vec<Command> {
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
        let confirmed = input == "yes";
        let not_confirmed = "not run: a destructive command needs the typed word yes";
        match prompt.purpose {
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
            PromptPurpose::ConfirmApprove {
                session_id,
                call_id,
            } => {
                if !confirmed {
                    self.notify(NoteKind::Warning, not_confirmed);
                    return Vec::new();
                }
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
            } => {
                if !confirmed {
                    self.notify(NoteKind::Warning, not_confirmed);
                    return Vec::new();
                }
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
