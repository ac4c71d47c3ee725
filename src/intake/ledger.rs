//! The dedup state every writer of the inbox shares: the incidents as of a cursor, caught up
//! inside the store's transaction before each decision, so the receiver and a paste in any
//! process agree on which incident an alert belongs to. [`Ledger::decide`] turns alerts into
//! inbox records with the one rule in `dedup`.

use chrono::{DateTime, Utc};

use super::dedup::{self, Decision};
use super::{Outcome, OutcomeKind};
use crate::alert::Alert;
use crate::store::{Change, Cursor, InboxRecord, Incidents};

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
                crate::session::random_hex(3)
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
}

/// Counts of each [`OutcomeKind`], in declaration order.
pub(crate) type Counts = [u64; 5];

impl Ledger {
    pub(crate) fn new() -> Ledger {
        Ledger {
            incidents: Incidents::default(),
            cursor: 0,
            ids: IdMaker::new(),
        }
    }

    /// Apply what other writers appended (`reset`: the read started over after a compaction).
    pub(crate) fn catch_up(&mut self, records: Vec<InboxRecord>, reset: bool) {
        if reset {
            self.incidents = Incidents::default();
        }
        for record in &records {
            self.incidents.apply(record);
        }
    }

    /// Forget everything (after a failed write): the next transaction reads from the start.
    pub(crate) fn forget(&mut self) {
        self.incidents = Incidents::default();
        self.cursor = 0;
    }

    /// How many of `alerts` would open a new incident.
    pub(crate) fn new_incidents(&self, alerts: &[Alert]) -> usize {
        alerts
            .iter()
            .filter(|a| matches!(dedup::decide(&self.incidents, a), Decision::Open(_)))
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
            let decision = match dedup::decide(&self.incidents, &alert) {
                Decision::Ignore if claim_as.is_some() => Decision::Open(dedup::key_of(&alert)),
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
        self.incidents.apply(&record);
        records.push(record);
    }
}

/// When a resolved alert says it ended ([`Alert::ended_at`]), if that is no later than `now`:
/// a source clock ahead of ours, or a payload that claims a future end, falls back to when the
/// notice arrived.
fn ended_at(alert: &Alert, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    alert.ended_at().filter(|ended| *ended <= now)
}
