//! What starts an investigation: follows the inbox from a cursor and, in `investigate =
//! "auto"`, hands out incidents to start, oldest first, never more than
//! `max_concurrent_investigations` at once and only at or above `min_severity`. Flapping
//! incidents are not restarted. A storm of alerts only grows the queue.
//!
//! On an indexed store (SQLite, PostgreSQL) it holds a bounded set of incidents: it starts
//! from the oldest waiting and the newest ([`HELD`] of each), forgets the rest as it goes,
//! and asks the store again for an incident a record names that it no longer holds (unless
//! the record only repeats it); the waiting count comes from the store.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::config::{IntakeConfig, Investigate};
use crate::protocol::SourceStatus;
use crate::store::{Change, Cursor, Incident, Incidents, Store, StoreError};

use super::severity::{self, Rank};

/// How many of the oldest waiting and of the newest incidents a scheduler holds on an
/// indexed store (once it holds three times as many, it forgets the rest).
pub const HELD: usize = 1_000;

/// The settings that decide what auto-starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerOptions {
    pub investigate: Investigate,
    pub max_concurrent: usize,
    pub min_severity: Option<Rank>,
}

impl SchedulerOptions {
    /// From `[intake]`; an unknown `min_severity` word is an error naming it.
    pub fn from_config(config: &IntakeConfig) -> Result<SchedulerOptions, String> {
        let min_severity = match config.min_severity.as_deref() {
            None => None,
            Some(word) => Some(severity::rank(word).ok_or_else(|| {
                format!(
                    "[intake] min_severity {:?} is not a known severity (info, warning, error, critical)",
                    crate::text::neutralize_line(word)
                )
            })?),
        };
        Ok(SchedulerOptions {
            investigate: config.investigate,
            max_concurrent: config.max_concurrent_investigations,
            min_severity,
        })
    }
}

/// What changed in the inbox since the last poll.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Update {
    /// Incidents opened or reopened (their ids), oldest first.
    pub opened: Vec<String>,
    /// Incidents resolved at the source.
    pub resolved: Vec<String>,
    /// Repeat notifications.
    pub repeats: usize,
    /// Resolves and re-fires, in order, with their time: (incident, status, at).
    pub source_changes: Vec<(String, SourceStatus, DateTime<Utc>)>,
}

/// Follows the inbox and decides which incidents to start.
pub struct Scheduler {
    options: SchedulerOptions,
    incidents: Incidents,
    cursor: Cursor,
    queue: VecDeque<String>,
    /// Sessions this scheduler started that have not finished.
    running: HashSet<String>,
    /// Other unfinished sessions of inbox incidents (recovered after a crash, or started
    /// before this scheduler): they hold investigation slots too.
    adopted: HashSet<String>,
    /// Sessions of inbox incidents already seen finished: never looked at again.
    done: HashSet<String>,
    /// The first poll happened.
    started: bool,
    /// The store answers by index: hold a bounded set, ask it for the rest.
    indexed: bool,
    /// Waiting incidents in the store (indexed stores; else the held ones are all).
    waiting_total: usize,
    /// [`HELD`] (smaller in tests).
    held: usize,
}

impl Scheduler {
    pub fn new(options: SchedulerOptions) -> Scheduler {
        Scheduler {
            options,
            incidents: Incidents::default(),
            cursor: 0,
            queue: VecDeque::new(),
            running: HashSet::new(),
            adopted: HashSet::new(),
            done: HashSet::new(),
            started: false,
            indexed: false,
            waiting_total: 0,
            held: HELD,
        }
    }

    /// Incidents open at the source that no session has taken up.
    pub fn waiting(&self) -> usize {
        if self.indexed {
            self.waiting_total
        } else {
            self.incidents.pending()
        }
    }

    /// The incident with this id: held, else (indexed stores) asked for.
    pub fn find(&self, store: &dyn Store, id: &str) -> Option<Incident> {
        if let Some(incident) = self.incidents.get(id) {
            return Some(incident.clone());
        }
        if !self.indexed {
            return None;
        }
        store.incident(id).ok().flatten()
    }

    /// The incident `session` was started for: held, else (indexed stores) asked for.
    pub fn incident_of(&self, store: &dyn Store, session: &str) -> Option<String> {
        if let Some(found) = self
            .incidents
            .iter()
            .find(|i| i.sessions.iter().any(|s| s == session))
        {
            return Some(found.id.clone());
        }
        if !self.indexed {
            return None;
        }
        store
            .incident_of_session(session)
            .ok()
            .flatten()
            .map(|i| i.id)
    }

