//! The `incidents` table: every incident as its inbox records made it, written in the same
//! transaction as the records (never behind them). The dedup key sits under a unique index
//! (one live holder per key), the waiting ones under a partial index and a counter, and each
//! session's incident in `incident_sessions`, so a writer decides an alert by one indexed
//! lookup and nothing keeps every incident in memory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::db;
use crate::store::{
    Change, DedupKey, InboxRecord, Incident, IncidentState, Incidents, Lookup, StoreError,
};

/// Schema of version 3 (see `schema.rs`); [`backfill`] then fills it from the inbox.
pub const SQL: &str = r#"
CREATE TABLE incidents (
    n             INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    keyed         INTEGER NOT NULL DEFAULT 1,
    opened_ms     INTEGER NOT NULL,
    pending       INTEGER NOT NULL,
    ended_untaken INTEGER NOT NULL,
    body          TEXT NOT NULL
);
CREATE UNIQUE INDEX incidents_key ON incidents (source, fingerprint) WHERE keyed = 1;
CREATE INDEX incidents_waiting ON incidents (n) WHERE pending = 1;
CREATE INDEX incidents_lingering ON incidents (opened_ms) WHERE ended_untaken = 1;
CREATE TABLE incident_sessions (
    session  TEXT PRIMARY KEY,
    incident TEXT NOT NULL
);
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('pending', 0);
"#;

fn decode(id: &str, body: &str) -> Result<Incident, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Db(format!("incident {id}: {e}")))
}

/// Ended at the source and never taken up (counts against the inbox while recent).
fn ended_untaken(incident: &Incident) -> bool {
    matches!(incident.state, IncidentState::ResolvedAtSource { .. })
        && incident.claimed_by.is_none()
}

/// The incident with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Incident>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM incidents WHERE id = ?1")
        .map_err(db)?
        .query_row(params![id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    body.map(|b| decode(id, &b)).transpose()
}

/// The incident that holds `key`.
pub fn by_key(conn: &Connection, key: &DedupKey) -> Result<Option<Incident>, StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT id, body FROM incidents WHERE source = ?1 AND fingerprint = ?2 AND keyed = 1",
        )
        .map_err(db)?
        .query_row(params![key.source.name(), key.fingerprint], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(db)?;
    row.map(|(id, b)| decode(&id, &b)).transpose()
}

/// The incident `session` was started for.
pub fn of_session(conn: &Connection, session: &str) -> Result<Option<Incident>, StoreError> {
    let id: Option<String> = conn
        .prepare_cached("SELECT incident FROM incident_sessions WHERE session = ?1")
        .map_err(db)?
        .query_row(params![session], |r| r.get(0))
        .optional()
        .map_err(db)?;
    match id {
        Some(id) => get(conn, &id),
        None => Ok(None),
    }
}

/// Every incident, in the order they first opened.
pub fn all(conn: &Connection) -> Result<Incidents, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, body FROM incidents ORDER BY n")
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut incidents = Incidents::default();
    while let Some(row) = rows.next().map_err(db)? {
        let id: String = row.get(0).map_err(db)?;
        let body = row.get_ref(1).map_err(db)?.as_str().map_err(db)?;
        incidents.insert(decode(&id, body)?);
    }
    Ok(incidents)
}

/// Every incident from `source` that holds its key, in first-opened order.
pub fn of_source(conn: &Connection, source: crate::alert::Source) -> Result<Incidents, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, body FROM incidents WHERE source = ?1 AND keyed = 1 ORDER BY n")
        .map_err(db)?;
    let mut rows = stmt.query(params![source.name()]).map_err(db)?;
    let mut incidents = Incidents::default();
    while let Some(row) = rows.next().map_err(db)? {
        let id: String = row.get(0).map_err(db)?;
        let body = row.get_ref(1).map_err(db)?.as_str().map_err(db)?;
        incidents.insert(decode(&id, body)?);
    }
    Ok(incidents)
}

/// Open and not taken up: the inbox depth.
pub fn pending(conn: &Connection) -> Result<usize, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT value FROM counters WHERE name = 'pending'")
        .map_err(db)?
        .query_row([], |r| r.get(0))
        .map_err(db)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// [`Lookup`] inside a write transaction; it remembers what it read, so writing the
