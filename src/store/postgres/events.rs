//! Session events in PostgreSQL: `session_events` (session, n = the event's seq, line),
//! written by [`EventSink::put`] as one multi-row statement per durability point (one
//! round trip however many events it commits), which also
//! notifies the board channel (`events <session>`) so watching consoles read the new events
//! at once. An event already stored is never rewritten: the same line again is a retry
//! (fine); a different line under the same seq means another console wrote this session
//! meanwhile (it took the incident over while this one was cut off), and the put fails, so
//! the stale session stops instead of overwriting the taker's events. [`PgStore::events_after`] is their read from
//! a seq on. The claim lookups of the
//! core's claim guard (`session::claim_guard`) read `claims` and the inbox here too.

use tokio_postgres::types::{ToSql, Type};

use super::inbox::CHANNEL;
use super::{PgStore, db};
use crate::session::claim_guard::ClaimLookup;
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
            let mut client = pool.get().await.map_err(db)?;
            let tx = client.transaction().await.map_err(db)?;
            // Insert what is new, count the stored seqs whose line differs (the CTE's
            // snapshot sees only rows stored before this statement), and notify the board
            // channel (delivered at commit: watchers wake and read from their last seq).
            let what = format!("events {session}");
            let row = tx
                .query_typed(
                    "WITH input AS (
                         SELECT n, line FROM unnest($2::int4[], $3::text[]) AS u(n, line)),
                     ins AS (
                         INSERT INTO session_events (session, n, line)
                         SELECT $1, n, line FROM input
                         ON CONFLICT (session, n) DO NOTHING)
                     SELECT (SELECT count(*) FROM input i JOIN session_events s
                               ON s.session = $1 AND s.n = i.n AND s.line <> i.line),
                            pg_notify($4, $5)::text",
                    &[
                        (&session as &(dyn ToSql + Sync), Type::TEXT),
                        (&ns, Type::INT4_ARRAY),
                        (&lines, Type::TEXT_ARRAY),
                        (&CHANNEL, Type::TEXT),
                        (&what, Type::TEXT),
                    ],
                )
                .await
                .map_err(db)?;
            let rewritten: i64 = row.first().map(|r| r.get(0)).unwrap_or(0);
            if rewritten > 0 {
                // Dropping the transaction rolls back this point's inserts.
                return Err(crate::store::StoreError::Db(format!(
                    "{rewritten} event(s) of session {session} were written by another console \
                     (it took the incident over); this one stops"
                )));
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

impl PgStore {
    /// At most this many events per [`PgStore::events_after`] read.
    pub const EVENTS_BATCH: usize = 2000;

    /// The event lines of `session` with a seq above `after`, in seq order, as (seq, line);
    /// at most [`PgStore::EVENTS_BATCH`] per call (call again from the last seq for more).
    pub fn events_after(&self, session: &str, after: u64) -> Result<Vec<(u64, String)>, String> {
        let session = session.to_string();
        let after = i32::try_from(after).unwrap_or(i32::MAX);
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let rows = client
                .query(
                    "SELECT n, line FROM session_events WHERE session = $1 AND n > $2
                     ORDER BY n LIMIT $3",
                    &[&session, &after, &(Self::EVENTS_BATCH as i64)],
                )
                .await
                .map_err(db)?;
            Ok(rows
                .iter()
                .map(|r| {
                    let n: i32 = r.get(0);
                    (u64::try_from(n).unwrap_or(0), r.get::<_, String>(1))
                })
                .collect())
        })
        .map_err(|e| e.to_string())
    }
}

impl ClaimLookup for PgStore {
    fn incident_of(&self, session: &str) -> Result<Option<String>, String> {
        let session = session.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let row = client
                .query_opt(
                    "SELECT incident FROM inbox
                     WHERE kind = 'started' AND (record::json)->'change'->>'session' = $1
                     ORDER BY seq DESC LIMIT 1",
                    &[&session],
                )
                .await
                .map_err(db)?;
            Ok(row.map(|r| r.get::<_, String>(0)))
        })
        .map_err(|e| e.to_string())
    }

    fn other_holder(&self, keys: &[String], me: &str) -> Result<Option<String>, String> {
        let (keys, me) = (keys.to_vec(), me.to_string());
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let row = client
                .query_opt(
                    "SELECT operator FROM claims
                     WHERE incident = ANY($1) AND operator <> $2 AND lease_until >= now()
                     ORDER BY since LIMIT 1",
                    &[&keys, &me],
                )
                .await
                .map_err(db)?;
            Ok(row.map(|r| r.get::<_, String>(0)))
        })
        .map_err(|e| e.to_string())
    }
}
