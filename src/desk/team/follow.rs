//! The desk's side of watching other operators: which incidents they are on (the board's live
//! claims first, else who took the incident up in the inbox) and the new events of their
//! sessions, read from the team database from the last seq this data dir has. The room runs
//! [`TeamFollow::poll`] after every inbox poll (a notification wakes it at once; when nothing
//! wakes it, it re-reads every second to fill gaps); the events go to the consoles as
//! [`crate::protocol::DeskEvent::Session`], so they are applied exactly as the desk's own
//! sessions' events, read-only.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::paths::Paths;
use crate::protocol::{EventEnvelope, Other, Others, TeamUpdate};
use crate::store::{Board, IncidentState, Incidents, Opened, PgStore};

/// Re-read the board and the watched sessions at least this often without a notification.
const REREAD: Duration = Duration::from_secs(1);

/// A notification is served at most this often (a stream of commits wakes every console).
const MIN_GAP: Duration = Duration::from_millis(100);

/// At most this many other operators' incidents are followed (the newest first).
const MAX_FOLLOWED: usize = 50;

/// What one pass found: the board when it changed, and new events to apply in order.
#[derive(Default)]
pub struct Found {
    pub others: Option<TeamUpdate>,
    pub events: Vec<EventEnvelope>,
}

/// Follows the sessions other operators are on (team mode only).
pub struct TeamFollow {
    pg: Arc<PgStore>,
    board: Arc<dyn Board>,
    paths: Paths,
    me: String,
    /// Followed sessions → the last seq handed to the app.
    cursors: HashMap<String, u64>,
    /// The board as last sent to the app.
    sent: Option<Others>,
    last_read: Option<Instant>,
    /// A notification came and has not been served yet.
    wake_pending: bool,
}

impl TeamFollow {
    /// A follower for `me`, or None when the store is not a team database.
    pub fn new(opened: &Opened, paths: &Paths, me: &str) -> Option<TeamFollow> {
        let pg = opened.postgres.clone()?;
        Some(TeamFollow {
            pg,
            board: opened.board.clone(),
            paths: paths.clone(),
            me: me.to_string(),
            cursors: HashMap::new(),
            sent: None,
            last_read: None,
            wake_pending: false,
        })
    }

    /// One pass (blocking: call it off the async threads). `woke`: a notification came, so
    /// read now (at most every [`MIN_GAP`]); otherwise only when [`REREAD`] has passed.
    pub fn poll(&mut self, incidents: &Incidents, woke: bool) -> Found {
        self.wake_pending |= woke;
        let since = self.last_read.map(|t| t.elapsed());
        let due = match since {
            None => true,
            Some(since) => (self.wake_pending && since >= MIN_GAP) || since >= REREAD,
        };
        if !due {
            return Found::default();
        }
        self.last_read = Some(Instant::now());
        self.wake_pending = false;
        let others = match self.others(incidents) {
            Ok(others) => others,
            Err(e) => {
                tracing::warn!("team: cannot read the board: {e}");
                return Found::default();
            }
        };
        self.cursors
            .retain(|session, _| others.contains_key(session));
        let mut events = Vec::new();
        for session in others.keys() {
            events.extend(self.read_new(session));
        }
        let changed = self.sent.as_ref() != Some(&others);
        if changed {
            self.sent = Some(others.clone());
        }
        Found {
            others: changed.then_some(TeamUpdate {
                others,
                mine: Vec::new(),
            }),
            events,
        }
    }

    /// The events of `session` this console has not had yet, and stop following it (this
    /// console takes it over: its own session sends what comes next).
    pub fn catch_up(&mut self, session: &str) -> Vec<EventEnvelope> {
        let events = self.read_new(session);
        self.cursors.remove(session);
        if let Some(sent) = &mut self.sent {
            sent.remove(session);
        }
        events
    }

    /// The board for the app after a [`TeamFollow::catch_up`] of `session`: it runs here.
    pub fn taken_over(&self, session: &str) -> TeamUpdate {
        TeamUpdate {
            others: self.sent.clone().unwrap_or_default(),
            mine: vec![session.to_string()],
        }
    }

    /// The board now: every session another operator is on, by session id.
    fn others(&self, incidents: &Incidents) -> Result<Others, crate::store::StoreError> {
        let claims = self.board.claims()?;
        let live: HashMap<&str, &str> = claims
            .iter()
            .map(|c| (c.incident.as_str(), c.operator.as_str()))
            .collect();
        let line = crate::text::neutralize_line;
        let mut found: Vec<(chrono::DateTime<chrono::Utc>, String, Other)> = Vec::new();
        let mut keyed: HashSet<&str> = HashSet::new();
        for incident in incidents.iter() {
            // A claim on an incident nobody started yet is a plain claim (no session to watch).
            keyed.insert(incident.id.as_str());
            let Some(session) = incident.sessions.last() else {
                continue;
            };
            keyed.insert(session.as_str());
            let holder = live
                .get(incident.id.as_str())
                .or_else(|| live.get(session.as_str()));
            let (operator, is_live) = match (holder, &incident.claimed_by) {
                (Some(op), _) => (op.to_string(), true),
                // Taken up by someone whose lease is gone: listed while the alert fires.
                (None, Some(by)) if incident.state == IncidentState::Open => (by.clone(), false),
                _ => continue,
            };
            if operator == self.me {
                continue;
            }
            found.push((
                incident.last_seen,
                session.clone(),
                Other {
                    incident: incident.id.clone(),
                    operator: line(&operator),
                    live: is_live,
                },
            ));
        }
        // A claim on a session with no inbox incident (`opsassist run`, `store claim ID`).
        for claim in &claims {
            if claim.operator == self.me || keyed.contains(claim.incident.as_str()) {
                continue;
            }
            found.push((
                claim.since,
                claim.incident.clone(),
                Other {
                    incident: claim.incident.clone(),
                    operator: line(&claim.operator),
                    live: true,
                },
            ));
        }
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        Ok(found
            .into_iter()
            .take(MAX_FOLLOWED)
            .map(|(_, session, other)| (session, other))
            .collect())
    }

    /// New events of `session` from the database. A session this console ran before (its
    /// log is in the data dir) starts after the log's last event: those are on screen.
    fn read_new(&mut self, session: &str) -> Vec<EventEnvelope> {
        let start = match self.cursors.get(session) {
            Some(seq) => *seq,
            None => self.local_last_seq(session),
        };
        let mut cursor = start;
        let mut out = Vec::new();
        loop {
            let batch = match self.pg.events_after(session, cursor) {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!("team: cannot read session {session}: {e}");
                    break;
                }
            };
            let full = batch.len() >= PgStore::EVENTS_BATCH;
            for (seq, line) in batch {
                cursor = cursor.max(seq);
                match serde_json::from_str::<EventEnvelope>(&line) {
                    Ok(envelope) if envelope.session_id == session => out.push(envelope),
                    Ok(_) => tracing::warn!("team: event {seq} of {session} names another session"),
                    Err(e) => tracing::warn!("team: event {seq} of {session} is damaged: {e}"),
                }
            }
            if !full {
                break;
            }
        }
        self.cursors.insert(session.to_string(), cursor);
        out
    }

    fn local_last_seq(&self, session: &str) -> u64 {
        crate::session::last_logged(&self.paths, session).map_or(0, |last| last.seq)
    }
}
