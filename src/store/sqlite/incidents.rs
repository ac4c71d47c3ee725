//! The `incidents` table: every incident as its inbox records made it, written in the same
//! transaction as the records (never behind them). The dedup key sits under a unique index
//! (one live holder per key), the waiting ones under a partial index and a counter, and each
//! session's incident in `incident_sessions`, so a writer decides an alert by one indexed
//! lookup and nothing keeps every incident in memory. A row's body leaves the alert out:
//! `alert_seq` names the inbox record that brought it (rows of schema 3 keep it in the body).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::db;
use crate::store::{Change, DedupKey, InboxRecord, Incident, Incidents, Lookup, StoreError};

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

/// Every read: the row, and the inbox record holding its alert when the body leaves it out
/// (rows written before `alert_seq` keep the alert in the body).
const READ: &str = "SELECT i.n, i.id, i.body, i.alert_seq,
      (SELECT r.record FROM inbox r WHERE r.seq = i.alert_seq) FROM incidents i";

/// A row as read: the incident and the seq of the record holding its alert (None: in the
/// body).
struct Row {
    n: i64,
    incident: Incident,
    alert_seq: Option<i64>,
}

fn read_row(row: &rusqlite::Row<'_>) -> Result<Row, StoreError> {
    let n: i64 = row.get(0).map_err(db)?;
    let id = row.get_ref(1).map_err(db)?.as_str().map_err(db)?;
    let body = row.get_ref(2).map_err(db)?.as_str().map_err(db)?;
    let alert_seq: Option<i64> = row.get(3).map_err(db)?;
    let record = row.get_ref(4).map_err(db)?.as_str_or_null().map_err(db)?;
    let incident = crate::store::flat::incident_from_row(body, record)
        .map_err(|e| StoreError::Db(format!("incident {id}: {e}")))?;
    Ok(Row {
        n,
        incident,
        alert_seq,
    })
}

/// Each row `WHERE …` picks, in the order it gives, handed to `each` as it is read.
fn select_each(
    conn: &Connection,
    filter: &str,
    values: impl rusqlite::Params,
    mut each: impl FnMut(Row),
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{READ} {filter}"))
        .map_err(db)?;
    let mut rows = stmt.query(values).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        each(read_row(row)?);
    }
    Ok(())
}

fn select(
    conn: &Connection,
    filter: &str,
    values: impl rusqlite::Params,
) -> Result<Vec<Row>, StoreError> {
    let mut found = Vec::new();
    select_each(conn, filter, values, |row| found.push(row))?;
    Ok(found)
}

fn select_one(
    conn: &Connection,
    filter: &str,
    values: impl rusqlite::Params,
) -> Result<Option<Row>, StoreError> {
    Ok(select(conn, filter, values)?.into_iter().next())
}

/// The incidents of the rows `WHERE …` picks.
fn incidents_where(
    conn: &Connection,
    filter: &str,
    values: impl rusqlite::Params,
) -> Result<Incidents, StoreError> {
    let mut incidents = Incidents::default();
    select_each(conn, filter, values, |row| incidents.insert(row.incident))?;
    Ok(incidents)
}

/// The incident with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Incident>, StoreError> {
    Ok(select_one(conn, "WHERE i.id = ?1", params![id])?.map(|r| r.incident))
}

const BY_KEY: &str = "WHERE i.source = ?1 AND i.fingerprint = ?2 AND i.keyed = 1";

/// The incident that holds `key`.
fn by_key(conn: &Connection, key: &DedupKey) -> Result<Option<Row>, StoreError> {
    select_one(conn, BY_KEY, params![key.source.name(), key.fingerprint])
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
    incidents_where(conn, "ORDER BY i.n", [])
}

/// Every incident from `source` that holds its key, in first-opened order.
pub fn of_source(conn: &Connection, source: crate::alert::Source) -> Result<Incidents, StoreError> {
    incidents_where(
        conn,
        "WHERE i.source = ?1 AND i.keyed = 1 ORDER BY i.n",
        params![source.name()],
    )
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

/// Rows a write transaction already read: the incidents, and where each one's alert is.
#[derive(Default)]
pub struct Known {
    incidents: Incidents,
    alert_seqs: HashMap<String, Option<i64>>,
}

impl Known {
    fn add(&mut self, row: Row) {
        self.alert_seqs
            .insert(row.incident.id.clone(), row.alert_seq);
        self.incidents.insert(row.incident);
    }
}

/// [`Lookup`] inside a write transaction; it remembers what it read, so writing the
/// decided records does not read those rows again.
pub struct TxLookup<'a> {
    conn: &'a Connection,
    pub read: Known,
}

