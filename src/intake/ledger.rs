//! How a writer of the inbox decides alerts: inside the store's transaction
//! ([`Store::decide`](crate::store::Store::decide)) it reads the incidents that hold the
//! batch's dedup keys (the store's index, not a copy of every incident), decides each alert
//! with the one rule in `dedup` against them and what the batch itself did, and returns the
//! records. So the receiver and a paste in any process agree on which incident an alert
//! belongs to, and nothing here grows with the number of incidents stored.
//!
//! Two more things it uses, both bounded:
//! - when the source said a resolved incident ended (kept on the incident), and resolves of
//!   alerts it never opened an incident for (remembered here, at most
//!   [`MAX_ENDED_UNKNOWN`]), so a late delivery of a firing (the source says it started no
//!   later than it ended) neither reopens the incident nor opens one that no resolve will ever
//!   close. Only the source's own times are compared: a resolve without one (Zabbix, generic)
//!   is not judged against this machine's clock;
//! - with a window (the receiver's `inbox_window_secs`), incidents opened within it that
//!   resolved at the source and were not taken up still count against the inbox capacity
//!   ([`Batch::unattended`], a store query), so fire-then-resolve cycles cannot pile up
//!   incidents.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::dedup::{self, Decision};
use super::{Outcome, OutcomeKind};
use crate::alert::{Alert, Status};
use crate::store::{
    Change, DedupKey, Foreseen, InboxRecord, Incident, Incidents, Lookup, StoreError,
};

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

/// What one writer keeps between transactions: its id maker, the window and the resolves of
/// keys it never opened.
pub(crate) struct Ledger {
    ids: IdMaker,
    /// Keys resolved while no incident had them, and when the source said they ended.
    ended_unknown: HashMap<DedupKey, DateTime<Utc>>,
    ended_order: VecDeque<DedupKey>,
    /// Incidents opened within this long still count while they linger (None: not counted).
    window: Option<chrono::Duration>,
}

/// One transaction's view: the incidents the batch's alerts touch, as read from the store
/// and changed by the batch so far, and the inbox counts moved along with them.
pub(crate) struct Batch<'a> {
    ledger: &'a mut Ledger,
    incidents: Incidents,
    since: Option<DateTime<Utc>>,
    unattended: i64,
    pending: i64,
}

/// Counts of each [`OutcomeKind`], in declaration order.
pub(crate) type Counts = [u64; 5];

impl Ledger {
    pub(crate) fn new() -> Ledger {
        Ledger {
            ids: IdMaker::new(),
            ended_unknown: HashMap::new(),
            ended_order: VecDeque::new(),
            window: None,
        }
    }

    /// A ledger that also counts the incidents opened within `window` ([`Batch::unattended`]).
    pub(crate) fn with_window(window: std::time::Duration) -> Ledger {
        let mut ledger = Ledger::new();
        ledger.window = Some(chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX));
        ledger
    }

    /// What [`Ledger::begin`] will ask the lookup for `alerts` at `now` (it asks this).
    pub(crate) fn foresee<'b>(
        &self,
        alerts: impl IntoIterator<Item = &'b Alert>,
        now: DateTime<Utc>,
    ) -> Foreseen {
        Foreseen {
            keys: alerts.into_iter().map(dedup::key_of).collect(),
            lingering_since: self.since(now),
        }
    }

    /// Where the window of incidents that still count against the capacity starts.
    fn since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.window.and_then(|w| now.checked_sub_signed(w))
    }

    /// Start deciding inside a transaction: read the incidents that hold the keys
    /// [`Ledger::foresee`] found and the inbox counts.
    pub(crate) fn begin<'a>(
        &'a mut self,
        lookup: &mut dyn Lookup,
        foreseen: &Foreseen,
    ) -> Result<Batch<'a>, StoreError> {
        let since = foreseen.lingering_since;
        let pending = lookup.pending()?;
        let unattended = match since {
            Some(since) => pending + lookup.lingering(since)?,
            None => pending,
        };
        let mut incidents = Incidents::default();
        for incident in lookup.by_keys(&foreseen.keys)? {
            incidents.insert(incident);
        }
        Ok(Batch {
            ledger: self,
            incidents,
            since,
            unattended: i64::try_from(unattended).unwrap_or(i64::MAX),
            pending: i64::try_from(pending).unwrap_or(i64::MAX),
        })
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
}

impl Batch<'_> {
    /// Whether `incident` counts against the inbox capacity.
    fn counts(&self, incident: &Incident) -> bool {
        incident.is_pending()
            || (self.since.is_some_and(|since| incident.opened_at >= since)
                && incident.ended_untaken())
    }

    /// Incidents nobody has taken up that count against the inbox capacity: the pending ones,
    /// and those opened within the window that ended at the source untouched.
    pub(crate) fn unattended(&self) -> usize {
        usize::try_from(self.unattended).unwrap_or(0)
    }

    /// Incidents open at the source and not taken up, after this batch so far.
    pub(crate) fn pending(&self) -> usize {
        usize::try_from(self.pending).unwrap_or(0)
    }

    /// The incidents this batch read or changed, as they stand.
    pub(crate) fn into_incidents(self) -> Incidents {
        self.incidents
    }

    /// What `alert` does: the dedup rule, except that a firing the source says started no
    /// later than the source said the alert ended is late: it repeats a resolved incident
    /// instead of reopening it, and opens none for a key resolved with no incident.
    fn decision(&self, alert: &Alert) -> Decision {
        let late = |ended: Option<&DateTime<Utc>>| {
            ended.is_some_and(|ended| dedup::fired_at(alert).is_some_and(|f| f <= *ended))
        };
        match dedup::decide(&self.incidents, alert) {
            Decision::Reopen(id)
                if late(
                    self.incidents
                        .get(&id)
                        .and_then(|i| i.ended_by_source.as_ref()),
                ) =>
            {
                Decision::Repeat(id)
            }
            Decision::Open(key) if late(self.ledger.ended_unknown.get(&key)) => Decision::Ignore,
            decision => decision,
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
                        self.ledger.remember_ended(dedup::key_of(&alert), ended);
                    }
                    Decision::Ignore
                }
                decision => decision,
            };
            let (change, kind) = match decision {
                Decision::Open(key) => (
                    Some((
                        self.ledger.ids.make(),
                        Change::Opened {
                            key,
                            alert: Arc::new(alert),
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
                            alert: Arc::new(alert),
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
        let before = self
            .incidents
            .get(&record.incident)
            .map(|i| (self.counts(i), i.is_pending()));
        self.incidents.apply(&record);
        let after = self
            .incidents
            .get(&record.incident)
            .map(|i| (self.counts(i), i.is_pending()));
        let (before, after) = (before.unwrap_or_default(), after.unwrap_or_default());
        self.unattended += i64::from(after.0) - i64::from(before.0);
        self.pending += i64::from(after.1) - i64::from(before.1);
        records.push(record);
    }
}

/// When a resolved alert says it ended ([`Alert::ended_at`]), if that is no later than `now`:
/// a source clock ahead of ours, or a payload that claims a future end, falls back to when the
/// notice arrived.
fn ended_at(alert: &Alert, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    alert.ended_at().filter(|ended| *ended <= now)
}
