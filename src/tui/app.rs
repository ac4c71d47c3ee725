//! Dashboard state, pure: incidents built from protocol events, focus, overlays, and the
//! commands the event loop must run. No IO, no channels; keys are handled in `input.rs`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::protocol::{EventEnvelope, SessionState};

use super::keymap::Keymap;
use super::live_output::MAX_TAILS;
pub use super::messages::{AppEvent, Command};
pub use super::overlay::{
    EditorPurpose, EditorState, LARGE_LINE, LARGE_PASTE, LargeText, Overlay, PromptPurpose,
    PromptState,
};
pub use super::pending::{PanelCall, Reask, Seen};
use super::transcript_store::NoteKind;

/// The model server in use, for the status bar and the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub name: String,
    pub model: String,
    pub base_url: String,
}

/// Whether the model server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmState {
    Probing,
    Reachable,
    Unreachable(String),
    /// Model requests failed during a session (cleared by the next success).
    Disconnected(String),
}

/// Which pane j/k act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Incidents,
    Transcript,
}

use super::incident::Global;
pub use super::incident::{CallCounts, History, Incident};

/// The whole dashboard state.
#[derive(Debug)]
pub struct App {
    pub keymap: Keymap,
    pub provider: ProviderInfo,
    pub llm: LlmState,
    pub incidents: Vec<Incident>,
    pub(super) by_id: HashMap<String, usize>,
    pub selected: usize,
    pub focus: Focus,
    pub overlay: Overlay,
    pub tokens: u64,
    pub redactions: usize,
    /// Status-line message (last notice, error or hint).
    pub message: Option<(NoteKind, String)>,
    /// A status-line notice about work being stopped, cleared when the work ended.
    pub(super) progress: Option<super::progress_note::ProgressNote>,
    /// The message on screen and when it was first drawn (it clears after a while).
    pub(super) message_shown: Option<(String, std::time::Instant)>,
    /// Rows of transcript text in the last frame drawn (for paging and output windows): set
    /// by [`App::drawn`] from the terminal size the event loop passes; render only reads it.
    pub transcript_height: u16,
    /// Select the next incident that starts (the operator just opened it).
    pub(super) follow_new: bool,
    /// Largest alert payload accepted by the editor.
    pub max_alert_bytes: usize,
    /// The sessions' safety mode, shown in the status bar.
    pub mode: crate::protocol::Mode,
    /// Whether read-only commands run without asking, shown in the status bar.
    pub auto_read_only: bool,
    /// The console's Docker watcher restarts failed containers itself (`tui --watch docker`
    /// with `[watch.docker] auto_restart`): the status bar says so.
    pub auto_restart: bool,
    /// A newly shown call accepts no decision key for this long (`[tui] approval_guard_ms`).
    pub guard: Duration,
    /// The call decision keys act on, as of the last draw (None: nothing was drawn for one).
    pub seen: Option<Seen>,
    /// The time the next frame is drawn for (set by the event loop; the guard hint uses it).
    pub now: std::time::Instant,
    /// The wall-clock time of the same frame (a running command's elapsed time uses it).
    pub wall: chrono::DateTime<chrono::Utc>,
    /// Incidents per state, in [`STATE_ORDER`].
    pub(super) counts: [usize; 7],
    /// Incidents of this run (and recovered ones) come first; past ones follow from here.
    pub(super) live_len: usize,
    /// A past incident's log is being read (one read at a time, however fast keys move).
    pub(super) history_in_flight: bool,
    /// The past incident whose transcript is held in memory as [`History::Loaded`].
    pub(super) loaded_past: Option<String>,
    /// Running calls whose output file is tailed: (session id, call id).
    pub(super) watched: HashSet<(String, String)>,
    /// Watch/stop commands waiting for the event loop.
    pub(super) watch_commands: Vec<Command>,
    /// Received incidents the operator asked to start (incident ids) that still wait: a
    /// second press asks nothing more.
    pub intake_starts: Vec<String>,
    /// Search, filter, bell and mouse state (`views.rs`).
    pub views: super::views::ViewState,
    /// Team mode: the incidents other operators are on (`team_board.rs`).
    pub team: super::team_board::TeamBoard,
    /// Keys held while they may start a paste burst (`paste_burst.rs`).
    pub(super) burst: super::paste_burst::PasteBurst,
}

/// The order states are counted and listed in.
const STATE_ORDER: [SessionState; 7] = [
    SessionState::AwaitingApproval,
    SessionState::Running,
    SessionState::Investigating,
    SessionState::New,
    SessionState::Done,
    SessionState::Failed,
    SessionState::Interrupted,
];

pub(super) fn state_slot(state: SessionState) -> usize {
    STATE_ORDER.iter().position(|s| *s == state).unwrap_or(0)
}

