//! What starts an investigation: follows the inbox from a cursor and, in `investigate =
//! "auto"`, hands out incidents to start, oldest first, never more than
//! `max_concurrent_investigations` at once and only at or above `min_severity`. Flapping
//! incidents are not restarted. A storm of alerts only grows the queue.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::config::{IntakeConfig, Investigate};
use crate::protocol::SourceStatus;
use crate::store::{Change, Cursor, Incident, Incidents, Store, StoreError};

use super::severity::{self, Rank};

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
        }
    }

    /// Every incident seen so far.
    pub fn incidents(&self) -> &Incidents {
        &self.incidents
    }

    /// Read what is new in `store`.
    pub fn poll(&mut self, store: &dyn Store) -> Result<Update, StoreError> {
        let (records, next) = store.read_from(self.cursor)?;
        self.cursor = next;
        let mut update = Update::default();
        for record in &records {
            let new = self.incidents.get(&record.incident).is_none();
            self.incidents.apply(record);
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

    fn auto(max: usize, min: Option<Rank>) -> Scheduler {
        Scheduler::new(SchedulerOptions {
            investigate: Investigate::Auto,
            max_concurrent: max,
            min_severity: min,
        })
    }

    #[tokio::test]
    async fn a_storm_of_10000_starts_three_then_one_per_free_slot() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::at(&dir.path().join("store.db")).expect("store"));
        let options = IntakeOptions {
            inbox_capacity: 20_000,
            ..IntakeOptions::default()
        };
        let intake = Intake::open(store.clone(), options).expect("open");
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
        assert_eq!(update.opened.len(), 10_010);
        assert_eq!(scheduler.queued(), 10_000, "info alerts do not auto-start");
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
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::at(&dir.path().join("store.db")).expect("store"));
        let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("open");
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
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::at(&dir.path().join("store.db")).expect("store"));
        let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("open");
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
