//! The inbox in PostgreSQL: records in `inbox` (ordered by `seq`, the cursor), incidents in
//! `incidents` (see `incident_rows`) with the dedup key under a unique index. Appends are serialized by a
//! transaction-level advisory lock, so `seq` order is commit order and a reader following
//! `seq > cursor` never skips a record committed late. Every append notifies
//! [`CHANNEL`] in the same transaction. This file reads the records and claims incidents;
//! `write` appends (batched) and `transact` is the atomic read-decide-append.

use std::collections::HashMap;
use std::sync::Mutex;

use deadpool_postgres::Pool;
use tokio_postgres::Client;

use super::db;
use super::incident_rows::{self, Known};
use super::write::{Appends, Locked, write};
use crate::store::recent::RecentWrites;
use crate::store::{Change, Cursor, InboxRecord, StoreError};

/// The NOTIFY channel every append signals.
pub const CHANNEL: &str = "opsassist_board";
/// Advisory lock key that serializes inbox appends.
pub const INBOX_LOCK: i64 = 0x6f70_7361_0002;

pub fn kind(change: &Change) -> &'static str {
    match change {
        Change::Opened { .. } => "opened",
        Change::Repeated => "repeated",
        Change::ResolvedAtSource { .. } => "resolved_at_source",
        Change::Reopened { .. } => "reopened",
        Change::Claimed { .. } => "claimed",
        Change::Started { .. } => "started",
        Change::Snapshot { .. } => "snapshot",
    }
}

/// Incident ids that lost a dedup race, and the id that won.
pub type Aliases = Mutex<HashMap<String, String>>;

/// The cursor after `seq`.
pub fn cursor(seq: i64) -> Cursor {
    u64::try_from(seq).unwrap_or(0)
}

/// Every record after `cursor`, and the cursor after the last one. The records `recent`
/// holds (this process committed them) are taken as they were written: their text is
/// neither sent nor parsed; those it no longer holds are read in one more query.
pub async fn read_from(
    client: &Client,
    from: Cursor,
    recent: &RecentWrites,
) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
    let after = i64::try_from(from).unwrap_or(i64::MAX);
    let lowest = recent.lowest().unwrap_or(i64::MAX);
    let rows = client
        .query_typed(
            // As text, read in one pass (not a JSON tree first, then the record).
            "SELECT seq, CASE WHEN seq >= $2 THEN NULL ELSE record::text END
               FROM inbox WHERE seq > $1 ORDER BY seq",
            &[
                (&after, tokio_postgres::types::Type::INT8),
                (&lowest, tokio_postgres::types::Type::INT8),
            ],
        )
        .await
        .map_err(db)?;
    let mut next = from;
    let mut read: Vec<(i64, Option<InboxRecord>)> = Vec::with_capacity(rows.len());
    let mut missing = Vec::new();
    for row in rows {
        let seq: i64 = row.try_get(0).map_err(db)?;
        let text: Option<&str> = row.try_get(1).map_err(db)?;
        next = cursor(seq);
        let record = match text {
            Some(text) => decode(seq, text),
            None => {
                let held = recent.get(seq);
                if held.is_none() {
                    missing.push(seq);
                }
                held
            }
        };
        read.push((seq, record));
    }
    if !missing.is_empty() {
        // Left out as held, and trimmed (or dropped by another handle's push) since.
        let rows = client
            .query_typed(
                "SELECT seq, record::text FROM inbox WHERE seq = ANY($1)",
                &[(&missing, tokio_postgres::types::Type::INT8_ARRAY)],
            )
            .await
            .map_err(db)?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get(0).map_err(db)?;
            let text: &str = row.try_get(1).map_err(db)?;
            found.insert(seq, decode(seq, text));
        }
        for (seq, record) in &mut read {
            if record.is_none() {
                *record = found.remove(seq).flatten();
            }
        }
    }
    Ok((read.into_iter().filter_map(|(_, r)| r).collect(), next))
}

/// The record stored as JSON text at `seq`; None (with a warning) when it cannot be read.
pub fn decode(seq: i64, json: &str) -> Option<InboxRecord> {
    match serde_json::from_str::<InboxRecord>(json) {
        Ok(record) => Some(record),
        Err(e) => {
            tracing::warn!("inbox: skipping an unreadable record (seq {seq}): {e}");
            None
        }
    }
}

/// Record that `by` took `incident` up unless someone did since it last (re)opened: the
/// check (its row: not claimed) and the insert happen in one transaction under the inbox lock.
pub async fn take_up(
    pool: &Pool,
    appends: &Appends,
    incident: &str,
    by: &str,
) -> Result<bool, StoreError> {
    let incident = appends
        .aliases
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(incident)
        .cloned()
        .unwrap_or_else(|| incident.to_string());
    let mut locked = Locked::begin(pool).await?;
    let Some(row) = incident_rows::get_row(locked.client()?, &incident).await? else {
        locked.insert_and_commit(&[], &Default::default()).await?;
        return Ok(false);
    };
    if row.0.claimed_by.is_some() {
        locked.insert_and_commit(&[], &Default::default()).await?;
        return Ok(false);
    }
    let record = InboxRecord {
        at: chrono::Utc::now(),
        incident,
        change: Change::Claimed { by: by.to_string() },
    };
    let mut known = Known::default();
    known.insert(row);
    write(&mut locked, appends, vec![record], known).await?;
    Ok(true)
}