    /// The first poll of an indexed store: the oldest waiting and the newest incidents, not
    /// a replay of the inbox.
    fn start(&mut self, store: &dyn Store) -> Result<Update, StoreError> {
        let (incidents, cursor) = store.followed_from(self.held)?;
        self.incidents = incidents;
        self.cursor = cursor;
        let mut update = Update::default();
        let ids: Vec<String> = self.incidents.iter().map(|i| i.id.clone()).collect();
        for id in ids {
            if self.incidents.get(&id).is_some_and(Incident::is_pending) && self.wants(&id) {
                self.queue.push_back(id.clone());
            }
            update.opened.push(id);
        }
        self.refresh_waiting(store)?;
        Ok(update)
    }

    /// Forget incidents beyond the bound (keeping the oldest waiting, the newest and those
    /// with a running session), and hold the oldest waiting again once they ran low.
    /// `touched`: the incidents this poll's records named (the caller looks at them next).
    fn bound(&mut self, store: &dyn Store, touched: &HashSet<&str>) -> Result<(), StoreError> {
        let held = self.held;
        if self.incidents.len() > 3 * held {
            let mut keep: HashSet<String> = self
                .incidents
                .iter()
                .filter(|i| i.is_pending())
                .take(held)
                .chain(self.incidents.iter_newest().take(held))
                .map(|i| i.id.clone())
                .chain(touched.iter().map(|id| id.to_string()))
                .collect();
            for incident in self.incidents.iter() {
                if incident
                    .sessions
                    .iter()
                    .any(|s| self.running.contains(s) || self.adopted.contains(s))
                {
                    keep.insert(incident.id.clone());
                }
            }
            self.incidents.retain(|i| keep.contains(&i.id));
        }
        self.refresh_waiting(store)
    }

    fn refresh_waiting(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        let (_, total) = store.waiting(0)?;
        self.waiting_total = total;
        let held = self.incidents.pending();
        let low = held < self.held / 2;
        // Auto mode with nothing queued: the next waiting ones may not be held.
        let idle = self.options.investigate == Investigate::Auto && self.queue.is_empty();
        if held < total && (low || idle) {
            let limit = if low { self.held } else { self.held.min(256) };
            let (oldest, _) = store.waiting(limit)?;
            for incident in oldest {
                let id = incident.id.clone();
                if self.incidents.get(&id).is_none() {
                    self.incidents.insert(incident);
                    if idle && self.wants(&id) {
                        self.queue.push_back(id);
                    }
                }
            }
        }
        Ok(())
    }

    /// Every incident seen so far.
    pub fn incidents(&self) -> &Incidents {
        &self.incidents
    }

    /// Read what is new in `store`.
    pub fn poll(&mut self, store: &dyn Store) -> Result<Update, StoreError> {
        if !self.started {
            self.started = true;
            self.indexed = store.indexed();
            if self.indexed {
                return self.start(store);
            }
        }
        let (records, next) = store.read_from(self.cursor)?;
        self.cursor = next;
        let mut update = Update::default();
        // Incidents read back from the store in this poll: already past these records.
        let mut fetched: HashSet<String> = HashSet::new();
        for record in &records {
            let new = self.incidents.get(&record.incident).is_none();
            let opens = matches!(
                record.change,
                Change::Opened { .. } | Change::Snapshot { .. }
            );
            // A repeat of an incident it does not hold changes nothing it shows: not read back
            // (in a storm of repeats that would decode most incidents' alerts again).
            let repeat = matches!(record.change, Change::Repeated);
            let fetch = new && !opens && !repeat && self.indexed;
            if fetch && let Some(found) = store.incident(&record.incident)? {
                self.incidents.insert(found);
                fetched.insert(record.incident.clone());
            } else if !fetched.contains(&record.incident) {
                self.incidents.apply(record);
            }
            match &record.change {
                Change::Snapshot { incident, .. } => {
                    if new && incident.is_pending() {
                        update.opened.push(record.incident.clone());
                        if self.wants(&record.incident) {
                            self.queue.push_back(record.incident.clone());
                        }
                    }
                }
                Change::Opened { .. } | Change::Reopened { .. } => {
                    if matches!(record.change, Change::Reopened { .. }) {
                        update.source_changes.push((
                            record.incident.clone(),
                            SourceStatus::FiredAgain,
                            record.at,
                        ));
                    }
                    update.opened.push(record.incident.clone());
                    if self.wants(&record.incident) {
                        self.queue.push_back(record.incident.clone());
                    }
                }
                Change::ResolvedAtSource { .. } => {
                    update.resolved.push(record.incident.clone());
                    update.source_changes.push((
                        record.incident.clone(),
                        SourceStatus::Resolved,
                        record.source_time(),
                    ));
                }
                Change::Repeated => update.repeats += 1,
                Change::Claimed { .. } | Change::Started { .. } => {}
            }
        }
        if self.indexed {
            let touched = records.iter().map(|r| r.incident.as_str()).collect();
            self.bound(store, &touched)?;
        }
        Ok(update)
    }

