//! The dedup state every writer of the inbox shares: the incidents as of a cursor, caught up
//! inside the store's transaction before each decision, so the receiver and a paste in any
//! process agree on which incident an alert belongs to. [`Ledger::decide`] turns alerts into
//! inbox records with the one rule in `dedup`.
//!
//! Two more things it remembers, both bounded:
//! - when the source said each resolved incident ended, and resolves of alerts it never
//!   opened an incident for, so a late delivery of a firing (the source says it started no
//!   later than it ended) neither reopens the incident nor opens one that no resolve will ever
//!   close. Only the source's own times are compared: a resolve without one (Zabbix, generic)
//!   is not judged against this machine's clock;
//! - with a window (the receiver's `inbox_window_secs`), the incidents opened within it: those
//!   resolved at the source and not taken up still count against the inbox capacity
//!   ([`Ledger::unattended`]), so fire-then-resolve cycles cannot pile up incidents.

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};

use super::dedup::{self, Decision};
use super::{Outcome, OutcomeKind};
use crate::alert::{Alert, Status};
use crate::store::{Change, Cursor, DedupKey, InboxRecord, IncidentState, Incidents};

/// Resolves of never-opened alerts remembered at most (the oldest are forgotten first).
const MAX_ENDED_UNKNOWN: usize = 10_000;

/// Incident ids: `inc-<start time>-<random>-<n>`, unique per writer run.
pub(crate) struct IdMaker {
    prefix: String,
    next: u64,
}

impl IdMaker {
    pub(crate) fn new() -> IdMaker {
        IdMaker {
            prefix: format!(
                "inc-{}-{}",
                Utc::now().format("%Y%m%d-%H%M%S"),
                crate::ids::random_hex(3)
            ),
            next: 1,
        }
    }

