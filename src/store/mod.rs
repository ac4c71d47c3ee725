//! The storage boundary for incidents: the [`Store`] trait (intake inbox, dedup keys, claims)
//! and the incident state derived from the inbox records; [`Board`] (leased claims, change
//! notifications). [`SqliteStore`] keeps them in `DATA_DIR/store.db` (the default, shared by
//! every process on the machine); [`FileStore`] in the legacy JSONL inbox of the data dir
//! (`[store] kind = "files"`, and the source of `store migrate --from files`); [`PgStore`] in
//! one PostgreSQL database shared by a team (it also holds session events and the audit chain
//! through `session::log::EventSink` and `audit::AuditSink`). [`open`] picks one from
//! `[store]`.
//!
//! The inbox is an append-only sequence of [`InboxRecord`]s. Every incident, its alert, its
//! repeat count, resolve-at-source and claim by a session is one record, so any process can
//! rebuild [`Incidents`] by reading the records in order and follow new ones from a cursor.
//! Session event logs and the audit chain keep their file formats in their own modules; in
//! team mode their writers also commit to the database (see [`PgStore`]). Corrections go to
//! the database instead of the file in team mode (`session::corrections`).

pub mod board;
mod files;
mod files_board;
mod incident;
pub mod open;
mod operator;
pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::{Alert, Source};

pub use board::{Board, Claim, ClaimOutcome};
pub use files::FileStore;
pub use files::compact::{Compacted, open_or_recent, snapshot_of};
pub use incident::{Incident, IncidentState, Incidents};
pub use open::{Opened, inbox_or_files, open};
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
    /// Another process already receives alerts into this data dir.
    #[error("another opsassist process is already receiving alerts into {0}")]
    ReceiverBusy(std::path::PathBuf),
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
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new incident, from the first alert with this key.
    Opened { key: DedupKey, alert: Box<Alert> },
    /// The same alert again while the incident is open: count and last-seen move.
    Repeated,
    /// The source says the alert ended. `ended` is when, if the payload said so
    /// ([`Alert::ended_at`]), never later than the record; without it the record's own time
    /// (when the notice arrived) stands for it.
    ResolvedAtSource {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended: Option<DateTime<Utc>>,
    },
    /// The alert fired again after it was resolved at source: the same incident reopens.
    Reopened { alert: Box<Alert> },
    /// A console took the incident up (auto-start or the operator); `by` names the claimant.
    Claimed { by: String },
    /// The claimant started this model session for it.
    Started { session: String },
    /// Inbox compaction's record of the incident as it stood: it replaces whatever a reader
    /// had for this id (count, state, claim and sessions are absolute, not increments).
    Snapshot {
        incident: Box<Incident>,
        /// Reopen times inside the flapping window.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recent_reopens: Vec<DateTime<Utc>>,
    },
}

/// Where a reader is in the inbox. For [`SqliteStore`] and [`PgStore`]: the `seq` of the last
/// record read (never reset). For [`FileStore`]: the inbox generation in the top
/// [`GENERATION_BITS`] bits and a byte offset below them; 0 is the start of any generation.
pub type Cursor = u64;

/// Bits of a [`Cursor`] that hold the inbox generation (bumped by each compaction).
pub const GENERATION_BITS: u32 = 24;

/// The inbox generation a cursor belongs to.
pub fn cursor_generation(cursor: Cursor) -> u64 {
    cursor >> (64 - GENERATION_BITS)
}

/// True when a read from `before` that returned `after` started over in a new generation
/// (the inbox was compacted): the records begin with snapshots, so rebuild from them
/// instead of applying them on top of what was read before.
pub fn is_reset(before: Cursor, after: Cursor) -> bool {
    before != 0 && cursor_generation(before) != cursor_generation(after)
}

/// Everything that stores incidents: the receiver, every console and (later) team mode.
pub trait Store: Send + Sync {
    /// Append `records` durably, in order: returns only once they are on disk (one sync for
    /// the whole batch, so callers group-commit by passing many records). The range is where
    /// they landed: a reader at `range.start` that reads up to `range.end` sees exactly them.
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError>;

    /// Every complete record from `cursor` on, and the cursor after the last one. A record
    /// still being written is left for the next call.
    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError>;

    /// The exclusive right to receive (and so to dedup) alerts for this store, held until the
    /// returned guard is dropped. A second receiver gets [`StoreError::ReceiverBusy`].
    fn lock_receiver(&self) -> Result<Box<dyn Send + Sync>, StoreError>;

    /// Record that `by` took up `incident`, unless someone already did since the incident last
    /// (re)opened. True when this call made the claim. Atomic across processes.
    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError>;

    /// Read what other writers appended since `cursor`, hand it to `decide` (with true when
    /// the read started over after a compaction, see [`is_reset`]) and append what it
    /// returns, with no other append in between, across processes: this is how two writers
    /// (the receiver and a paste) share one dedup state. Returns the cursor after both.
    /// The default is not atomic across processes; stores that can be should override it.
    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>, bool) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        let (records, next) = self.read_from(cursor)?;
        let reset = is_reset(cursor, next);
        let out = decide(records, reset);
        if out.is_empty() {
            return Ok(next);
        }
        let range = self.append(&out)?;
        Ok(if range.start == next { range.end } else { next })
    }

    /// Housekeeping the receiver runs at start and between batches; [`FileStore`] compacts
    /// an inbox that grew past its limit. True when it did something.
    fn maintain(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// [`Store::maintain`] for a caller that keeps every incident in memory, current up to
    /// `cursor` (the intake writer's ledger). A store that compacts does it under its lock:
    /// `snapshot` gets what others appended since `cursor` (with true when the read started
    /// over) and returns the records the compacted store should hold, so the store need not
    /// read and parse its whole log again. Returns the cursor after the compacted store, or
    /// `None` when nothing was done. The default runs [`Store::maintain`] (its caller then
    /// catches up from its old cursor as after any compaction).
    fn maintain_from(
        &self,
        cursor: Cursor,
        snapshot: &mut dyn FnMut(Vec<InboxRecord>, bool) -> Vec<InboxRecord>,
    ) -> Result<Option<Cursor>, StoreError> {
        let _ = (cursor, snapshot);
        self.maintain().map(|_| None)
    }

    /// True when other receivers may write to this store too (team mode): the intake writer
    /// then follows their records, not only claims.
    fn is_shared(&self) -> bool {
        false
    }

    /// [`Store::read_from`] without the records this process appended itself (a shared
    /// store's receivers follow each other with it). The default is every record.
    fn read_others_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        self.read_from(cursor)
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
