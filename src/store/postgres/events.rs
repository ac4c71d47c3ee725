//! Session events in PostgreSQL: `session_events` (session, n = the event's seq, line),
//! written by [`EventSink::put`] in one transaction per durability point, which also
//! notifies the board channel (`events <session>`) so watching consoles read the new events
//! at once. An event already stored is never rewritten: the same line again is a retry
//! (fine); a different line under the same seq means another console wrote this session
//! meanwhile (it took the incident over while this one was cut off), and the put fails, so
//! the stale session stops instead of overwriting the taker's events; [`PgStore::events_after`] is their read from a seq on. The claim lookups of the
//! core's claim guard (`session::claim_guard`) read `claims` and the inbox here too.

use super::inbox::CHANNEL;
use super::{PgStore, db};
use crate::session::claim_guard::ClaimLookup;
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
                     ON CONFLICT (session, n) DO NOTHING",
                )
                .await
                .map_err(db)?;
            for (seq, line) in &events {
                let n = i32::try_from(*seq).map_err(db)?;
                let inserted = tx
                    .execute(&insert, &[&session, &n, line])
                    .await
                    .map_err(db)?;
                if inserted == 0 {
                    let stored: String = tx
                        .query_one(
                            "SELECT line FROM session_events WHERE session = $1 AND n = $2",
                            &[&session, &n],
                        )
                        .await
                        .map_err(db)?
                        .get(0);
                    if &stored != line {
                        return Err(crate::store::StoreError::Db(format!(
                            "event {seq} of session {session} was written by another console \
                             (it took the incident over); this one stops"
                        )));
                    }
                }
            }
            if !events.is_empty() {
                // Delivered at commit: watchers wake and read from their last seq.
                let what = format!("events {session}");
                tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &what])
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
                     WHERE kind = 'started' AND record->'change'->>'session' = $1
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
