//! The inbox in PostgreSQL: records in `inbox` (ordered by `seq`, the cursor), incidents in
//! `incidents` with the dedup key as a unique constraint. Appends are serialized by a
//! transaction-level advisory lock, so `seq` order is commit order and a reader following
//! `seq > cursor` never skips a record committed late. Every append notifies
//! [`CHANNEL`] in the same transaction.
//!
//! Several receivers may decide the same alert at once, each against its own view. The
//! database has the last word: an `Opened` whose key already exists becomes a repeat (or a
//! reopen) of the existing incident, and later records for the id that lost are redirected
//! to the winner (`aliases`). A resolve of an incident already resolved becomes a repeat.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_postgres::Client;

use super::db;
use crate::store::{Change, Cursor, InboxRecord, StoreError};

/// The NOTIFY channel every append signals.
pub const CHANNEL: &str = "opsassist_board";
/// Advisory lock key that serializes inbox appends.
const INBOX_LOCK: i64 = 0x6f70_7361_0002;

fn kind(change: &Change) -> &'static str {
    match change {
        Change::Opened { .. } => "opened",
        Change::Repeated => "repeated",
        Change::ResolvedAtSource => "resolved_at_source",
        Change::Reopened { .. } => "reopened",
        Change::Claimed { .. } => "claimed",
        Change::Started { .. } => "started",
        Change::Snapshot { .. } => "snapshot",
    }
}

/// Incident ids that lost a dedup race, and the id that won.
pub type Aliases = Mutex<HashMap<String, String>>;

/// Seq ranges (inclusive) this process appended, for [`read_from`] with `skip`.
pub type Own = Mutex<Vec<(i64, i64)>>;

/// Append `records` in one transaction; returns the cursor range they landed in.
pub async fn append(
    client: &mut Client,
    aliases: &Aliases,
    own: &Own,
    records: &[InboxRecord],
) -> Result<std::ops::Range<Cursor>, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INBOX_LOCK])
        .await
        .map_err(db)?;
    let insert_incident = tx
        .prepare(
            "INSERT INTO incidents (id, source, fingerprint, firing, opened_at)
             VALUES ($1, $2, $3, TRUE, $4)
             ON CONFLICT (source, fingerprint) DO NOTHING RETURNING id",
        )
        .await
        .map_err(db)?;
    let insert = tx
        .prepare(
            "INSERT INTO inbox (at, incident, kind, record) VALUES ($1, $2, $3, $4) RETURNING seq",
        )
        .await
        .map_err(db)?;
    let mut first: Option<i64> = None;
    let mut last: i64 = 0;
    for record in records {
        let mut record = record.clone();
        let redirected = aliases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&record.incident)
            .cloned();
        if let Some(id) = redirected {
            record.incident = id;
        }
        reconcile(&tx, &insert_incident, aliases, &mut record).await?;
        let json = serde_json::to_value(&record).map_err(|e| StoreError::Encode(e.to_string()))?;
        let row = tx
            .query_one(
                &insert,
                &[&record.at, &record.incident, &kind(&record.change), &json],
            )
            .await
            .map_err(db)?;
        let seq: i64 = row.get(0);
        first.get_or_insert(seq);
        last = seq;
    }
    if let Some(first) = first {
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &last.to_string()])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        own.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((first, last));
        Ok(cursor(first - 1)..cursor(last))
    } else {
        tx.commit().await.map_err(db)?;
        Ok(0..0)
    }
}

fn cursor(seq: i64) -> Cursor {
    u64::try_from(seq).unwrap_or(0)
}

