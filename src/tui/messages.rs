//! The messages between the dashboard and its event loop: the [`Command`]s the app asks the
//! loop to run and the [`AppEvent`]s the loop's tasks feed back, with the plain data they carry.
//! A leaf: it imports nothing from the rest of `tui`.

use std::sync::Arc;

use crate::alert::Alert;
use crate::protocol::{EventEnvelope, Op};
use crate::session::SessionSummary;

/// Byte offset of the start of every line of one output file (built and read by
/// `output_file.rs`, which holds its methods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    pub(super) starts: Vec<u64>,
    pub(super) file_len: u64,
}

/// The end of an output file as the transcript shows it (read by `live_output.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// File size when read.
    pub bytes: u64,
    /// The last complete or partial lines (at most `live_output::LIVE_LINES`), neutralised.
    pub lines: Vec<String>,
}

/// Work the event loop performs for the app (the app itself does no IO).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a new incident session for this alert.
    StartSession { alert: Box<Alert> },
    /// Send an op to a running session.
    Send { session_id: String, op: Op },
    /// Build the line index of a call's output file.
    IndexOutput {
        session_id: String,
        call_id: String,
        path: String,
    },
    /// Read the whole log of a past incident (its transcript is loaded when first selected).
    LoadHistory { session_id: String },
    /// Read a window of lines of an indexed output file.
    ReadOutput {
        session_id: String,
        call_id: String,
        path: String,
        index: Arc<LineIndex>,
        start: usize,
        count: usize,
    },
    /// Tail a running call's output file for live lines.
    WatchOutput {
        session_id: String,
        call_id: String,
        path: String,
    },
    /// Stop tailing one call of a session, or all of them (`call_id` None).
    StopWatching {
        session_id: String,
        call_id: Option<String>,
    },
    /// Ask the core for the approval rules in force (the rules view).
    LoadRules,
    /// Ask the core to revoke the personal rule `name`.
    RevokeRule { name: String },
    /// Write the Markdown export of a session and report its path (a notice).
    Export { session_id: String },
    /// Ask a session for the last request it sent to the model (`w`).
    ModelInput { session_id: String },
    /// Search an output file for `needle` (lower-case) in a task (`/`).
    SearchOutput {
        session_id: String,
        call_id: String,
        path: String,
        needle: String,
    },
    /// Put `text` on the clipboard with OSC 52 (`y`).
    Yank { text: String },
    /// Put the start of an output file on the clipboard with OSC 52 (`y`).
    YankFile { path: String },
    /// Suspend the console and page an output file in `$PAGER` (`o`).
    Pager { path: String },
    /// A request for the desk: claim and start an inbox incident (the start key), or a team
    /// request (`team_keys`).
    Desk(crate::protocol::DeskOp),
    /// Leave the dashboard (sessions stay on disk and resume next time).
    Quit,
}

/// Results of the loop's background tasks, fed back into the app.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// Provider reachability: Ok, or the reason it is unreachable.
    Probe(Result<(), String>),
    OutputIndexed {
        session_id: String,
        call_id: String,
        result: Result<Arc<LineIndex>, String>,
    },
    OutputWindow {
        session_id: String,
        call_id: String,
        start: usize,
        result: Result<Vec<String>, String>,
    },
    /// Incidents recorded by earlier runs (`session::list`), newest first.
    PastSessions(Result<Vec<SessionSummary>, String>),
    /// The log of a past incident, read on demand.
    History {
        session_id: String,
        result: Result<Vec<EventEnvelope>, String>,
    },
    /// Opening or reopening a session failed (the message says which).
    SessionStartFailed(String),
    /// A message for the status line.
    Notice(String),
    /// The end of a running call's output file, read by its poller.
    LiveOutput {
        session_id: String,
        call_id: String,
        tail: Tail,
    },
    /// Received incidents that wait for the operator, as the inbox has them now.
    Waiting(Vec<Waiting>),
    /// The approval rules in force, as the core lists them (or why it could not).
    Rules(Result<Vec<crate::protocol::RuleInfo>, String>),
    /// A session's last model request (None: it sent none in this process).
    ModelInput {
        session_id: String,
        request: Option<Arc<crate::session::last_request::SentRequest>>,
    },
    /// Lines of one output file that match a search.
    SearchHits {
        session_id: String,
        call_id: String,
        needle: String,
        result: Result<Vec<usize>, String>,
    },
    /// Team mode: the sessions other operators are on now (watched read-only).
    Team(TeamUpdate),
    /// The desk forgot a past correction (`removed` records; 0: no such id).
    CorrectionForgotten { id: String, removed: usize },
}

/// One received incident that waits for the operator, as the console lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// Incident id (`inc-…`): the row's id until a session takes it up.
    pub id: String,
    pub source: String,
    pub severity: Option<String>,
    pub host: Option<String>,
    pub title: String,
    /// The alert itself, so `d` shows its details before anyone starts the investigation.
    pub alert: Box<crate::alert::Alert>,
}

pub use crate::protocol::{Other, Others, TeamUpdate};
