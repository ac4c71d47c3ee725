//! Session events in PostgreSQL: `session_events` (session, n = the event's seq, line),
//! written by [`EventSink::put`] in one transaction per durability point.

use super::{PgStore, db};
use crate::session::log::EventSink;

impl EventSink for PgStore {
    fn put(&self, session: &str, events: &[(u64, String)]) -> Result<(), String> {
        let session = session.to_string();
        let events = events.to_vec();
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            let insert = tx
                .prepare(
                    "INSERT INTO session_events (session, n, line) VALUES ($1, $2, $3)
                     ON CONFLICT (session, n) DO UPDATE SET line = EXCLUDED.line",
                )
                .await
                .map_err(db)?;
            for (seq, line) in &events {
                let n = i32::try_from(*seq).map_err(db)?;
                tx.execute(&insert, &[&session, &n, line])
                    .await
                    .map_err(db)?;
            }
            tx.commit().await.map_err(db)
        })
        .map_err(|e| e.to_string())
    }

    fn lines(&self, session: &str) -> Result<Vec<String>, String> {
        let session = session.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let rows = client
                .query(
                    "SELECT line FROM session_events WHERE session = $1 ORDER BY n",
                    &[&session],
                )
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
        .map_err(|e| e.to_string())
    }
}
