//! Incident state derived from inbox records: one [`Incident`] per dedup key, with its count,
//! last-seen time, resolve-at-source, reopen history (flapping) and claiming session.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Change, DedupKey, InboxRecord};
use crate::alert::Alert;

/// Reopens inside this window count towards flapping.
pub const FLAP_WINDOW_MINUTES: i64 = 60;
/// This many reopens inside [`FLAP_WINDOW_MINUTES`] mark an incident as flapping.
pub const FLAP_REOPENS: usize = 3;

/// Whether the source still reports the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IncidentState {
    /// Firing at the source.
    Open,
    /// The source said it ended, at this time. A running session is not stopped by this.
    ResolvedAtSource { at: DateTime<Utc> },
}

/// One incident as the inbox describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "super::flat::FlatIncident")]
pub struct Incident {
    pub id: String,
    pub key: DedupKey,
    /// The latest firing alert (the first one, or the one that reopened it).
    pub alert: Arc<Alert>,
    pub opened_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Notifications received for it (the first one included).
    pub count: u64,
    #[serde(flatten)]
    pub state: IncidentState,
    /// Times it fired again after a resolve.
    pub reopened: u32,
    /// Reopen times inside the flapping window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) recent_reopens: Vec<DateTime<Utc>>,
    /// When the source said it ended, if it is resolved at the source and the source gave a
    /// time (a late firing that started no later than this does not reopen it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by_source: Option<DateTime<Utc>>,
    /// Who took it up since it last (re)opened.
    pub claimed_by: Option<String>,
    /// Every model session started for it, oldest first.
    pub sessions: Vec<String>,
}

impl Incident {
    /// True when it reopened [`FLAP_REOPENS`] times within the last [`FLAP_WINDOW_MINUTES`].
    pub fn is_flapping(&self) -> bool {
        self.recent_reopens.len() >= FLAP_REOPENS
    }

    /// Open at the source and not yet taken up by any session.
    pub fn is_pending(&self) -> bool {
        self.state == IncidentState::Open && self.claimed_by.is_none()
    }

    /// Ended at the source and never taken up (while recent, it still counts against the
    /// inbox's capacity).
    pub fn ended_untaken(&self) -> bool {
        matches!(self.state, IncidentState::ResolvedAtSource { .. }) && self.claimed_by.is_none()
    }

    /// Reopen times inside the flapping window (a legacy inbox's snapshot records carry them).
    pub fn recent_reopens(&self) -> &[DateTime<Utc>] {
        &self.recent_reopens
    }
}

/// Every incident by id, with the dedup index and first-opened order.
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    by_id: HashMap<String, Incident>,
    by_key: HashMap<DedupKey, String>,
    order: Vec<String>,
    pending: usize,
}