    fn wants(&self, id: &str) -> bool {
        let Some(incident) = self.incidents.get(id) else {
            return false;
        };
        // A re-fire of an incident that already had a session is shown in that session's
        // transcript; whether to investigate again is the operator's call (the start key).
        self.options.investigate == Investigate::Auto
            && incident.sessions.is_empty()
            && !incident.is_flapping()
            && severity::passes(
                incident.alert.severity.as_deref(),
                self.options.min_severity,
            )
    }

    /// Incidents to start now: still pending, within the free investigation slots. The
    /// caller claims each through the store (another console may win) and reports
    /// [`Scheduler::started`].
    pub fn due(&mut self) -> Vec<Incident> {
        let mut out = Vec::new();
        let free = self.options.max_concurrent.saturating_sub(self.running());
        while out.len() < free {
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            if self.wants(&id)
                && let Some(incident) = self.incidents.get(&id)
                && incident.is_pending()
                && !out.iter().any(|i: &Incident| i.id == id)
            {
                out.push(incident.clone());
            }
        }
        out
    }

    /// Queued incidents waiting for a free slot.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// A session this scheduler started.
    pub fn started(&mut self, session: &str) {
        self.adopted.remove(session);
        self.running.insert(session.to_string());
    }

    /// A session ended (or could not start); its slot is free.
    pub fn finished(&mut self, session: &str) {
        self.running.remove(session);
        if self.adopted.remove(session) {
            self.done.insert(session.to_string());
        }
    }

    /// Count the unfinished sessions of inbox incidents that this scheduler did not start
    /// (a console's sessions recovered after a crash, or ones another process runs) against
    /// `max_concurrent_investigations`, and free the slots of those that finished since.
    /// `is_open` says whether a session has not finished (its log does not end in
    /// `Finished`); a session seen finished once is not asked about again.
    pub fn adopt_running(&mut self, is_open: &dyn Fn(&str) -> bool) {
        let mut finished = Vec::new();
        for session in &self.adopted {
            if !is_open(session) {
                finished.push(session.clone());
            }
        }
        for session in finished {
            self.adopted.remove(&session);
            self.done.insert(session);
        }
        let mut found = Vec::new();
        for incident in self.incidents.iter() {
            for session in &incident.sessions {
                if self.running.contains(session)
                    || self.adopted.contains(session)
                    || self.done.contains(session)
                {
                    continue;
                }
                found.push(session.clone());
            }
        }
        for session in found {
            if is_open(&session) {
                self.adopted.insert(session);
            } else {
                self.done.insert(session);
            }
        }
    }