    fn make(&mut self) -> String {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

/// The incidents one writer knows, and where in the store they were read up to.
pub(crate) struct Ledger {
    pub(crate) incidents: Incidents,
    pub(crate) cursor: Cursor,
    ids: IdMaker,
    /// When the source said each incident resolved at the source ended (absent: it gave no
    /// time).
    source_ended: HashMap<String, DateTime<Utc>>,
    /// Keys resolved while no incident had them, and when the source said they ended.
    ended_unknown: HashMap<DedupKey, DateTime<Utc>>,
    ended_order: VecDeque<DedupKey>,
    /// Incidents opened within the window, oldest first (None: not tracked).
    window: Option<Window>,
}

/// The incidents opened within the last `length`, and how many of them ended at the source
/// without being taken up.
struct Window {
    length: chrono::Duration,
    opened: VecDeque<(DateTime<Utc>, String)>,
    ids: HashSet<String>,
    lingering: usize,
    /// A snapshot record arrived (an inbox imported from an older release holds them) or
    /// the ledger was forgotten: rebuild from the incidents.
    stale: bool,
}

impl Window {
    fn counts(&self, incidents: &Incidents, id: &str) -> bool {
        self.ids.contains(id)
            && incidents.get(id).is_some_and(|incident| {
                matches!(incident.state, IncidentState::ResolvedAtSource { .. })
                    && incident.claimed_by.is_none()
            })
    }

    fn rebuild(&mut self, incidents: &Incidents, now: DateTime<Utc>) {
        let since = now - self.length;
        let mut opened: Vec<(DateTime<Utc>, String)> = incidents
            .iter()
            .filter(|incident| incident.opened_at >= since)
            .map(|incident| (incident.opened_at, incident.id.clone()))
            .collect();
        opened.sort();
        self.ids = opened.iter().map(|(_, id)| id.clone()).collect();
        self.opened = opened.into();
        self.lingering = 0;
        let lingering = self
            .opened
            .iter()
            .filter(|(_, id)| self.counts(incidents, id))
            .count();
        self.lingering = lingering;
        self.stale = false;
    }
}

/// Counts of each [`OutcomeKind`], in declaration order.
pub(crate) type Counts = [u64; 5];

impl Ledger {
    pub(crate) fn new() -> Ledger {
        Ledger {
            incidents: Incidents::default(),
            cursor: 0,
            ids: IdMaker::new(),
            source_ended: HashMap::new(),
            ended_unknown: HashMap::new(),
            ended_order: VecDeque::new(),
            window: None,
        }
    }

    /// A ledger that also counts the incidents opened within `window` ([`Ledger::unattended`]).
    pub(crate) fn with_window(window: std::time::Duration) -> Ledger {
        let mut ledger = Ledger::new();
        ledger.window = Some(Window {
            length: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            opened: VecDeque::new(),
            ids: HashSet::new(),
            lingering: 0,
            stale: false,
        });
        ledger
    }

    /// Apply what other writers appended.
    pub(crate) fn catch_up(&mut self, records: Vec<InboxRecord>) {
        for record in &records {
            self.apply(record);
        }
        self.refresh_window(Utc::now());
    }

    /// Apply one record to the incidents, and keep the source's end times and the window's
    /// counts.
    fn apply(&mut self, record: &InboxRecord) {
        match &record.change {
            Change::ResolvedAtSource { ended: Some(ended) } => {
                self.source_ended.insert(record.incident.clone(), *ended);
            }
            Change::ResolvedAtSource { ended: None }
            | Change::Reopened { .. }
            | Change::Snapshot { .. } => {
                self.source_ended.remove(&record.incident);
            }
            _ => {}
        }
        let Some(window) = &mut self.window else {
            self.incidents.apply(record);
            return;
        };
        if window.stale {
            self.incidents.apply(record);
            return;
        }
        let before = window.counts(&self.incidents, &record.incident);
        self.incidents.apply(record);
        match &record.change {
            Change::Opened { .. } if !window.ids.contains(&record.incident) => {
                window.ids.insert(record.incident.clone());
                window
                    .opened
                    .push_back((record.at, record.incident.clone()));
            }
            Change::Snapshot { .. } => window.stale = true,
            _ => {}
        }
        let after = window.counts(&self.incidents, &record.incident);
        match (before, after) {
            (false, true) => window.lingering += 1,
            (true, false) => window.lingering = window.lingering.saturating_sub(1),
            _ => {}
        }
    }

    /// Drop incidents that left the window, or rebuild it after the incidents were replaced.
    pub(crate) fn refresh_window(&mut self, now: DateTime<Utc>) {
        let Some(window) = &mut self.window else {
            return;
        };
        if window.stale {
            window.rebuild(&self.incidents, now);
            return;
        }
        let since = now - window.length;
        while let Some((at, _)) = window.opened.front() {
            if *at >= since {
                break;
            }
            let Some((_, id)) = window.opened.pop_front() else {
                break;
            };
            if window.counts(&self.incidents, &id) {
                window.lingering = window.lingering.saturating_sub(1);
            }
            window.ids.remove(&id);
        }
    }

    /// Incidents nobody has taken up that count against the inbox capacity: the pending ones,
    /// and those opened within the window that ended at the source untouched.
    pub(crate) fn unattended(&self) -> usize {
        self.incidents.pending() + self.window.as_ref().map_or(0, |w| w.lingering)
    }

    /// Forget everything (after a failed write): the next transaction reads from the start.
    pub(crate) fn forget(&mut self) {
        self.incidents = Incidents::default();
        self.cursor = 0;
        self.source_ended.clear();
        if let Some(window) = &mut self.window {
            window.stale = true;
        }
    }

    /// What `alert` does: the dedup rule, except that a firing the source says started no
    /// later than the source said the alert ended is late: it repeats a resolved incident
    /// instead of reopening it, and opens none for a key resolved with no incident.
    fn decision(&self, alert: &Alert) -> Decision {
        let late = |ended: Option<&DateTime<Utc>>| {
            ended.is_some_and(|ended| dedup::fired_at(alert).is_some_and(|f| f <= *ended))
        };
        match dedup::decide(&self.incidents, alert) {
            Decision::Reopen(id) if late(self.source_ended.get(&id)) => Decision::Repeat(id),
            Decision::Open(key) if late(self.ended_unknown.get(&key)) => Decision::Ignore,
            decision => decision,
        }
    }

    /// Remember that `key` was resolved at `ended` with no incident open for it.
    fn remember_ended(&mut self, key: DedupKey, ended: DateTime<Utc>) {
        match self.ended_unknown.get_mut(&key) {
            Some(known) => *known = (*known).max(ended),
            None => {
                if self.ended_order.len() >= MAX_ENDED_UNKNOWN
                    && let Some(oldest) = self.ended_order.pop_front()
                {
                    self.ended_unknown.remove(&oldest);
                }
                self.ended_order.push_back(key.clone());
                self.ended_unknown.insert(key, ended);
            }
        }
    }

    /// How many of `alerts` would open a new incident.
    pub(crate) fn new_incidents(&self, alerts: &[Alert]) -> usize {
        alerts
            .iter()
            .filter(|a| matches!(self.decision(a), Decision::Open(_)))
            .count()
    }

    /// Decide each alert, apply the result and push its records onto `records`. With
    /// `claim_as` (a paste, whose operator starts the session): a new or reopened incident is
    /// also claimed by it, and an alert that would be ignored (resolved, with no incident)
    /// opens one, since the operator asked to look at it.
    pub(crate) fn decide(
        &mut self,
        alerts: Vec<Alert>,
        now: DateTime<Utc>,
        claim_as: Option<&str>,
        records: &mut Vec<InboxRecord>,
        counts: &mut Counts,
    ) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(alerts.len());
        for alert in alerts {
            let decision = match self.decision(&alert) {
                Decision::Ignore if claim_as.is_some() => Decision::Open(dedup::key_of(&alert)),
                Decision::Ignore => {
                    if alert.status == Status::Resolved
                        && let Some(ended) = ended_at(&alert, now)
                    {
                        self.remember_ended(dedup::key_of(&alert), ended);
                    }
                    Decision::Ignore
                }
                decision => decision,
            };
            let (change, kind) = match decision {
                Decision::Open(key) => (
                    Some((
                        self.ids.make(),
                        Change::Opened {
                            key,
                            alert: Box::new(alert),
                        },
                    )),
                    OutcomeKind::Opened,
                ),
                Decision::Repeat(id) => (Some((id, Change::Repeated)), OutcomeKind::Repeated),
                Decision::Resolve(id) => (
                    Some((
                        id,
                        Change::ResolvedAtSource {
                            ended: ended_at(&alert, now),
                        },
                    )),
                    OutcomeKind::Resolved,
                ),
                Decision::Reopen(id) => (
                    Some((
                        id,
                        Change::Reopened {
                            alert: Box::new(alert),
                        },
                    )),
                    OutcomeKind::Reopened,
                ),
                Decision::Ignore => (None, OutcomeKind::Ignored),
            };
            counts[kind.clone() as usize] += 1;
            let incident = match change {
                Some((incident, change)) => {
                    let claim = matches!(change, Change::Opened { .. } | Change::Reopened { .. })
                        && claim_as.is_some();
                    self.push(records, now, incident.clone(), change);
                    if let (true, Some(by)) = (claim, claim_as) {
                        let by = by.to_string();
                        self.push(records, now, incident.clone(), Change::Claimed { by });
                    }
                    incident
                }
                None => String::new(),
            };
            outcomes.push(Outcome { incident, kind });
        }
        outcomes
    }

    fn push(
        &mut self,
        records: &mut Vec<InboxRecord>,
        at: DateTime<Utc>,
        incident: String,
        change: Change,
    ) {
        let record = InboxRecord {
            at,
            incident,
            change,
        };
        self.apply(&record);
        records.push(record);
    }
}

/// When a resolved alert says it ended ([`Alert::ended_at`]), if that is no later than `now`:
/// a source clock ahead of ours, or a payload that claims a future end, falls back to when the
/// notice arrived.
fn ended_at(alert: &Alert, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    alert.ended_at().filter(|ended| *ended <= now)
}
