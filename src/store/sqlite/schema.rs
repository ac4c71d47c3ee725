//! The SQLite store's schema, versioned like the PostgreSQL migrations (same tables and
//! columns where SQL allows: `inbox` ordered by `seq`, `claims` with a lease, `corrections`),
//! applied in order on open inside one `BEGIN IMMEDIATE` (so processes opening the same file
//! at once apply each exactly once). The applied version is SQLite's `user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::db;
use crate::store::StoreError;

/// (version, name, SQL). Never edit a released one: add the next.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "inbox, claims and corrections",
        r#"
CREATE TABLE inbox (
    seq      INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    incident TEXT NOT NULL,
    kind     TEXT NOT NULL,
    record   TEXT NOT NULL
);
CREATE INDEX inbox_incident ON inbox (incident, seq);
CREATE TABLE claims (
    incident    TEXT PRIMARY KEY,
    operator    TEXT NOT NULL,
    since       TEXT NOT NULL,
    lease_until TEXT NOT NULL
);
CREATE TABLE corrections (
    n    INTEGER PRIMARY KEY,
    line TEXT NOT NULL
);
"#,
    ),
    (
        2,
        "imports",
        r#"
CREATE TABLE imports (
    source  TEXT PRIMARY KEY,
    records INTEGER NOT NULL,
    claims  INTEGER NOT NULL,
    at      TEXT NOT NULL
);
"#,
    ),
    (3, "incidents by key", super::incidents::SQL),
    (
        4,
        "each alert stored once",
        // The record holding the incident's alert; NULL: the body holds it (rows written
        // by version 3).
        "ALTER TABLE incidents ADD COLUMN alert_seq INTEGER;",
    ),
    (
        5,
        "no index of the inbox by incident",
        // Claims ask the incident's row since; the index only cost every record, a repeat
        // most (its entry lands on a random leaf page, one more page in each commit's WAL).
        "DROP INDEX IF EXISTS inbox_incident;",
    ),
];

/// Apply every migration newer than the file's; returns how many ran.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db)?;
    let current: i32 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Db(format!("migration {version} ({name}): {e}")))?;
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(db)?;
        applied += 1;
    }
    // A store from before the incidents table: fill it from the inbox, once every column
    // the rows use exists.
    if current < 3 && applied > 0 {
        super::incidents::backfill(&tx)
            .map_err(|e| StoreError::Db(format!("migration 3 (incidents by key): {e}")))?;
    }
    tx.commit().map_err(db)?;
    Ok(applied)
}