impl Incidents {
    /// Apply one record. Records for unknown incidents (other than `Opened`) are ignored.
    pub fn apply(&mut self, record: &InboxRecord) {
        let before = self.by_id.get(&record.incident).map(Incident::is_pending);
        match &record.change {
            Change::Opened { key, alert } => {
                if self.by_id.contains_key(&record.incident) {
                    return;
                }
                self.by_key.insert(key.clone(), record.incident.clone());
                self.order.push(record.incident.clone());
                self.by_id.insert(
                    record.incident.clone(),
                    Incident {
                        id: record.incident.clone(),
                        key: key.clone(),
                        alert: Arc::clone(alert),
                        opened_at: record.at,
                        last_seen: record.at,
                        count: 1,
                        state: IncidentState::Open,
                        reopened: 0,
                        recent_reopens: Vec::new(),
                        ended_by_source: None,
                        claimed_by: None,
                        sessions: Vec::new(),
                    },
                );
            }
            Change::Snapshot {
                incident,
                recent_reopens,
            } => {
                let mut incident = (**incident).clone();
                incident.id = record.incident.clone();
                incident.recent_reopens = recent_reopens.clone();
                incident.ended_by_source = None;
                match self.by_id.get(&record.incident) {
                    Some(old) if old.key != incident.key => {
                        self.by_key.remove(&old.key);
                    }
                    Some(_) => {}
                    None => self.order.push(record.incident.clone()),
                }
                self.by_key
                    .insert(incident.key.clone(), record.incident.clone());
                self.by_id.insert(record.incident.clone(), incident);
            }
            change => {
                let Some(incident) = self.by_id.get_mut(&record.incident) else {
                    return;
                };
                match change {
                    Change::Opened { .. } | Change::Snapshot { .. } => {}
                    Change::Repeated => {
                        incident.count += 1;
                        incident.last_seen = record.at;
                    }
                    Change::ResolvedAtSource { ended } => {
                        incident.ended_by_source = *ended;
                        incident.count += 1;
                        incident.last_seen = record.at;
                        incident.state = IncidentState::ResolvedAtSource {
                            at: record.source_time(),
                        };
                    }
                    Change::Reopened { alert } => {
                        incident.count += 1;
                        incident.last_seen = record.at;
                        incident.alert = Arc::clone(alert);
                        incident.state = IncidentState::Open;
                        incident.ended_by_source = None;
                        incident.reopened += 1;
                        incident.claimed_by = None;
                        let since = record.at - Duration::minutes(FLAP_WINDOW_MINUTES);
                        incident.recent_reopens.retain(|t| *t > since);
                        incident.recent_reopens.push(record.at);
                    }
                    Change::Claimed { by } => {
                        if incident.claimed_by.is_none() {
                            incident.claimed_by = Some(by.clone());
                        }
                    }
                    Change::Started { session } => {
                        if !incident.sessions.contains(session) {
                            incident.sessions.push(session.clone());
                        }
                    }
                }
            }
        }
        let after = self.by_id.get(&record.incident).map(Incident::is_pending);
        match (before.unwrap_or(false), after.unwrap_or(false)) {
            (false, true) => self.pending += 1,
            (true, false) => self.pending = self.pending.saturating_sub(1),
            _ => {}
        }
    }

    /// Put `incident` in as it stands (read back from a store), replacing any with its id.
    pub fn insert(&mut self, incident: Incident) {
        let id = incident.id.clone();
        match self.by_id.get(&id) {
            Some(old) => {
                if old.is_pending() {
                    self.pending = self.pending.saturating_sub(1);
                }
                if old.key != incident.key {
                    self.by_key.remove(&old.key);
                }
            }
            None => self.order.push(id.clone()),
        }
        if incident.is_pending() {
            self.pending += 1;
        }
        self.by_key.insert(incident.key.clone(), id.clone());
        self.by_id.insert(id, incident);
    }

    /// Keep only the incidents `keep` says yes to (a follower's bounded cache).
    pub fn retain(&mut self, mut keep: impl FnMut(&Incident) -> bool) {
        let by_id = &mut self.by_id;
        let by_key = &mut self.by_key;
        let mut pending = self.pending;
        self.order.retain(|id| {
            let Some(incident) = by_id.get(id) else {
                return false;
            };
            if keep(incident) {
                return true;
            }
            if incident.is_pending() {
                pending = pending.saturating_sub(1);
            }
            if by_key.get(&incident.key).is_some_and(|holder| holder == id) {
                by_key.remove(&incident.key);
            }
            by_id.remove(id);
            false
        });
        self.pending = pending;
    }

    /// The incident with this id.
    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.by_id.get(id)
    }

    /// The incident with this dedup key.
    pub fn by_key(&self, key: &DedupKey) -> Option<&Incident> {
        self.by_key.get(key).and_then(|id| self.by_id.get(id))
    }

    /// Incidents open at the source that no session has taken up: the inbox depth.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// How many incidents there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every incident, the last opened first.
    pub fn iter_newest(&self) -> impl Iterator<Item = &Incident> {
        self.order.iter().rev().filter_map(|id| self.by_id.get(id))
    }

    /// Every incident, in the order they first opened.
    pub fn iter(&self) -> impl Iterator<Item = &Incident> {
        self.order.iter().filter_map(|id| self.by_id.get(id))
    }
}