impl App {
    /// An empty dashboard.
    pub fn new(keymap: Keymap, provider: ProviderInfo) -> Self {
        App {
            keymap,
            provider,
            llm: LlmState::Probing,
            incidents: Vec::new(),
            by_id: HashMap::new(),
            selected: 0,
            focus: Focus::Incidents,
            overlay: Overlay::None,
            tokens: 0,
            redactions: 0,
            message: None,
            progress: None,
            message_shown: None,
            transcript_height: 20,
            follow_new: false,
            max_alert_bytes: crate::alert::DEFAULT_MAX_BYTES,
            mode: crate::protocol::Mode::Heal,
            auto_read_only: false,
            auto_restart: false,
            guard: Duration::from_millis(400),
            seen: None,
            now: std::time::Instant::now(),
            wall: chrono::Utc::now(),
            counts: [0; 7],
            live_len: 0,
            history_in_flight: false,
            loaded_past: None,
            watched: HashSet::new(),
            watch_commands: Vec::new(),
            intake_starts: Vec::new(),
            views: super::views::ViewState::default(),
            team: Default::default(),
            burst: Default::default(),
        }
    }

    /// Select the next incident that starts (it was opened by the operator).
    pub fn follow_new_incident(&mut self) {
        self.follow_new = true;
    }

    /// The incident shown on the right, if any.
    pub fn current(&self) -> Option<&Incident> {
        self.incidents.get(self.selected)
    }

    pub(super) fn current_mut(&mut self) -> Option<&mut Incident> {
        self.incidents.get_mut(self.selected)
    }

    pub(super) fn incident_mut(&mut self, session_id: &str) -> Option<&mut Incident> {
        let i = *self.by_id.get(session_id)?;
        self.incidents.get_mut(i)
    }

    /// Set the status-line message.
    pub fn notify(&mut self, kind: NoteKind, text: impl Into<String>) {
        self.message = Some((kind, crate::text::neutralize_line(&text.into())));
    }

    /// True while any incident has a pending call or is working (in this console: another
    /// operator's incident watched here is not).
    pub fn busy(&self) -> (usize, usize) {
        let mine = |i: &&Incident| self.team.other(&i.session_id).is_none();
        let pending = self
            .incidents
            .iter()
            .filter(mine)
            .map(Incident::open_calls)
            .sum();
        let running = self
            .incidents
            .iter()
            .filter(mine)
            .filter(|i| {
                matches!(
                    i.state,
                    SessionState::Running | SessionState::Investigating | SessionState::New
                )
            })
            .count();
        (pending, running)
    }

