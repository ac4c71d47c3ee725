//! Console views that are not the dashboard itself: the scrollable text overlay (alert
//! details, what the model saw), jumping to the next pending approval, the bell for approvals
//! in other incidents, and the console settings they read (`[ui] bell`, `[ui] mouse`).

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Command, Focus, Overlay};
use super::keymap::Action;
use super::search::Search;
use super::transcript_store::NoteKind;

/// How a line of a text view is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Heading,
    Key,
    Plain,
    Dim,
    Warn,
    Link,
}

/// A read-only, scrollable text overlay; every line is already neutralised.
#[derive(Debug, Clone, PartialEq)]
pub struct TextView {
    pub title: String,
    pub lines: Vec<(Tone, String)>,
    /// First line shown.
    pub scroll: usize,
}

impl TextView {
    /// An empty view titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        TextView {
            title: title.into(),
            lines: Vec::new(),
            scroll: 0,
        }
    }

    /// Add one line (neutralised: untrusted text never reaches the terminal raw).
    pub fn push(&mut self, tone: Tone, text: impl AsRef<str>) {
        self.lines
            .push((tone, crate::text::neutralize_line(text.as_ref())));
    }

    /// Add a block of text, one view line per line of it.
    pub fn push_block(&mut self, tone: Tone, indent: &str, text: &str) {
        for line in text.split('\n') {
            self.push(tone, format!("{indent}{}", line.replace('\t', "    ")));
        }
    }
}

/// Console state owned by these views (search, filter, bell, mouse).
#[derive(Debug)]
pub struct ViewState {
    /// The active transcript search (n/N move, Esc clears).
    pub search: Option<Search>,
    /// The incident-list filter (`f`); None shows every incident but archived ones.
    pub filter: Option<super::filter::Filter>,
    /// Ring the terminal bell when an approval arrives in another incident (`[ui] bell`).
    pub bell: bool,
    /// Mouse wheel and clicks (`[ui] mouse`).
    pub mouse: bool,
    /// A bell is due at the next draw.
    pub(super) ring: bool,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            search: None,
            filter: None,
            bell: true,
            mouse: true,
            ring: false,
        }
    }
}

/// True when the model's last text in `incident` ends with a question to the operator (a
/// call or an operator message after it means it was not the last word); the core decides
/// what counts (`session::question`: the last prose paragraph, code blocks aside).
pub fn ends_with_question(incident: &super::app::Incident) -> bool {
    use super::transcript_store::{Entry, Speaker};
    for entry in incident.transcript.entries().iter().rev() {
        match entry {
            Entry::Text {
                speaker: Speaker::Model,
                lines,
                ..
            } => {
                return crate::session::question::ends_with_question(
                    lines.iter().map(String::as_str),
                );
            }
            Entry::Text { .. } | Entry::Call(_) => return false,
            Entry::Alert { .. } | Entry::Note { .. } | Entry::Thinking(_) => {}
        }
    }
    false
}

/// The state label the list shows: "question for you" when the model asked one.
/// A finished incident whose fix the core judged says so: "done · verified", "done ·
/// unverified" or "done · resolved by operator".
pub fn state_label(incident: &super::app::Incident) -> String {
    if incident.asked && incident.state == crate::protocol::SessionState::Done {
        return "question for you".into();
    }
    if incident.paused && incident.state == crate::protocol::SessionState::Done {
        return "interrupted by you".into();
    }
    match (incident.state, incident.resolution.state()) {
        (crate::protocol::SessionState::Done, Some(r)) => {
            format!("{} · {}", incident.state.label(), r.label())
        }
        _ => incident.state.label().into(),
    }
}

impl App {
    /// Keys in a text view: scroll keys move, any other key closes it.
    pub(super) fn text_view_key(&mut self, mut view: Box<TextView>, key: KeyEvent) -> Vec<Command> {
        let last = view.lines.len().saturating_sub(1);
        let page = usize::from(self.transcript_height.max(2)) - 1;
        match (self.keymap.resolve(&key), key.code) {
            (Some(Action::Down), _) => view.scroll = (view.scroll + 1).min(last),
            (Some(Action::Up), _) => view.scroll = view.scroll.saturating_sub(1),
            (Some(Action::PageDown), _) | (_, KeyCode::Char(' ')) => {
                view.scroll = (view.scroll + page).min(last)
            }
            (Some(Action::PageUp), _) => view.scroll = view.scroll.saturating_sub(page),
            (Some(Action::Top), _) => view.scroll = 0,
            (Some(Action::Bottom), _) => view.scroll = last,
            _ => return Vec::new(),
        }
        self.overlay = Overlay::Text(view);
        Vec::new()
    }

    /// `d`: the selected incident's alert, every field of it.
    pub(super) fn open_details(&mut self) {
        let view = match self.current() {
            Some(incident) => match &incident.alert {
                Some(alert) => super::details::view(alert),
                None => {
                    self.notify(
                        NoteKind::Info,
                        "this incident's alert is not loaded yet (or it has no session)",
                    );
                    return;
                }
            },
            None => {
                self.notify(NoteKind::Info, "no incident selected");
                return;
            }
        };
        self.overlay = Overlay::Text(Box::new(view));
    }

    /// `w`: ask the session for its last model request.
    pub(super) fn ask_model_input(&mut self) -> Vec<Command> {
        match self.current() {
            Some(incident) => vec![Command::ModelInput {
                session_id: incident.session_id.clone(),
            }],
            None => {
                self.notify(NoteKind::Info, "no incident selected");
                Vec::new()
            }
        }
    }

    /// The session's answer to `w`.
    pub(super) fn show_model_input(
        &mut self,
        session_id: &str,
        request: Option<std::sync::Arc<crate::session::last_request::SentRequest>>,
    ) {
        if self.current().map(|i| i.session_id.as_str()) != Some(session_id) {
            return;
        }
        let view = super::model_input::view(request.as_deref());
        self.overlay = Overlay::Text(Box::new(view));
    }

    /// `p`: select the next incident (after the selected one, wrapping) with a pending call.
    pub(super) fn next_pending(&mut self) {
        let n = self.incidents.len();
        let found = (1..=n)
            .map(|k| (self.selected + k) % n)
            .find(|i| self.incidents[*i].pending().is_some());
        match found {
            Some(i) => {
                self.selected = i;
                self.focus = Focus::Incidents;
                if let Some(filter) = &self.views.filter
                    && !filter.matches(&self.incidents[i])
                {
                    self.views.filter = None;
                    self.notify(
                        NoteKind::Info,
                        "filter cleared to show the pending approval",
                    );
                }
            }
            None => self.notify(NoteKind::Info, "no approval is pending in any incident"),
        }
    }

    /// A new approval arrived in `session_id`: ring when it is not the incident on screen.
    pub(super) fn approval_arrived(&mut self, session_id: &str) {
        let selected = self.current().map(|i| i.session_id.as_str());
        // Another operator's approval (watched here) is theirs to answer: no bell.
        let theirs = self.team.other(session_id).is_some();
        if self.views.bell && selected != Some(session_id) && !theirs {
            self.views.ring = true;
        }
    }

    /// Whether a bell is due (and clear it): the event loop writes BEL before drawing.
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.views.ring)
    }
}