/// decided records does not read those rows again.
pub struct TxLookup<'a> {
    conn: &'a Connection,
    pub read: Incidents,
}

impl<'a> TxLookup<'a> {
    pub fn new(conn: &'a Connection) -> TxLookup<'a> {
        TxLookup {
            conn,
            read: Incidents::default(),
        }
    }
}

impl Lookup for TxLookup<'_> {
    fn by_keys(&mut self, keys: &[DedupKey]) -> Result<Vec<Incident>, StoreError> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for key in keys {
            if let Some(incident) = by_key(self.conn, key)?
                && seen.insert(incident.id.clone())
            {
                self.read.insert(incident.clone());
                found.push(incident);
            }
        }
        Ok(found)
    }

    fn pending(&mut self) -> Result<usize, StoreError> {
        pending(self.conn)
    }

    fn lingering(&mut self, since: DateTime<Utc>) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM incidents WHERE ended_untaken = 1 AND opened_ms >= ?1",
            )
            .map_err(db)?
            .query_row(params![ms(since)], |r| r.get(0))
            .map_err(db)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// Bring the rows of the incidents `records` touch up to date; `first_seq` is the inbox
/// seq of `records[0]` (the rest follow one by one); `known` holds rows this transaction
/// already read. The caller is inside the transaction that inserted them.
pub fn apply(
    conn: &Connection,
    records: &[InboxRecord],
    first_seq: i64,
    known: Incidents,
) -> Result<(), StoreError> {
    let mut overlay = known;
    let mut loaded = HashSet::new();
    for record in records {
        // A batch's first record of an incident that opens it needs no read: ids are new.
        let opens = matches!(record.change, Change::Opened { .. });
        if loaded.insert(record.incident.as_str())
            && !opens
            && overlay.get(&record.incident).is_none()
            && let Some(incident) = get(conn, &record.incident)?
        {
            overlay.insert(incident);
        }
    }
    let before = overlay.pending();
    // Incidents touched, with the seq of their first record here (a new row's `n`).
    let mut touched: HashMap<&str, i64> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        let seq = first_seq + i64::try_from(i).unwrap_or(0);
        let existed = overlay.get(&record.incident).is_some();
        touched.entry(record.incident.as_str()).or_insert(seq);
        if let Change::Started { session } = &record.change
            && existed
        {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO incident_sessions (session, incident) VALUES (?1, ?2)",
            )
            .map_err(db)?
            .execute(params![session, record.incident])
            .map_err(db)?;
        }
        overlay.apply(record);
    }
    // In record order: of two incidents opened for one key, the later one holds it.
    let mut touched: Vec<(&str, i64)> = touched.into_iter().collect();
    touched.sort_by_key(|(_, n)| *n);
    for (id, n) in touched {
        if let Some(incident) = overlay.get(id) {
            write_row(conn, incident, n)?;
        }
    }
    let delta = i64::try_from(overlay.pending()).unwrap_or(0) - i64::try_from(before).unwrap_or(0);
    if delta != 0 {
        conn.prepare_cached(
            "UPDATE counters SET value = max(0, value + ?1) WHERE name = 'pending'",
        )
        .map_err(db)?
        .execute(params![delta])
        .map_err(db)?;
    }
    Ok(())
}

fn body(incident: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(incident).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Write `incident`'s row: a new one at `n`, or the existing one as it now stands (a
/// snapshot can move it to another key). Its key may still be held by an older incident (an
/// older inbox's records can open a second incident for a key): that one keeps its row but
/// is no longer found by it.
fn write_row(conn: &Connection, incident: &Incident, n: i64) -> Result<(), StoreError> {
    let body = body(incident)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO incidents
                 (id, n, source, fingerprint, keyed, opened_ms, pending, ended_untaken, body)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET
                 source = excluded.source, fingerprint = excluded.fingerprint, keyed = 1,
                 opened_ms = excluded.opened_ms, pending = excluded.pending,
                 ended_untaken = excluded.ended_untaken, body = excluded.body",
        )
        .map_err(db)?;
    let values = params![
        incident.id,
        n,
        incident.key.source.name(),
        incident.key.fingerprint,
        ms(incident.opened_at),
        incident.is_pending(),
        ended_untaken(incident),
        body
    ];
    match stmt.execute(values) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            unkey(conn, incident)?;
            stmt.execute(values).map(drop).map_err(db)
        }
        Err(e) => Err(db(e)),
    }
}