    /// Sessions holding investigation slots now (started here, or adopted).
    pub fn running(&self) -> usize {
        self.running.len() + self.adopted.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::intake::{Intake, IntakeOptions};
    use crate::store::SqliteStore;

    fn payload(range: std::ops::Range<usize>, severity: &str, status: &str) -> Vec<u8> {
        let items: Vec<String> = range
            .map(|n| {
                format!(
                    r#"{{"version":"4","status":"{status}","alerts":[{{"status":"{status}","labels":{{"alertname":"A{n}","severity":"{severity}"}},"annotations":{{}},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"f{n}"}}]}}"#
                )
            })
            .collect();
        format!("[{}]", items.join(",")).into_bytes()
    }

    #[tokio::test]
    async fn on_an_indexed_store_it_holds_a_bounded_set_and_asks_for_the_rest() {
        let (_dir, store, intake) = inbox(IntakeOptions::default());
        let max = 64 << 20;
        intake
            .ingest(&payload(0..100, "critical", "firing"), None, max)
            .await
            .expect("first 100");
        let mut scheduler = auto(3, None);
        scheduler.held = 10;
        let update = scheduler.poll(store.as_ref()).expect("start");
        // The oldest 10 waiting and the newest 10, not all 100.
        assert_eq!(update.opened.len(), 20);
        assert_eq!(scheduler.incidents().len(), 20);
        assert_eq!(scheduler.waiting(), 100, "the count is the store's");
        intake
            .ingest(&payload(100..150, "critical", "firing"), None, max)
            .await
            .expect("50 more");
        let update = scheduler.poll(store.as_ref()).expect("poll");
        assert_eq!(update.opened.len(), 50);
        // What a poll read is kept for its caller; the next poll forgets beyond the bound.
        scheduler.poll(store.as_ref()).expect("poll");
        assert!(scheduler.incidents().len() <= 2 * 10, "bounded");
        assert_eq!(scheduler.waiting(), 150);
        // f50 was never held: its resolve is read back from the store, counted once.
        let r = intake
            .ingest(&payload(50..51, "critical", "resolved"), None, max)
            .await
            .expect("resolve");
        let update = scheduler.poll(store.as_ref()).expect("poll");
        assert_eq!(update.resolved, vec![r[0].incident.clone()]);
        let held = scheduler.incidents().get(&r[0].incident).expect("held now");
        assert_eq!(held.count, 2);
        assert!(!held.is_pending());
        assert_eq!(scheduler.waiting(), 149);
        assert_eq!(
            scheduler
                .find(store.as_ref(), &r[0].incident)
                .map(|i| i.count),
            Some(2)
        );
        // f60 was never held either: its repeat is counted, not read back.
        let r = intake
            .ingest(&payload(60..61, "critical", "firing"), None, max)
            .await
            .expect("repeat");
        let update = scheduler.poll(store.as_ref()).expect("poll");
        assert_eq!(update.repeats, 1);
        assert!(scheduler.incidents().get(&r[0].incident).is_none());
        assert_eq!(
            scheduler
                .find(store.as_ref(), &r[0].incident)
                .map(|i| i.count),
            Some(2),
            "the store has it"
        );
        // Taking up the held waiting ones brings the next oldest back into the waiting list.
        let held_waiting: Vec<String> = scheduler
            .incidents()
            .iter()
            .filter(|i| i.is_pending())
            .map(|i| i.id.clone())
            .collect();
        for id in &held_waiting {
            assert!(store.claim(id, "op").expect("claim"));
        }
        scheduler.poll(store.as_ref()).expect("poll");
        assert_eq!(scheduler.waiting(), 149 - held_waiting.len());
        assert!(
            scheduler.incidents().pending() >= 5,
            "refilled from the store: {}",
            scheduler.incidents().pending()
        );
        assert!(scheduler.incidents().len() <= 3 * 10 + 10 + held_waiting.len());
    }

    #[tokio::test]
    async fn every_waiting_incident_auto_starts_in_turn_even_those_never_held() {
        let (_dir, store, intake) = inbox(IntakeOptions::default());
        let opened = intake
            .ingest(&payload(0..10, "critical", "firing"), None, 1 << 20)
            .await
            .expect("ten");
        let mut scheduler = auto(3, None);
        scheduler.held = 2;
        let mut started = Vec::new();
        for round in 0..20 {
            scheduler.poll(store.as_ref()).expect("poll");
            for incident in scheduler.due() {
                assert!(store.claim(&incident.id, "test").expect("claim"));
                let session = format!("s{round}-{}", incident.id);
                scheduler.started(&session);
                scheduler.finished(&session);
                started.push(incident.id);
            }
        }
        let mut want: Vec<String> = opened.iter().map(|o| o.incident.clone()).collect();
        want.sort();
        started.sort();
        assert_eq!(started, want, "each once, the middle ones too");
    }

    /// A fresh store in a temp dir (kept while the first value lives) and its intake.
    fn inbox(options: IntakeOptions) -> (tempfile::TempDir, Arc<SqliteStore>, Intake) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::at(&dir.path().join("store.db")).expect("store"));
        let intake = Intake::open(store.clone(), options).expect("open");
        (dir, store, intake)
    }

    fn auto(max: usize, min: Option<Rank>) -> Scheduler {
        Scheduler::new(SchedulerOptions {
            investigate: Investigate::Auto,
            max_concurrent: max,
            min_severity: min,
        })
    }

    #[tokio::test]
    async fn a_storm_of_10000_starts_three_then_one_per_free_slot() {
        let (_dir, store, intake) = inbox(IntakeOptions {
            inbox_capacity: 20_000,
            ..IntakeOptions::default()
        });
        let max = 64 << 20;
        intake
            .ingest(&payload(0..10_000, "critical", "firing"), None, max)
            .await
            .expect("storm");
        intake
            .ingest(&payload(10_000..10_010, "info", "firing"), None, max)
            .await
            .expect("info");
        let mut scheduler = auto(3, Some(Rank::Warning));
        let update = scheduler.poll(store.as_ref()).expect("poll");
        // It starts from the oldest HELD waiting and the newest HELD, not all 10,010.
        assert_eq!(update.opened.len(), 2 * HELD);
        assert_eq!(
            scheduler.queued(),
            2 * HELD - 10,
            "info alerts do not auto-start"
        );
        let due = scheduler.due();
        assert_eq!(due.len(), 3);
        for (n, incident) in due.iter().enumerate() {
            assert!(store.claim(&incident.id, "test").expect("claim"));
            scheduler.started(&format!("s{n}"));
        }
        scheduler.poll(store.as_ref()).expect("poll");
        assert!(scheduler.due().is_empty(), "no free slot");
        scheduler.finished("s1");
        let next = scheduler.due();
        assert_eq!(next.len(), 1);
        assert!(
            !due.iter().any(|d| d.id == next[0].id),
            "the next one, not a started one"
        );
    }

    #[tokio::test]
    async fn recovered_sessions_hold_investigation_slots() {
        let (_dir, store, intake) = inbox(IntakeOptions::default());
        let max = 1 << 20;
        let first = intake
            .ingest(&payload(0..1, "critical", "firing"), None, max)
            .await
            .expect("fire");
        // A console started it before it crashed; its session log is not finished.
        assert!(
            store
                .claim(&first[0].incident, "old-console")
                .expect("claim")
        );
        store
            .append(&[crate::store::InboxRecord {
                at: Utc::now(),
                incident: first[0].incident.clone(),
                change: Change::Started {
                    session: "s-recovered".into(),
                },
            }])
            .expect("started");
        intake
            .ingest(&payload(1..2, "critical", "firing"), None, max)
            .await
            .expect("second");
        let mut scheduler = auto(1, None);
        scheduler.poll(store.as_ref()).expect("poll");
        let open: &dyn Fn(&str) -> bool = &|s| s == "s-recovered";
        scheduler.adopt_running(open);
        assert_eq!(scheduler.running(), 1);
        assert!(
            scheduler.due().is_empty(),
            "the recovered session holds the only slot"
        );
        scheduler.adopt_running(&|_| false);
        assert_eq!(scheduler.running(), 0, "it finished: the slot is free");
        assert_eq!(scheduler.due().len(), 1);
    }

    #[tokio::test]
    async fn manual_starts_nothing_and_flapping_is_not_restarted() {
        let (_dir, store, intake) = inbox(IntakeOptions::default());
        let max = 1 << 20;
        intake
            .ingest(&payload(0..1, "critical", "firing"), None, max)
            .await
            .expect("fire");
        let mut manual = Scheduler::new(SchedulerOptions {
            investigate: Investigate::Manual,
            max_concurrent: 3,
            min_severity: None,
        });
        manual.poll(store.as_ref()).expect("poll");
        assert!(manual.due().is_empty());
        for _ in 0..3 {
            intake
                .ingest(&payload(0..1, "critical", "resolved"), None, max)
                .await
                .expect("r");
            intake
                .ingest(&payload(0..1, "critical", "firing"), None, max)
                .await
                .expect("f");
        }
        let mut scheduler = auto(3, None);
        scheduler.poll(store.as_ref()).expect("poll");
        let incident = scheduler.incidents().iter().next().expect("one").clone();
        assert!(incident.is_flapping());
        assert_eq!(incident.reopened, 3);
        assert!(
            scheduler.due().is_empty(),
            "a flapping incident waits for the operator"
        );
    }
}
