//! Session events in PostgreSQL: `session_events` (session, n = the event's seq, line),
//! written by [`EventSink::put`] as one multi-row statement (atomic on its own) per
//! durability point: one round trip however many events the point commits.

use tokio_postgres::types::{ToSql, Type};

use super::{PgStore, db};
use crate::session::log::EventSink;

impl EventSink for PgStore {
    fn put(&self, session: &str, events: &[(u64, String)]) -> Result<(), String> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement for the whole durability point; a seq given twice keeps its last
        // line (one row may not be updated twice by one statement).
        let mut last: std::collections::BTreeMap<i32, &str> = std::collections::BTreeMap::new();
        for (seq, line) in events {
            let n = i32::try_from(*seq).map_err(|e| format!("event seq {seq}: {e}"))?;
            last.insert(n, line);
        }
        let ns: Vec<i32> = last.keys().copied().collect();
        let lines: Vec<String> = last.values().map(|l| l.to_string()).collect();
        let session = session.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            client
                .query_typed(
                    "INSERT INTO session_events (session, n, line)
                     SELECT $1, n, line FROM unnest($2::int4[], $3::text[]) AS u(n, line)
                     ON CONFLICT (session, n) DO UPDATE SET line = EXCLUDED.line",
                    &[
                        (&session as &(dyn ToSql + Sync), Type::TEXT),
                        (&ns, Type::INT4_ARRAY),
                        (&lines, Type::TEXT_ARRAY),
                    ],
                )
                .await
                .map_err(db)?;
            Ok(())
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