/// The older holder of `incident`'s key is no longer found by it.
fn unkey(conn: &Connection, incident: &Incident) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE incidents SET keyed = 0
          WHERE source = ?1 AND fingerprint = ?2 AND keyed = 1 AND id <> ?3",
    )
    .map_err(db)?
    .execute(params![
        incident.key.source.name(),
        incident.key.fingerprint,
        incident.id
    ])
    .map_err(db)?;
    Ok(())
}

/// Fill the table from the inbox (migration 3 on a store that already holds records).
pub fn backfill(conn: &Connection) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare("SELECT seq, record FROM inbox ORDER BY seq")
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut batch: Vec<InboxRecord> = Vec::new();
    let mut first = 0;
    while let Some(row) = rows.next().map_err(db)? {
        let seq: i64 = row.get(0).map_err(db)?;
        let text = row.get_ref(1).map_err(db)?.as_str().map_err(db)?;
        let Ok(record) = serde_json::from_str::<InboxRecord>(text) else {
            continue;
        };
        // Seqs of skipped records leave gaps; a batch is only consecutive seqs.
        if batch.is_empty() || first + i64::try_from(batch.len()).unwrap_or(0) != seq {
            if !batch.is_empty() {
                apply(conn, &batch, first, Incidents::default())?;
                batch.clear();
            }
            first = seq;
        }
        batch.push(record);
        if batch.len() >= 10_000 {
            apply(conn, &batch, first, Incidents::default())?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        apply(conn, &batch, first, Incidents::default())?;
    }
    Ok(())
}

fn rows(
    conn: &Connection,
    sql: &str,
    limit: usize,
    into: &mut Vec<(i64, Incident)>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let mut rows = stmt
        .query(params![i64::try_from(limit).unwrap_or(i64::MAX)])
        .map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let n: i64 = row.get(0).map_err(db)?;
        let id: String = row.get(1).map_err(db)?;
        let body = row.get_ref(2).map_err(db)?.as_str().map_err(db)?;
        into.push((n, decode(&id, body)?));
    }
    Ok(())
}

/// At most `limit` waiting incidents, oldest first.
pub fn waiting(conn: &Connection, limit: usize) -> Result<Vec<Incident>, StoreError> {
    let mut found = Vec::new();
    rows(
        conn,
        "SELECT n, id, body FROM incidents WHERE pending = 1 ORDER BY n LIMIT ?1",
        limit,
        &mut found,
    )?;
    Ok(found.into_iter().map(|(_, i)| i).collect())
}

/// The oldest `limit` waiting and the newest `limit` incidents, in first-opened order, and
/// the inbox cursor they are current at (read in one transaction).
pub fn recent(conn: &mut Connection, limit: usize) -> Result<(Incidents, i64), StoreError> {
    let tx = conn.transaction().map_err(db)?;
    let head: i64 = tx
        .query_row("SELECT coalesce(max(seq), 0) FROM inbox", [], |r| r.get(0))
        .map_err(db)?;
    let mut found = Vec::new();
    rows(
        &tx,
        "SELECT n, id, body FROM incidents WHERE pending = 1 ORDER BY n LIMIT ?1",
        limit,
        &mut found,
    )?;
    rows(
        &tx,
        "SELECT n, id, body FROM incidents ORDER BY n DESC LIMIT ?1",
        limit,
        &mut found,
    )?;
    tx.commit().map_err(db)?;
    found.sort_by_key(|(n, _)| *n);
    let mut incidents = Incidents::default();
    for (_, incident) in found {
        if incidents.get(&incident.id).is_none() {
            incidents.insert(incident);
        }
    }
    Ok((incidents, head))
}
