//! What starts an investigation: follows the inbox from a cursor and, in `investigate =
//! "auto"`, hands out incidents to start, oldest first, never more than
//! `max_concurrent_investigations` at once and only at or above `min_severity`. Flapping
//! incidents are not restarted. A storm of alerts only grows the queue.

use std::collections::{HashSet, VecDeque};

use crate::config::{IntakeConfig, Investigate};
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
}

/// Follows the inbox and decides which incidents to start.
pub struct Scheduler {
    options: SchedulerOptions,
    incidents: Incidents,
    cursor: Cursor,
    queue: VecDeque<String>,
    /// Sessions this scheduler started that have not finished.
    running: HashSet<String>,
}

impl Scheduler {
    pub fn new(options: SchedulerOptions) -> Scheduler {
        Scheduler {
            options,
            incidents: Incidents::default(),
            cursor: 0,
            queue: VecDeque::new(),
            running: HashSet::new(),
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
            self.incidents.apply(record);
            match &record.change {
                Change::Opened { .. } | Change::Reopened { .. } => {
                    update.opened.push(record.incident.clone());
                    if self.wants(&record.incident) {
                        self.queue.push_back(record.incident.clone());
                    }
                }
                Change::ResolvedAtSource => update.resolved.push(record.incident.clone()),
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
        self.options.investigate == Investigate::Auto
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
        let free = self
            .options
            .max_concurrent
            .saturating_sub(self.running.len());
        while out.len() < free {
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            if let Some(incident) = self.incidents.get(&id)
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
        self.running.insert(session.to_string());
    }

    /// A session ended (or could not start); its slot is free.
    pub fn finished(&mut self, session: &str) {
        self.running.remove(session);
    }

    /// Sessions running now.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}
