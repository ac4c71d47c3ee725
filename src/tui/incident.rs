//! One incident in the console's list: its state, its transcript and its queue of calls, and
//! the small edits every event makes to them. How events change it is in
//! `incident_events.rs`, how output reads change it in `incident_output.rs`; effects on the
//! whole dashboard come back as [`Global`] values for the app to apply.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::alert::Alert;
use crate::protocol::{EventEnvelope, Proposal, SessionState};
use crate::session::SessionSummary;
use crate::text::neutralize_line;

use super::transcript_store::{CallEntry, Entry, NoteKind, TranscriptStore};

/// Effects of an event on the whole dashboard rather than one incident.
#[derive(Debug, Clone, PartialEq)]
pub enum Global {
    Tokens(u64),
    Redactions(usize),
    Connection(bool, String),
    /// Tail this running call's output file.
    Watch {
        call_id: String,
        path: String,
    },
    /// Stop tailing one call of this session, or all of them.
    Unwatch {
        call_id: Option<String>,
    },
    /// Build the line index of this call's output file now (an interrupted call's size).
    Index {
        call_id: String,
        path: String,
    },
    /// The core wants the typed `yes` for an edit of this call: ask for it.
    ConfirmEdit {
        call_id: String,
    },
    /// A call of this incident now waits for the operator (the bell may ring).
    ApprovalArrived,
}

/// Whether an incident's transcript is in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    /// Built from the events of this run (or a recovered log): complete.
    Live,
    /// A past incident whose log has not been read yet.
    NotLoaded,
    /// Its log is being read; events arriving meanwhile wait here.
    Loading(Vec<EventEnvelope>),
    /// Read from its log and unchanged since: dropped again when another past incident is
    /// read, so browsing thousands of them keeps one transcript in memory.
    Loaded,
}

/// Calls of one incident, for the incident list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub total: usize,
    pub auto: usize,
    pub refused: usize,
}

/// One incident in the list, with its transcript.
#[derive(Debug)]
pub struct Incident {
    pub session_id: String,
    pub source: String,
    pub severity: Option<String>,
    pub host: Option<String>,
    pub title: String,
    pub state: SessionState,
    pub transcript: TranscriptStore,
    /// Pending calls, oldest first (FIFO).
    pub queue: VecDeque<Proposal>,
    /// Calls the operator already decided, waiting for the core's `Decided`.
    pub decided: HashSet<String>,
    /// Calls of the current batch already decided and gone from the queue (the panel counts
    /// "call 2 of 2" from it); 0 once the queue is empty.
    pub batch_done: usize,
    /// Top line of the transcript view; None follows the end.
    pub scroll: Option<usize>,
    /// Transcript entry of the selected tool call.
    pub selected_call: Option<usize>,
    pub redactions: usize,
    pub tokens: u64,
    /// The core's last re-ask of each pending call (what an approval would now run and need).
    pub reasks: HashMap<String, crate::protocol::Reask>,
    /// Calls the model made (every one, whatever the gate did), and how many of them ran
    /// without asking or were refused by the core.
    pub calls: CallCounts,
    /// Whether the transcript is loaded (past incidents load theirs when selected).
    pub history: History,
    /// A received incident with no session yet (its `session_id` is the incident id).
    pub received: bool,
    /// The alert source's last word on it ("✔ resolved at source at …"), for the list.
    pub source_status: Option<String>,
    /// Since when the model works on it (set when it starts investigating), for the spinner.
    pub working_since: Option<std::time::Instant>,
    /// The alert as the session logged it (for the details view).
    pub alert: Option<Box<Alert>>,
    /// The operator's resolution note: the incident is archived out of the default list.
    pub resolved: Option<String>,
    /// The model finished its turn with a question for the operator (not "done").
    pub asked: bool,
    /// The operator interrupted the model's turn (Esc): stopped, not done.
    pub paused: bool,
    /// The core's verdict on the fix (verified, unverified, resolved by operator), from events.
    pub resolution: crate::session::resolution::Tracker,
    /// Prefixes approved for the rest of this incident and not revoked (target, prefix, the
    /// tool of the call that remembered it), as the core reported them.
    pub remembered: Vec<(crate::protocol::Target, String, String)>,
    /// Past operator corrections the core added to this session's prompt and not forgotten
    /// since ([`crate::protocol::Event::CorrectionsUsed`]).
    pub examples: Vec<crate::protocol::UsedCorrection>,
    /// The last edit the operator sent per pending call: `e` reopens it when the core did not
    /// take it (so a refused edit is not lost).
    pub edit_drafts: HashMap<String, String>,
}

