//! Bulk copies into the team database for `opsassist store migrate`: session event lines,
//! the audit chain (seq and bytes preserved, head set to its end) and corrections; and the
//! counts to verify them by. Rows go in as multi-row inserts of up to [`CHUNK`] rows.

use sha2::{Digest, Sha256};
use tokio_postgres::types::{ToSql, Type};

use super::{PgStore, db};
use crate::store::StoreError;

/// Rows per multi-row insert.
const CHUNK: usize = 5000;

/// How many rows the database holds of each kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub inbox: u64,
    pub sessions: u64,
    pub session_events: u64,
    pub audit: u64,
    pub corrections: u64,
}

impl PgStore {
    /// Store the event lines of `session` (replacing what the database had for it).
    pub fn copy_session(&self, session: &str, lines: Vec<String>) -> Result<(), StoreError> {
        let session = session.to_string();
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            tx.execute("DELETE FROM session_events WHERE session = $1", &[&session])
                .await
                .map_err(db)?;
            let ns = (1..=lines.len())
                .map(i32::try_from)
                .collect::<Result<Vec<i32>, _>>()
                .map_err(db)?;
            for (ns, lines) in ns.chunks(CHUNK).zip(lines.chunks(CHUNK)) {
                tx.query_typed(
                    "INSERT INTO session_events (session, n, line)
                     SELECT $1, n, line FROM unnest($2::int4[], $3::text[]) AS u(n, line)",
                    &[
                        (&session as &(dyn ToSql + Sync), Type::TEXT),
                        (&ns, Type::INT4_ARRAY),
                        (&lines, Type::TEXT_ARRAY),
                    ],
                )
                .await
                .map_err(db)?;
            }
            tx.commit().await.map_err(db)
        })
    }

    /// Copy a whole audit chain into an empty database chain, keeping every line's bytes and
    /// seq; the head then points after the last line.
    pub fn copy_audit(&self, lines: Vec<(u64, String, String, String)>) -> Result<(), StoreError> {
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            let head = tx
                .query_one(
                    "SELECT next_seq FROM audit_head WHERE id = 1 FOR UPDATE",
                    &[],
                )
                .await
                .map_err(db)?;
            let next: i64 = head.get(0);
            if next != 1 {
                return Err(StoreError::Db(format!(
                    "the database already has an audit chain ({} records); refusing to merge two chains",
                    next - 1
                )));
            }
            let mut seqs = Vec::with_capacity(lines.len());
            for (seq, _, _, _) in &lines {
                seqs.push(i64::try_from(*seq).map_err(db)?);
            }
            let sessions: Vec<&str> = lines.iter().map(|l| l.1.as_str()).collect();
            let operators: Vec<&str> = lines.iter().map(|l| l.2.as_str()).collect();
            let texts: Vec<&str> = lines.iter().map(|l| l.3.as_str()).collect();
            for start in (0..lines.len()).step_by(CHUNK) {
                let end = (start + CHUNK).min(lines.len());
                tx.query_typed(
                    "INSERT INTO audit (seq, session, operator, line)
                     SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[])",
                    &[
                        (&&seqs[start..end] as &(dyn ToSql + Sync), Type::INT8_ARRAY),
                        (&&sessions[start..end], Type::TEXT_ARRAY),
                        (&&operators[start..end], Type::TEXT_ARRAY),
                        (&&texts[start..end], Type::TEXT_ARRAY),
                    ],
                )
                .await
                .map_err(db)?;
            }
            let last = seqs
                .last()
                .zip(texts.last())
                .map(|(seq, line)| (*seq, hex::encode(Sha256::digest(line.as_bytes()))));
            if let Some((seq, hash)) = last {
                tx.execute(
                    "UPDATE audit_head SET next_seq = $1, prev = $2 WHERE id = 1",
                    &[&(seq + 1), &hash],
                )
                .await
                .map_err(db)?;
            }
            tx.commit().await.map_err(db)
        })
    }

    /// Append correction lines.
    pub fn copy_corrections(&self, lines: Vec<String>) -> Result<(), StoreError> {
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            for lines in lines.chunks(CHUNK) {
                tx.query_typed(
                    "INSERT INTO corrections (line)
                     SELECT line FROM unnest($1::text[]) WITH ORDINALITY AS u(line, o) ORDER BY o",
                    &[(&lines as &(dyn ToSql + Sync), Type::TEXT_ARRAY)],
                )
                .await
                .map_err(db)?;
            }
            tx.commit().await.map_err(db)
        })
    }

    /// Row counts.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let row = client
                .query_one(
                    "SELECT (SELECT count(*) FROM inbox),
                            (SELECT count(DISTINCT session) FROM session_events),
                            (SELECT count(*) FROM session_events),
                            (SELECT count(*) FROM audit),
                            (SELECT count(*) FROM corrections)",
                    &[],
                )
                .await
                .map_err(db)?;
            let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
            Ok(Counts {
                inbox: n(0),
                sessions: n(1),
                session_events: n(2),
                audit: n(3),
                corrections: n(4),
            })
        })
    }
}
