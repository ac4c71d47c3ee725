//! The storage boundary for incidents: the [`Store`] trait (intake inbox, dedup keys, claims)
//! and the incident state derived from the inbox records; [`Board`] (leased claims, change
//! notifications). [`SqliteStore`] keeps them in `DATA_DIR/store.db` (the default, shared by
//! every process on the machine); [`PgStore`] in one PostgreSQL database shared by a team (it
//! also holds session events and the audit chain through `session::log::EventSink` and
//! `audit::AuditSink`). [`open`] picks one from
//! `[store]`. [`legacy_inbox`] reads the JSONL inbox an older release left in a data dir, for
//! `store migrate --from files` and the import on the first open of `store.db`.
//!
//! The inbox is an append-only sequence of [`InboxRecord`]s. Every incident, its alert, its
//! repeat count, resolve-at-source and claim by a session is one record, so any process can
//! follow new ones from a cursor. Writers decide against the committed incidents through
//! [`Store::decide`]'s [`Lookup`] (by dedup key); both stores keep each incident as a row
//! beside the records, written in the same transaction, so lookups, the waiting list and a
//! follower's start ([`Store::followed_from`]) are indexed queries.
//! Session event logs and the audit chain keep their file formats in their own modules; in
//! team mode their writers also commit to the database (see [`PgStore`]). Corrections go to
//! the database instead of the file in team mode (`session::corrections`).

pub mod board;
mod flat;
mod incident;
pub mod legacy_inbox;
pub mod open;
mod operator;
pub mod postgres;
mod recent;
pub mod sqlite;
pub(crate) mod time_text;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{Alert, Source};

pub use board::{Board, Claim, ClaimOutcome};
pub use incident::{Incident, IncidentState, Incidents};
pub use open::{Opened, inbox_or_local, open};
pub use operator::{operator_from_env, set_configured_operator};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode an inbox record: {0}")]
    Encode(String),
    /// The database refused or the connection failed.
    #[error("store database: {0}")]
    Db(String),
    /// The database was reached and refused the credentials, or asked for a password and
    /// had none: not "unreachable".
    #[error("store database: {0}")]
    Auth(String),
}

/// The dedup key of an incident: the alert's source and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredDedupKey")]
pub struct DedupKey {
    pub source: Source,
    pub fingerprint: String,
}

/// A [`DedupKey`] as stored. Docker incidents recorded before `Source::Docker` existed say
/// `generic` with a `docker:` fingerprint: they read back as `docker`, so the watcher's
/// repeat and resolve notices still find them.
#[derive(Deserialize)]
struct StoredDedupKey {
    source: Source,
    fingerprint: String,
}

impl From<StoredDedupKey> for DedupKey {
    fn from(stored: StoredDedupKey) -> DedupKey {
        let source = match stored.source {
            Source::Generic if stored.fingerprint.starts_with("docker:") => Source::Docker,
            source => source,
        };
        DedupKey {
            source,
            fingerprint: stored.fingerprint,
        }
    }
}

impl std::hash::Hash for DedupKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.name().hash(state);
        self.fingerprint.hash(state);
    }
}

/// One durable inbox entry: what happened to which incident, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxRecord {
    #[serde(serialize_with = "time_text::serialize")]
    pub at: DateTime<Utc>,
    /// Incident id (`inc-…`).
    pub incident: String,
    pub change: Change,
}

impl InboxRecord {
    /// When the source says this happened: the end time a resolve notice carries, else when
    /// the record was written.
    pub fn source_time(&self) -> DateTime<Utc> {
        match &self.change {
            Change::ResolvedAtSource { ended: Some(ended) } => *ended,
            _ => self.at,
        }
    }
}

/// What an [`InboxRecord`] changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "flat::FlatChange")]
pub enum Change {
    /// A new incident, from the first alert with this key.
    Opened { key: DedupKey, alert: Arc<Alert> },
    /// The same alert again while the incident is open: count and last-seen move.
    Repeated,
    /// The source says the alert ended. `ended` is when, if the payload said so
    /// ([`Alert::ended_at`]), never later than the record; without it the record's own time
    /// (when the notice arrived) stands for it.
    ResolvedAtSource {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "time_text::serialize_option"
        )]
        ended: Option<DateTime<Utc>>,
    },
    /// The alert fired again after it was resolved at source: the same incident reopens.
    Reopened { alert: Arc<Alert> },
    /// A console took the incident up (auto-start or the operator); `by` names the claimant.
    Claimed { by: String },
    /// The claimant started this model session for it.
    Started { session: String },
    /// The legacy JSONL inbox's compaction record of the incident as it stood: it replaces
    /// whatever a reader had for this id (count, state, claim and sessions are absolute, not
    /// increments). No store writes it any more; inboxes imported from an older release hold
    /// it, as it was.
    Snapshot {
        incident: Box<Incident>,
        /// Reopen times inside the flapping window.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recent_reopens: Vec<DateTime<Utc>>,
    },
}

/// Where a reader is in the inbox: the `seq` of the last record read (never reset); 0 is
/// the start.
pub type Cursor = u64;

