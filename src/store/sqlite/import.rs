//! `opsassist store migrate --from files`: a legacy data dir's inbox records (compaction
//! snapshots included, as they are) and live claims go into `store.db` in one transaction,
//! once: the source is remembered in `imports`, so running it again changes nothing. It
//! refuses a store that already holds records of its own (the old records would land after
//! them and could open a second incident for a key already open).

use chrono::Utc;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, db, inbox};
use crate::store::board::Claim;
use crate::store::{InboxRecord, StoreError};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Inbox records and claims the source held (imported now, or by an earlier run).
    pub records: u64,
    pub claims: u64,
    /// True when an earlier run imported this source already (nothing was written).
    pub already: bool,
}

/// Rows the store holds, for verifying an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    pub inbox: u64,
    pub claims: u64,
    pub corrections: u64,
}

fn count(conn: &rusqlite::Connection, table: &str) -> Result<u64, StoreError> {
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .map_err(db)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl SqliteStore {
    /// Import `records` and `claims` from `source` (a name such as `files:/path/inbox`).
    pub fn import(
        &self,
        source: &str,
        records: &[InboxRecord],
        claims: &[Claim],
    ) -> Result<Imported, StoreError> {
        let imported = self.write(|tx| {
            let before = tx
                .query_row(
                    "SELECT records, claims FROM imports WHERE source = ?1",
                    params![source],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()
                .map_err(db)?;
            if let Some((records, claims)) = before {
                return Ok(Imported {
                    records: u64::try_from(records).unwrap_or(0),
                    claims: u64::try_from(claims).unwrap_or(0),
                    already: true,
                });
            }
            let held = count(tx, "inbox")?;
            if held > 0 && !records.is_empty() {
                return Err(StoreError::Db(format!(
                    "the store already holds {held} inbox records of its own; import into an \
                     empty store (stop the receivers and move store.db aside first)"
                )));
            }
            inbox::insert(tx, records)?;
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO claims (incident, operator, since, lease_until)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (incident) DO NOTHING",
                )
                .map_err(db)?;
            for claim in claims {
                stmt.execute(params![
                    claim.incident,
                    claim.operator,
                    claim.since.to_rfc3339(),
                    claim.lease_until.to_rfc3339()
                ])
                .map_err(db)?;
            }
            let (n, c) = (records.len() as u64, claims.len() as u64);
            tx.execute(
                "INSERT INTO imports (source, records, claims, at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    source,
                    i64::try_from(n).unwrap_or(i64::MAX),
                    i64::try_from(c).unwrap_or(i64::MAX),
                    Utc::now().to_rfc3339()
                ],
            )
            .map_err(db)?;
            Ok(Imported {
                records: n,
                claims: c,
                already: false,
            })
        })?;
        Ok(imported)
    }

    /// True when the inbox holds no record yet and `source` was never imported: the only
    /// state in which a legacy inbox is imported without being asked (two cheap lookups).
    pub fn awaits_import(&self, source: &str) -> Result<bool, StoreError> {
        let conn = super::lock(&self.reader);
        conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM inbox)
                AND NOT EXISTS (SELECT 1 FROM imports WHERE source = ?1)",
            params![source],
            |r| r.get::<_, bool>(0),
        )
        .map_err(db)
    }

    /// How many rows each table holds.
    pub fn rows(&self) -> Result<Rows, StoreError> {
        let conn = super::lock(&self.reader);
        Ok(Rows {
            inbox: count(&conn, "inbox")?,
            claims: count(&conn, "claims")?,
            corrections: count(&conn, "corrections")?,
        })
    }
}
