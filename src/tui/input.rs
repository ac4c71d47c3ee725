//! Keys and pastes → state changes and [`Command`]s. Pure: the exact decision each key
//! produces is what the key tests assert. Every key handler returns the commands it needs
//! (the event loop runs them); dashboard actions dispatch in one shape in [`App::act`].

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::app::{App, Command, EditorPurpose, Focus, Overlay, PromptPurpose, PromptState};
use super::forms::{new_editor, paste_into};
use super::keymap::Action;
use super::transcript_store::NoteKind;

pub(super) use super::decision_keys::decide;

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
        let commands = match std::mem::take(&mut self.overlay) {
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
        };
        self.team_filter(commands)
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
        self.act(action, now)
    }

    /// Run `action` (its key was pressed at `now` on the dashboard) and return the commands
    /// it needs.
    pub(super) fn act(&mut self, action: Action, now: Instant) -> Vec<Command> {
        if self.team_refuses(action) {
            return Vec::new();
        }
        match action {
            Action::NewAlert => self.only(|app| {
                app.overlay = Overlay::Editor(new_editor(EditorPurpose::NewAlert, ""));
            }),
            Action::Approve | Action::ApprovePrefix => {
                self.approve_key(now, action == Action::ApprovePrefix)
            }
            Action::Edit => self.edit_key(now),
            Action::Reject => self.only(|app| app.reject_key(now)),
            Action::Message => self.only(App::ask_message),
            Action::StartInvestigation => self.start_investigation(),
            Action::Claim => self.team_claim(),
            Action::Release => self.team_release(),
            Action::FocusNext => self.only(|app| {
                app.focus = match app.focus {
                    Focus::Incidents => Focus::Transcript,
                    Focus::Transcript => Focus::Incidents,
                };
            }),
            Action::Up | Action::Down => self.only(|app| {
                let down = action == Action::Down;
                match app.focus {
                    Focus::Incidents => app.move_incident(down),
                    Focus::Transcript => app.move_call(down),
                }
            }),
            Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.only(|app| app.scroll(action))
            }
            Action::Expand => self.toggle_output(),
            Action::Cancel => self.cancel_running(),
            Action::Interrupt => self.interrupt_model(),
            Action::Retry => self.retry_turn(),
            Action::Export => self.export_selected(),
            Action::Details => self.only(App::open_details),
            Action::ModelInput => self.ask_model_input(),
            Action::Search => self.only(|app| {
                app.overlay = Overlay::Prompt(PromptState {
                    purpose: PromptPurpose::Search,
                    input: String::new(),
                });
            }),
            Action::Yank => self.yank(),
            Action::Pager => self.open_pager(),
            Action::NextPending => self.only(App::next_pending),
            Action::Filter => self.only(App::ask_filter),
            Action::Resolve => self.only(App::ask_resolve),
            Action::Help => self.only(|app| app.overlay = Overlay::Help(0)),
            Action::Rules => self.open_rules_view(),
            Action::Quit => self.quit_key(),
        }
    }
}