impl Incident {
    /// An incident with no events yet.
    pub fn new(session_id: &str) -> Self {
        Incident {
            session_id: session_id.to_string(),
            source: String::new(),
            severity: None,
            host: None,
            title: String::from("(starting)"),
            state: SessionState::New,
            transcript: TranscriptStore::new(),
            queue: VecDeque::new(),
            batch_done: 0,
            decided: HashSet::new(),
            scroll: None,
            selected_call: None,
            redactions: 0,
            tokens: 0,
            reasks: HashMap::new(),
            calls: CallCounts::default(),
            history: History::Live,
            received: false,
            source_status: None,
            working_since: None,
            alert: None,
            resolved: None,
            asked: false,
            paused: false,
            resolution: Default::default(),
            remembered: Vec::new(),
            examples: Vec::new(),
            edit_drafts: HashMap::new(),
        }
    }

    /// A past incident from its summary; its transcript is read when it is selected.
    pub fn past(summary: &SessionSummary) -> Self {
        let line = crate::text::neutralize_line;
        let mut incident = Incident::new(&summary.id);
        incident.source = line(&summary.source);
        incident.severity = summary.severity.as_deref().map(line);
        incident.host = summary.host.as_deref().map(line);
        incident.title = line(&summary.title);
        incident.state = summary.state;
        incident.resolved = summary.resolved.as_deref().map(line);
        incident.history = History::NotLoaded;
        incident
    }

    /// The call the approval panel shows, with its 1-based queue position and queue length.
    pub fn pending(&self) -> Option<(&Proposal, usize, usize)> {
        let at = self
            .queue
            .iter()
            .position(|p| !self.decided.contains(&p.call_id))?;
        Some((
            &self.queue[at],
            self.batch_done + at + 1,
            self.batch_done + self.queue.len(),
        ))
    }

    /// Calls that wait for the operator (not decided yet).
    pub fn open_calls(&self) -> usize {
        self.queue
            .iter()
            .filter(|p| !self.decided.contains(&p.call_id))
            .count()
    }

    /// Top line of the transcript view for a view `height` lines tall.
    pub fn view_top(&self, height: usize) -> usize {
        let max_top = self.transcript.len_lines().saturating_sub(height);
        self.scroll.map_or(max_top, |s| s.min(max_top))
    }

    /// Change the transcript entry of `call_id`, if it has one.
    pub(super) fn with_call(&mut self, call_id: &str, f: impl FnOnce(&mut CallEntry)) {
        if let Some(i) = self.transcript.find_call(call_id) {
            self.transcript.update(i, |entry| {
                if let Entry::Call(call) = entry {
                    f(call);
                }
            });
        }
    }

    /// The model's streamed text (if the transcript ends with it) is complete.
    pub(super) fn end_streaming(&mut self) {
        if let Some(i) = self.transcript.last_index() {
            self.transcript.update(i, |e| {
                if let Entry::Text { streaming, .. } = e {
                    *streaming = false;
                }
            });
        }
    }

    /// A note line in the transcript (ends any streamed text first).
    pub(super) fn note(&mut self, kind: NoteKind, text: &str) {
        self.end_streaming();
        self.transcript.push(Entry::Note {
            kind,
            text: neutralize_line(text),
        });
    }
}
