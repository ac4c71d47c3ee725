//! Status-line notices about work the core was asked to stop or change ("cancelling the
//! running command…", "interrupting the model…", "stopping the investigation…", "revoking…"):
//! each says which incident and what ends it, and clears itself when that incident's events
//! show the work ended, so no notice outlives what it announced.

use crate::protocol::{Event, SessionState};

use super::app::App;
use super::transcript_store::NoteKind;

/// What ends a progress notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The incident's command stopped running (its `ExecFinished`, or any other state).
    CommandEnded,
    /// The model stopped working (the incident left `investigating`).
    ModelStopped,
    /// The incident was resolved (`Resolved`) or its session finished.
    Resolved,
    /// A remembered prefix was revoked (or the core warned it was not remembered).
    PrefixRevoked,
}

/// The notice on the status line and what ends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressNote {
    pub session_id: String,
    pub text: String,
    pub until: Until,
}

/// What about an event can end a progress notice (taken before the event is applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    ExecFinished,
    ResolvedOrFinished,
    PrefixAnswer,
    Other,
}

impl Seen {
    pub fn of(event: &Event) -> Seen {
        match event {
            Event::ExecFinished { .. } => Seen::ExecFinished,
            Event::Resolved { .. } | Event::Finished { .. } => Seen::ResolvedOrFinished,
            Event::PrefixForgotten { .. } | Event::Warning { .. } => Seen::PrefixAnswer,
            _ => Seen::Other,
        }
    }
}

impl Until {
    /// Whether an event seen as `seen` (with the incident now in `state`) ends the work.
    fn ended_by(self, seen: Seen, state: SessionState) -> bool {
        match self {
            Until::CommandEnded => seen == Seen::ExecFinished || state != SessionState::Running,
            Until::ModelStopped => state != SessionState::Investigating,
            Until::Resolved => seen == Seen::ResolvedOrFinished,
            Until::PrefixRevoked => seen == Seen::PrefixAnswer,
        }
    }
}

impl App {
    /// Show `text` on the status line until `until` happens in incident `session_id`.
    pub(super) fn progress(&mut self, session_id: &str, text: &str, until: Until) {
        self.notify(NoteKind::Info, text);
        self.progress = Some(ProgressNote {
            session_id: session_id.to_string(),
            text: crate::text::neutralize_line(text),
            until,
        });
    }

    /// After an event of `session_id` was applied: clear the progress notice it ends (only
    /// while that notice is still the one on the status line).
    pub(super) fn progress_event(&mut self, session_id: &str, seen: Seen) {
        let Some(note) = &self.progress else {
            return;
        };
        if note.session_id != session_id {
            return;
        }
        let state = self
            .by_id
            .get(session_id)
            .and_then(|i| self.incidents.get(*i))
            .map_or(SessionState::Done, |i| i.state);
        if !note.until.ended_by(seen, state) {
            return;
        }
        if self.message.as_ref().is_some_and(|(_, m)| *m == note.text) {
            self.message = None;
        }
        self.progress = None;
    }
}
