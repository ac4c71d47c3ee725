//! The inbox in SQLite: one row per record in `inbox`, `seq` (the rowid) is the cursor. Every
//! write runs inside `BEGIN IMMEDIATE`, which holds the database's single write lock, so
//! `seq` order is commit order and a reader following `seq > cursor` never skips a record
//! committed late. This file reads and inserts; `mod.rs` wraps them in transactions.

use rusqlite::{Connection, OptionalExtension, params};

use super::db;
use super::incidents::Known;
use crate::store::recent::RecentWrites;
use crate::store::{Change, Cursor, InboxRecord, StoreError};

/// The `kind` column of a record (the same names as the PostgreSQL store's).
pub fn kind(change: &Change) -> &'static str {
    crate::store::postgres::kind(change)
}

fn seq_of(cursor: Cursor) -> i64 {
    i64::try_from(cursor).unwrap_or(i64::MAX)
}

/// The cursor after `seq`.
pub fn cursor(seq: i64) -> Cursor {
    u64::try_from(seq).unwrap_or(0)
}

/// Every record after `from`, and the cursor after the last one.
pub fn read_from(
    conn: &Connection,
    from: Cursor,
) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
    read_from_held(conn, from, None)
}

/// [`read_from`], taking the records `recent` holds (this process committed them) as they
/// were written: their text is neither read nor parsed.
pub fn read_from_held(
    conn: &Connection,
    from: Cursor,
    recent: Option<&RecentWrites>,
) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
    let lowest = recent.and_then(RecentWrites::lowest).unwrap_or(i64::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, CASE WHEN seq >= ?2 THEN NULL ELSE record END
               FROM inbox WHERE seq > ?1 ORDER BY seq",
        )
        .map_err(db)?;
    let mut rows = stmt.query(params![seq_of(from), lowest]).map_err(db)?;
    let mut next = from;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let seq: i64 = row.get(0).map_err(db)?;
        next = cursor(seq);
        let record = match row.get_ref(1).map_err(db)?.as_str_or_null().map_err(db)? {
            Some(text) => decode(seq, text),
            // Its text was left out: held here, else (another process wrote it, or it is no
            // longer held) read it.
            None => match recent.and_then(|r| r.get(seq)) {
                Some(record) => Some(record),
                None => conn
                    .prepare_cached("SELECT record FROM inbox WHERE seq = ?1")
                    .map_err(db)?
                    .query_row(params![seq], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(db)?
                    .and_then(|text| decode(seq, &text)),
            },
        };
        records.extend(record);
    }
    Ok((records, next))
}

fn decode(seq: i64, text: &str) -> Option<InboxRecord> {
    match serde_json::from_str::<InboxRecord>(text) {
        Ok(record) => Some(record),
        Err(e) => {
            tracing::warn!("inbox: skipping an unreadable record (seq {seq}): {e}");
            None
        }
    }
}

/// Insert `records` in order (the caller is inside a write transaction); the first and last
/// `seq` written, None for no records.
pub fn insert(
    conn: &Connection,
    records: &[InboxRecord],
) -> Result<Option<(i64, i64)>, StoreError> {
    insert_known(conn, records, Known::default())
}

/// [`insert`], where `known` holds incidents as this transaction already read them (their
/// rows are not read again).
pub fn insert_known(
    conn: &Connection,
    records: &[InboxRecord],
    known: Known,
) -> Result<Option<(i64, i64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("INSERT INTO inbox (at, incident, kind, record) VALUES (?1, ?2, ?3, ?4)")
        .map_err(db)?;
    let mut span: Option<(i64, i64)> = None;
    for record in records {
        let json = serde_json::to_string(record).map_err(|e| StoreError::Encode(e.to_string()))?;
        stmt.execute(params![
            record.at.to_rfc3339(),
            record.incident,
            kind(&record.change),
            json
        ])
        .map_err(db)?;
        let seq = conn.last_insert_rowid();
        span = Some((span.map_or(seq, |(first, _)| first), seq));
    }
    if let Some((first, _)) = span {
        super::incidents::apply(conn, records, first, known)?;
    }
    Ok(span)
}
