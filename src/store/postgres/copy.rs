//! Bulk copies into the team database for `opsassist store migrate`: session event lines,
//! the audit chain (seq and bytes preserved, head set to its end) and corrections; and the
//! counts to verify them by.

use sha2::{Digest, Sha256};

use super::{PgStore, db};
use crate::store::StoreError;

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
            let insert = tx
                .prepare("INSERT INTO session_events (session, n, line) VALUES ($1, $2, $3)")
                .await
                .map_err(db)?;
            for (n, line) in lines.iter().enumerate() {
                let n = i32::try_from(n + 1).map_err(db)?;
                tx.execute(&insert, &[&session, &n, line])
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
            let insert = tx
                .prepare("INSERT INTO audit (seq, session, operator, line) VALUES ($1, $2, $3, $4)")
                .await
                .map_err(db)?;
            let mut last: Option<(i64, String)> = None;
            for (seq, session, operator, line) in &lines {
                let seq = i64::try_from(*seq).map_err(db)?;
                tx.execute(&insert, &[&seq, session, operator, line])
                    .await
                    .map_err(db)?;
                last = Some((seq, hex::encode(Sha256::digest(line.as_bytes()))));
            }
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
            for line in &lines {
                tx.execute("INSERT INTO corrections (line) VALUES ($1)", &[line])
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