/// What a writer reads inside [`Store::decide`]'s transaction: the committed incidents it
/// decides against, found by key (the store's unique index), never all of them.
pub trait Lookup {
    /// The incidents that hold these dedup keys (those that exist).
    fn by_keys(&mut self, keys: &[DedupKey]) -> Result<Vec<Incident>, StoreError>;

    /// Incidents open at the source and not taken up: the inbox depth.
    fn pending(&mut self) -> Result<usize, StoreError>;

    /// Incidents opened at or after `since` that ended at the source without being taken up
    /// (they still count against the inbox capacity).
    fn lingering(&mut self, since: DateTime<Utc>) -> Result<usize, StoreError>;
}

/// What a decision will ask its [`Lookup`] first, known before its transaction begins. A
/// store on a server reads it in the same round trip that takes the lock; the answers are
/// the ones the [`Lookup`] would give, only sooner.
#[derive(Debug, Default, Clone)]
pub struct Foreseen {
    /// The dedup keys of the batch ([`Lookup::by_keys`]).
    pub keys: Vec<DedupKey>,
    /// The `since` of [`Lookup::lingering`], when the decision asks it.
    pub lingering_since: Option<DateTime<Utc>>,
}

/// What [`Store::decide`] runs inside its transaction: the records to append, or an error
/// that rolls it back.
pub type Decide<'a> = dyn FnMut(&mut dyn Lookup) -> Result<Vec<InboxRecord>, StoreError> + 'a;

/// Everything that stores incidents: the receiver, every console and (later) team mode.
pub trait Store: Send + Sync {
    /// Append `records` durably, in order: returns only once they are on disk (one sync for
    /// the whole batch, so callers group-commit by passing many records). The range is where
    /// they landed: a reader at `range.start` that reads up to `range.end` sees exactly them.
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError>;

    /// Every complete record from `cursor` on, and the cursor after the last one. A record
    /// still being written is left for the next call.
    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError>;

    /// Record that `by` took up `incident`, unless someone already did since the incident last
    /// (re)opened. True when this call made the claim. Atomic across processes.
    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError>;

    /// Read what other writers appended since `cursor`, hand it to `decide` and append what it
    /// returns, with no other append in between, across processes: this is how two writers
    /// (the receiver and a paste) share one dedup state. Returns the cursor after both.
    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError>;

    /// Hand `decide` a [`Lookup`] of the committed incidents and append the records it
    /// returns, with no other write in between, across processes: the receiver and every
    /// paste decide which incident an alert belongs to this way. An error from `decide`
    /// rolls back and is returned.
    fn decide(&self, decide: &mut Decide<'_>) -> Result<(), StoreError>;

    /// [`Store::decide`], told what `decide` will ask first. An embedded store has nothing to
    /// gain and decides as usual.
    fn decide_foreseen(
        &self,
        foreseen: &Foreseen,
        decide: &mut Decide<'_>,
    ) -> Result<(), StoreError> {
        let _ = foreseen;
        self.decide(decide)
    }

    /// The incident with this id, as committed.
    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        Ok(self.incidents()?.get(id).cloned())
    }

    /// Every incident from `source` that holds its dedup key (the Docker watcher's start).
    fn of_source(&self, source: Source) -> Result<Incidents, StoreError> {
        let mut found = Incidents::default();
        for incident in self.incidents()?.iter() {
            if incident.key.source == source {
                found.insert(incident.clone());
            }
        }
        Ok(found)
    }

    /// The incident a model session was started for.
    fn incident_of_session(&self, session: &str) -> Result<Option<Incident>, StoreError> {
        Ok(self
            .incidents()?
            .iter()
            .find(|i| i.sessions.iter().any(|s| s == session))
            .cloned())
    }

    /// What a follower starts from: the cursor now, and at most `limit` of the oldest waiting
    /// incidents plus at most `limit` of the newest (in first-opened order), not every
    /// incident. The default replays the inbox and returns them all.
    fn followed_from(&self, limit: usize) -> Result<(Incidents, Cursor), StoreError> {
        let _ = limit;
        let (records, cursor) = self.read_from(0)?;
        let mut incidents = Incidents::default();
        for record in &records {
            incidents.apply(record);
        }
        Ok((incidents, cursor))
    }

    /// At most `limit` waiting incidents (open, not taken up), oldest first, and how many
    /// wait in all.
    fn waiting(&self, limit: usize) -> Result<(Vec<Incident>, usize), StoreError> {
        let incidents = self.incidents()?;
        let list = incidents
            .iter()
            .filter(|i| i.is_pending())
            .take(limit)
            .cloned()
            .collect();
        Ok((list, incidents.pending()))
    }

    /// True when [`Store::incident`], [`Store::waiting`] and [`Store::followed_from`] are indexed
    /// queries (a follower may then forget incidents and ask again), not a replay.
    fn indexed(&self) -> bool {
        false
    }

    /// Every incident, rebuilt from the records.
    fn incidents(&self) -> Result<Incidents, StoreError> {
        let (records, _) = self.read_from(0)?;
        let mut incidents = Incidents::default();
        for record in &records {
            incidents.apply(record);
        }
        Ok(incidents)
    }
}

#[cfg(test)]
mod tests;