    /// Counts per state, for the incident list title (kept up to date by [`App::apply`]).
    pub fn state_counts(&self) -> Vec<(SessionState, usize)> {
        STATE_ORDER
            .into_iter()
            .zip(self.counts)
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Number of incidents of this run (listed before past ones).
    pub fn live_len(&self) -> usize {
        self.live_len
    }

    /// Apply one protocol event from any session.
    pub fn apply(&mut self, envelope: EventEnvelope) {
        if !self.by_id.contains_key(&envelope.session_id) {
            self.insert_live(&envelope.session_id);
        }
        if let Some(incident) = self.incident_mut(&envelope.session_id) {
            match &mut incident.history {
                History::Live => {}
                History::Loaded => incident.history = History::Live,
                History::NotLoaded => {
                    incident.history = History::Loading(vec![envelope]);
                    return;
                }
                History::Loading(waiting) => {
                    waiting.push(envelope);
                    return;
                }
            }
        }
        self.apply_live(envelope);
    }

    pub(super) fn apply_live(&mut self, envelope: EventEnvelope) {
        let id = envelope.session_id;
        let mut global = Vec::new();
        let mut change = None;
        let seen = super::progress_note::Seen::of(&envelope.event);
        if let Some(incident) = self.incident_mut(&id) {
            incident.transcript.set_clock(envelope.at);
            let before = incident.state;
            global = incident.apply(envelope.event);
            change = Some((before, incident.state));
        }
        self.progress_event(&id, seen);
        if global.contains(&Global::ApprovalArrived) {
            // Rung for the selection the event arrived under, before the list follows it.
            self.approval_arrived(&id);
        }
        self.keep_selection_listed();
        if let Some((before, after)) = change
            && before != after
        {
            self.counts[state_slot(before)] -= 1;
            self.counts[state_slot(after)] += 1;
        }
        for effect in global {
            match effect {
                Global::Tokens(n) => self.tokens += n,
                Global::Redactions(n) => self.redactions += n,
                Global::Connection(ok, detail) => {
                    self.llm = if ok {
                        LlmState::Reachable
                    } else {
                        LlmState::Disconnected(detail)
                    };
                }
                Global::Watch { call_id, path } => {
                    self.watch(&id, call_id, path);
                }
                Global::Unwatch { call_id } => self.unwatch(&id, call_id),
                Global::Index { call_id, path } => {
                    self.watch_commands.push(Command::IndexOutput {
                        session_id: id.clone(),
                        call_id,
                        path,
                    });
                }
                Global::ConfirmEdit { call_id } => {
                    self.ask_confirm_edit(&id, &call_id);
                }
                Global::ApprovalArrived => {}
            }
        }
    }

    /// Apply the result of a background task.
    pub fn apply_app_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::Probe(Ok(())) => self.llm = LlmState::Reachable,
            AppEvent::Probe(Err(reason)) => self.llm = LlmState::Unreachable(reason),
            AppEvent::SessionStartFailed(reason) => {
                // A start that failed may be asked again.
                self.intake_starts.clear();
                self.notify(NoteKind::Error, reason)
            }
            AppEvent::PastSessions(Ok(summaries)) => self.add_past(summaries),
            AppEvent::PastSessions(Err(e)) => {
                self.notify(NoteKind::Error, format!("cannot list past incidents: {e}"));
            }
            AppEvent::History { session_id, result } => self.load_history(&session_id, result),
            AppEvent::Notice(text) => self.notify(NoteKind::Info, text),
            AppEvent::Waiting(waiting) => self.apply_waiting(waiting),
            AppEvent::Team(update) => self.apply_team(update),
            AppEvent::CorrectionForgotten { id, removed } => {
                self.correction_forgotten(&id, removed)
            }
            AppEvent::Rules(result) => self.apply_rules(result),
            AppEvent::ModelInput {
                session_id,
                request,
            } => self.show_model_input(&session_id, request),
            AppEvent::SearchHits {
                session_id,
                call_id,
                needle,
                result,
            } => self.search_hits(&session_id, &call_id, &needle, result),
            AppEvent::OutputIndexed {
                session_id,
                call_id,
                result,
            } => {
                if let Some(incident) = self.incident_mut(&session_id) {
                    incident.output_indexed(&call_id, result);
                }
            }
            AppEvent::LiveOutput {
                session_id,
                call_id,
                tail,
            } => {
                if self
                    .watched
                    .contains(&(session_id.clone(), call_id.clone()))
                    && let Some(incident) = self.incident_mut(&session_id)
                {
                    incident.live_output(&call_id, tail);
                }
            }
            AppEvent::OutputWindow {
                session_id,
                call_id,
                start,
                result,
            } => {
                if let Some(incident) = self.incident_mut(&session_id) {
                    incident.output_window(&call_id, start, result);
                }
            }
        }
    }

    /// Reads the selected incident's view needs: its log if it is a past incident not loaded
    /// yet, else output windows it does not hold yet.
    pub fn pending_io(&mut self) -> Vec<Command> {
        let mut commands = std::mem::take(&mut self.watch_commands);
        commands.extend(self.view_io());
        commands
    }

    /// Start tailing a running call's output (at most [`MAX_TAILS`] at once).
    fn watch(&mut self, session_id: &str, call_id: String, path: String) {
        let key = (session_id.to_string(), call_id);
        if self.watched.len() >= MAX_TAILS || self.watched.contains(&key) {
            return;
        }
        self.watch_commands.push(Command::WatchOutput {
            session_id: key.0.clone(),
            call_id: key.1.clone(),
            path,
        });
        self.watched.insert(key);
    }

    /// Stop tailing one call (or every call) of a session, if it is tailed.
    fn unwatch(&mut self, session_id: &str, call_id: Option<String>) {
        let before = self.watched.len();
        self.watched
            .retain(|(s, c)| s != session_id || call_id.as_ref().is_some_and(|id| id != c));
        if self.watched.len() != before {
            self.watch_commands.push(Command::StopWatching {
                session_id: session_id.to_string(),
                call_id,
            });
        }
    }

    /// Reads the selected incident's view needs (see [`App::pending_io`]).
    fn view_io(&mut self) -> Vec<Command> {
        let height = usize::from(self.transcript_height.max(1));
        let in_flight = self.history_in_flight;
        let Some(incident) = self.current_mut() else {
            return Vec::new();
        };
        match incident.history {
            History::Live | History::Loaded => incident.window_requests(height),
            History::NotLoaded | History::Loading(_) if !in_flight => {
                // Loading without a read in flight: events arrived for an unread incident.
                if incident.history == History::NotLoaded {
                    incident.history = History::Loading(Vec::new());
                }
                let session_id = incident.session_id.clone();
                self.history_in_flight = true;
                self.unload_past();
                vec![Command::LoadHistory { session_id }]
            }
            History::NotLoaded | History::Loading(_) => Vec::new(),
        }
    }
}
