//! The audit chain in PostgreSQL: `audit` holds each record's exact line, `audit_head` is a
//! single row (next seq, hash of the last line) locked `FOR UPDATE` by every append and
//! updated in the same transaction, so the chain stays linear with any number of writers.
//! `opsassist audit verify` checks the lines with the same verifier as the file.

use sha2::{Digest, Sha256};

use super::{PgStore, db};
use crate::audit::AuditSink;

impl AuditSink for PgStore {
    fn append_line(
        &self,
        session: &str,
        operator: &str,
        line: &mut dyn FnMut(u64, &str) -> Result<String, String>,
    ) -> Result<(), String> {
        // The line is built between the lock and the insert, on this thread: take the head,
        // build, then store in the same transaction (a dedicated connection held throughout).
        let (session, operator) = (session.to_string(), operator.to_string());
        let (head_tx, head_rx) = std::sync::mpsc::sync_channel::<(u64, String)>(1);
        let (line_tx, line_rx) = tokio::sync::oneshot::channel::<Option<String>>();
        let task = self.spawn(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            let row = tx
                .query_one(
                    "SELECT next_seq, prev FROM audit_head WHERE id = 1 FOR UPDATE",
                    &[],
                )
                .await
                .map_err(db)?;
            let seq: i64 = row.get(0);
            let prev: String = row.get(1);
            let _ = head_tx.send((u64::try_from(seq).unwrap_or(0), prev));
            let Ok(Some(text)) = line_rx.await else {
                return Err(db("the audit record could not be built"));
            };
            let hash = hex::encode(Sha256::digest(text.as_bytes()));
            tx.execute(
                "INSERT INTO audit (seq, session, operator, line) VALUES ($1, $2, $3, $4)",
                &[&seq, &session, &operator, &text],
            )
            .await
            .map_err(db)?;
            tx.execute(
                "UPDATE audit_head SET next_seq = $1, prev = $2 WHERE id = 1",
                &[&(seq + 1), &hash],
            )
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            Ok(())
        });
        let task = task.map_err(|e| e.to_string())?;
        // No head: the task failed first (say, the database is unreachable); its error says why.
        let built = head_rx.recv().ok().map(|(seq, prev)| line(seq, &prev));
        let failed = built.as_ref().and_then(|b| b.as_ref().err().cloned());
        let _ = line_tx.send(built.and_then(Result::ok));
        let stored = task
            .recv()
            .map_err(|_| "the database task stopped".to_string())?;
        if let Some(e) = failed {
            return Err(e);
        }
        stored.map_err(|e| e.to_string())
    }

    fn lines(&self) -> Result<Vec<String>, String> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let rows = client
                .query("SELECT line FROM audit ORDER BY seq", &[])
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
        .map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        format!("{} (audit)", self.describe_url())
    }
}
