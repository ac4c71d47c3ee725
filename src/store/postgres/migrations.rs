//! Embedded, versioned schema migrations, applied in order on start under a transaction-level
//! advisory lock (so N receivers starting at once apply each one exactly once). The applied
//! versions are kept in `opsassist_migrations`.

use tokio_postgres::Client;

use super::{db, incident_rows};
use crate::store::StoreError;

/// Advisory lock key held while migrating.
const MIGRATE_LOCK: i64 = 0x6f70_7361_0001;

/// (version, name, SQL). Never edit a released one: add the next.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "inbox, incidents and claims",
        r#"
CREATE TABLE inbox (
    seq      BIGSERIAL PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL,
    incident TEXT NOT NULL,
    kind     TEXT NOT NULL,
    record   JSONB NOT NULL
);
CREATE INDEX inbox_incident ON inbox (incident, seq);
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    firing      BOOLEAN NOT NULL DEFAULT TRUE,
    opened_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT incidents_dedup UNIQUE (source, fingerprint)
);
CREATE TABLE claims (
    incident    TEXT PRIMARY KEY,
    operator    TEXT NOT NULL,
    since       TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);
"#,
    ),
    (
        2,
        "audit chain",
        r#"
CREATE TABLE audit (
    seq      BIGINT PRIMARY KEY,
    session  TEXT NOT NULL,
    operator TEXT NOT NULL,
    line     TEXT NOT NULL
);
CREATE TABLE audit_head (
    id       INT PRIMARY KEY CHECK (id = 1),
    next_seq BIGINT NOT NULL,
    prev     TEXT NOT NULL
);
INSERT INTO audit_head (id, next_seq, prev)
    VALUES (1, 1, '0000000000000000000000000000000000000000000000000000000000000000');
"#,
    ),
    (
        3,
        "session events and corrections",
        r#"
CREATE TABLE session_events (
    session TEXT NOT NULL,
    n       INT NOT NULL,
    line    TEXT NOT NULL,
    PRIMARY KEY (session, n)
);
CREATE TABLE corrections (
    n    BIGSERIAL PRIMARY KEY,
    line TEXT NOT NULL
);
"#,
    ),
    (
        4,
        "index of started sessions",
        r#"
CREATE INDEX inbox_started_session ON inbox ((record->'change'->>'session'))
    WHERE kind = 'started';
"#,
    ),
    (
        5,
        "docker incidents keyed by source docker",
        r#"
UPDATE incidents SET source = 'docker' WHERE source = 'generic' AND fingerprint LIKE 'docker:%';
"#,
    ),
    (
        INCIDENT_ROWS,
        "one row per incident, rebuilt from the inbox",
        incident_rows::MIGRATION,
    ),
    (
        7,
        "each alert stored once, bodies and records as json",
        incident_rows::MIGRATION_ALERT_SEQ,
    ),
    (
        8,
        "no index of the inbox by incident",
        // Nothing reads the inbox by incident (claims ask the incident's row); the index
        // only cost every record a B-tree insert.
        "DROP INDEX IF EXISTS inbox_incident;",
    ),
    (
        9,
        "room on each page of incidents for its rows' next versions",
        // A repeat rewrites its incident's row with the indexed columns unchanged; with room
        // on the page the new version stays beside the old (a heap-only tuple) and no index
        // gets an entry. Pages written from now on keep the room.
        "ALTER TABLE incidents SET (fillfactor = 50);",
    ),
    (
        10,
        "bodies and records as text",
        // Only this program writes them and every reader parses them whole: as `json` the
        // server checked each one's syntax again at every insert (a tenth of its time while
        // receiving). Rewrites both tables once.
        r#"
DROP INDEX IF EXISTS inbox_started_session;
ALTER TABLE inbox ALTER COLUMN record TYPE text;
ALTER TABLE incidents ALTER COLUMN body TYPE text;
CREATE INDEX inbox_started_session ON inbox (((record::json)->'change'->>'session'))
    WHERE kind = 'started';
"#,
    ),
];

/// The migration that makes `incidents` a row per incident: [`incident_rows::backfill`]
/// fills it from the inbox in the same transaction, once the later migrations made the
/// table what the rows are written into today.
const INCIDENT_ROWS: i32 = 6;

/// Apply every migration newer than the database's.
pub async fn run(client: &mut Client) -> Result<u32, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
        .await
        .map_err(db)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS opsassist_migrations (
            version    INT PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(db)?;
    let row = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM opsassist_migrations",
            &[],
        )
        .await
        .map_err(db)?;
    let current: i32 = row.get(0);
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(|e| {
            StoreError::Db(format!("migration {version} ({name}): {}", describe(&e)))
        })?;
        tx.execute(
            "INSERT INTO opsassist_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(db)?;
        applied += 1;
    }
    if current < INCIDENT_ROWS {
        incident_rows::backfill(tx.client()).await.map_err(|e| {
            StoreError::Db(format!(
                "migration {INCIDENT_ROWS} (filling the incident rows from the inbox): {e}"
            ))
        })?;
    }
    tx.commit().await.map_err(db)?;
    Ok(applied)
}

/// The database's message (with its detail) rather than tokio-postgres' "db error".
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => e.to_string(),
    }
}