/// Make `record` agree with the incident as the database has it (see the module doc).
async fn reconcile(
    tx: &tokio_postgres::Transaction<'_>,
    insert_incident: &tokio_postgres::Statement,
    aliases: &Aliases,
    record: &mut InboxRecord,
) -> Result<(), StoreError> {
    match &record.change {
        Change::Opened { key, alert } => {
            let won = tx
                .query_opt(
                    insert_incident,
                    &[
                        &record.incident,
                        &key.source.name(),
                        &key.fingerprint,
                        &record.at,
                    ],
                )
                .await
                .map_err(db)?;
            if won.is_some() {
                return Ok(());
            }
            let row = tx
                .query_one(
                    "SELECT id, firing FROM incidents WHERE source = $1 AND fingerprint = $2",
                    &[&key.source.name(), &key.fingerprint],
                )
                .await
                .map_err(db)?;
            let id: String = row.get(0);
            let firing: bool = row.get(1);
            aliases
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(record.incident.clone(), id.clone());
            let change = if firing {
                Change::Repeated
            } else {
                set_firing(tx, &id, true).await?;
                Change::Reopened {
                    alert: alert.clone(),
                }
            };
            record.incident = id;
            record.change = change;
        }
        Change::Reopened { .. } => {
            if firing_of(tx, &record.incident).await? == Some(true) {
                record.change = Change::Repeated;
            } else {
                set_firing(tx, &record.incident, true).await?;
            }
        }
        Change::ResolvedAtSource => {
            if firing_of(tx, &record.incident).await? == Some(false) {
                record.change = Change::Repeated;
            } else {
                set_firing(tx, &record.incident, false).await?;
            }
        }
        // Snapshots come from a files inbox's compaction (`store migrate` copies them as
        // they are); they carry absolute state, nothing to reconcile.
        Change::Repeated
        | Change::Claimed { .. }
        | Change::Started { .. }
        | Change::Snapshot { .. } => {}
    }
    Ok(())
}

async fn firing_of(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
) -> Result<Option<bool>, StoreError> {
    Ok(tx
        .query_opt("SELECT firing FROM incidents WHERE id = $1", &[&id])
        .await
        .map_err(db)?
        .map(|r| r.get(0)))
}

async fn set_firing(
    tx: &tokio_postgres::Transaction<'_>,
    id: &str,
    firing: bool,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE incidents SET firing = $2 WHERE id = $1",
        &[&id, &firing],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// Every record after `cursor` (without this process's own when `skip` is given), and the
/// cursor after the last one.
pub async fn read_from(
    client: &Client,
    cursor: Cursor,
    skip: Option<&Own>,
) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
    let from = i64::try_from(cursor).unwrap_or(i64::MAX);
    let rows = client
        .query(
            "SELECT seq, record FROM inbox WHERE seq > $1 ORDER BY seq",
            &[&from],
        )
        .await
        .map_err(db)?;
    let mut next = cursor;
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        let seq: i64 = row.get(0);
        let value: serde_json::Value = row.get(1);
        next = super::inbox::cursor(seq);
        if let Some(own) = skip {
            let own = own.lock().unwrap_or_else(|p| p.into_inner());
            if own.iter().any(|(a, b)| (*a..=*b).contains(&seq)) {
                continue;
            }
        }
        match serde_json::from_value::<InboxRecord>(value) {
            Ok(record) => records.push(record),
            Err(e) => tracing::warn!("inbox: skipping an unreadable record (seq {seq}): {e}"),
        }
    }
    Ok((records, next))
}

/// Record that `by` took `incident` up unless someone did since it last (re)opened: the
/// check and the insert happen in one transaction under the inbox lock.
pub async fn take_up(
    client: &mut Client,
    aliases: &Aliases,
    incident: &str,
    by: &str,
) -> Result<bool, StoreError> {
    let incident = aliases
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(incident)
        .cloned()
        .unwrap_or_else(|| incident.to_string());
    let tx = client.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INBOX_LOCK])
        .await
        .map_err(db)?;
    let last = tx
        .query_opt(
            "SELECT kind FROM inbox WHERE incident = $1
               AND kind IN ('opened', 'reopened', 'claimed')
             ORDER BY seq DESC LIMIT 1",
            &[&incident],
        )
        .await
        .map_err(db)?;
    if !matches!(
        last.map(|r| r.get::<_, String>(0)).as_deref(),
        Some("opened" | "reopened")
    ) {
        return Ok(false);
    }
    let record = InboxRecord {
        at: chrono::Utc::now(),
        incident,
        change: Change::Claimed { by: by.to_string() },
    };
    let json = serde_json::to_value(&record).map_err(|e| StoreError::Encode(e.to_string()))?;
    let row = tx
        .query_one(
            "INSERT INTO inbox (at, incident, kind, record)
             VALUES ($1, $2, 'claimed', $3) RETURNING seq",
            &[&record.at, &record.incident, &json],
        )
        .await
        .map_err(db)?;
    let seq: i64 = row.get(0);
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(true)
}