impl<'a> TxLookup<'a> {
    pub fn new(conn: &'a Connection) -> TxLookup<'a> {
        TxLookup {
            conn,
            read: Known::default(),
        }
    }
}

impl Lookup for TxLookup<'_> {
    fn by_keys(&mut self, keys: &[DedupKey]) -> Result<Vec<Incident>, StoreError> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for key in keys {
            if let Some(row) = by_key(self.conn, key)?
                && seen.insert(row.incident.id.clone())
            {
                found.push(row.incident.clone());
                self.read.add(row);
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
    known: Known,
) -> Result<(), StoreError> {
    let Known {
        incidents: mut overlay,
        mut alert_seqs,
    } = known;
    let mut loaded = HashSet::new();
    for record in records {
        // A batch's first record of an incident that opens it needs no read: ids are new.
        let opens = matches!(record.change, Change::Opened { .. });
        if loaded.insert(record.incident.as_str())
            && !opens
            && overlay.get(&record.incident).is_none()
            && let Some(row) = select_one(conn, "WHERE i.id = ?1", params![record.incident])?
        {
            alert_seqs.insert(record.incident.clone(), row.alert_seq);
            overlay.insert(row.incident);
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
        // The incident's alert is now this record's (if the record brought one and applied).
        if overlay
            .get(&record.incident)
            .is_some_and(|i| crate::store::flat::record_alert_is(record, i))
        {
            alert_seqs.insert(record.incident.clone(), Some(seq));
        }
    }
    // In record order: of two incidents opened for one key, the later one holds it.
    let mut touched: Vec<(&str, i64)> = touched.into_iter().collect();
    touched.sort_by_key(|(_, n)| *n);
    for (id, n) in touched {
        if let Some(incident) = overlay.get(id) {
            write_row(conn, incident, n, alert_seqs.get(id).copied().flatten())?;
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

/// Write `incident`'s row: a new one at `n`, or the existing one as it now stands (a
/// snapshot can move it to another key). With `alert_seq`, the inbox record of that seq
/// holds its alert and the body leaves it out; without, the body keeps it. Its key may still
/// be held by an older incident (an older inbox's records can open a second incident for a
/// key): that one keeps its row but is no longer found by it.
fn write_row(
    conn: &Connection,
    incident: &Incident,
    n: i64,
    alert_seq: Option<i64>,
) -> Result<(), StoreError> {
    let body = match alert_seq {
        Some(_) => serde_json::to_string(&crate::store::flat::RowBody::from(incident)),
        None => serde_json::to_string(incident),
    }
    .map_err(|e| StoreError::Encode(e.to_string()))?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO incidents
                 (id, n, source, fingerprint, keyed, opened_ms, pending, ended_untaken, body,
                  alert_seq)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET
                 source = excluded.source, fingerprint = excluded.fingerprint, keyed = 1,
                 opened_ms = excluded.opened_ms, pending = excluded.pending,
                 ended_untaken = excluded.ended_untaken, body = excluded.body,
                 alert_seq = excluded.alert_seq",
        )
        .map_err(db)?;
    let values = params![
        incident.id,
        n,
        incident.key.source.name(),
        incident.key.fingerprint,
        ms(incident.opened_at),
        incident.is_pending(),
        incident.ended_untaken(),
        body,
        alert_seq
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
                apply(conn, &batch, first, Known::default())?;
                batch.clear();
            }
            first = seq;
        }
        batch.push(record);
        if batch.len() >= 10_000 {
            apply(conn, &batch, first, Known::default())?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        apply(conn, &batch, first, Known::default())?;
    }
    Ok(())
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// At most `limit` waiting incidents, oldest first.
pub fn waiting(conn: &Connection, limit: usize) -> Result<Vec<Incident>, StoreError> {
    Ok(select(
        conn,
        "WHERE i.pending = 1 ORDER BY i.n LIMIT ?1",
        params![self::limit(limit)],
    )?
    .into_iter()
    .map(|r| r.incident)
    .collect())
}

/// The oldest `limit` waiting and the newest `limit` incidents, in first-opened order, and
/// the inbox cursor they are current at (read in one transaction).
pub fn recent(conn: &mut Connection, limit: usize) -> Result<(Incidents, i64), StoreError> {
    let tx = conn.transaction().map_err(db)?;
    let head: i64 = tx
        .query_row("SELECT coalesce(max(seq), 0) FROM inbox", [], |r| r.get(0))
        .map_err(db)?;
    let mut found = select(
        &tx,
        "WHERE i.pending = 1 ORDER BY i.n LIMIT ?1",
        params![self::limit(limit)],
    )?;
    found.extend(select(
        &tx,
        "ORDER BY i.n DESC LIMIT ?1",
        params![self::limit(limit)],
    )?);
    tx.commit().map_err(db)?;
    found.sort_by_key(|r| r.n);
    let mut incidents = Incidents::default();
    for row in found {
        if incidents.get(&row.incident.id).is_none() {
            incidents.insert(row.incident);
        }
    }
    Ok((incidents, head))
}

/// How often SQLite re-prepared the writer's statement that finds an incident by key (a
/// statement whose plan depends on the values bound is recompiled for every new key).
#[cfg(test)]
pub fn by_key_reprepared(conn: &Connection) -> Result<i32, StoreError> {
    let stmt = conn
        .prepare_cached(&format!("{READ} {BY_KEY}"))
        .map_err(db)?;
    Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
}
