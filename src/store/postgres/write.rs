//! Inbox writes in PostgreSQL, batched: a [`Locked`] connection is inside a transaction that
//! holds the inbox's advisory lock (so `seq` order is commit order and nobody else appends
//! until it commits), and [`write`] stores a whole batch of records in a fixed number of
//! statements (one multi-row insert per table through `unnest`, whatever the batch size).
//!
//! A transact takes the lock and reads in one round trip ([`Locked::begin_reading`]), and so
//! does the receiver's decision ([`Locked::begin_foreseen`]); the insert and the COMMIT go
//! out pipelined ([`Locked::insert_and_commit`]), as statements prepared once per connection.
//!
//! [`write`] reads the incident rows the batch touches (none when the decision already read
//! them by key), makes each record agree with them (`reconcile`: the unique dedup key has the
//! last word, so a plain append cannot open a second incident for a key; inside
//! [`Store::decide`](crate::store::Store::decide) the decision was already made under the
//! lock, so this changes nothing there) and writes the records and the rows they change
//! (`incident_rows`) in the same transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use deadpool_postgres::{ClientWrapper, Object, Pool};
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::types::Type;

use super::db;
use super::inbox::{Aliases, CHANNEL, INBOX_LOCK, cursor, decode, kind};
use super::incident_rows::{self, Known, Rows};
use super::json_text::JsonText;
use super::prepared::{self, Param};
use super::reconcile::reconcile;
use crate::store::recent::RecentWrites;
use crate::store::{Cursor, DedupKey, InboxRecord, Incident, StoreError};

/// A pooled connection inside `BEGIN` with the inbox lock held. [`Locked::insert_and_commit`] ends it;
/// dropped without a commit (an error, a panic in between), the connection is closed rather
/// than returned to the pool, so the server rolls back and frees the lock at once.
pub struct Locked {
    conn: Option<Object>,
}

impl Locked {
    /// Take a connection, begin and wait for the inbox lock (one round trip).
    pub async fn begin(pool: &Pool) -> Result<Locked, StoreError> {
        let conn = pool.get().await.map_err(db)?;
        let locked = Locked { conn: Some(conn) };
        locked
            .client()?
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({INBOX_LOCK})"
            ))
            .await
            .map_err(db)?;
        Ok(locked)
    }

    /// [`Locked::begin`], then the waiting counter, the rows holding `keys` and, with
    /// `since`, the lingering count: all sent at once, one round trip. The server runs them
    /// in order, so each read's snapshot is taken once the lock is held.
    pub async fn begin_foreseen(
        pool: &Pool,
        keys: &[DedupKey],
        since: Option<DateTime<Utc>>,
    ) -> Result<(Locked, Foresaw), StoreError> {
        let conn = pool.get().await.map_err(db)?;
        let locked = Locked { conn: Some(conn) };
        let client = locked.client()?;
        let lingering = async {
            match since {
                Some(since) => incident_rows::lingering(client, since).await.map(Some),
                None => Ok(None),
            }
        };
        let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({INBOX_LOCK})");
        let (lock, pending, found, lingering) = tokio::join!(
            client.batch_execute(&begin),
            incident_rows::pending(client),
            incident_rows::by_keys(client, keys),
            lingering
        );
        // The first failure is the cause; the ones after it only say "aborted".
        lock.map_err(db)?;
        let foresaw = Foresaw {
            pending: pending?,
            found: found?,
            lingering: lingering?.zip(since).map(|(n, since)| (since, n)),
        };
        Ok((locked, foresaw))
    }

    /// The connection (inside the transaction).
    pub fn client(&self) -> Result<&ClientWrapper, StoreError> {
        self.conn
            .as_deref()
            .ok_or_else(|| StoreError::Db("the inbox transaction is already over".into()))
    }

    /// Take a connection, begin, wait for the inbox lock and read every record after
    /// `after`, all in one round trip (a multi-statement simple query: the read is its own
    /// statement, so its snapshot is taken once the lock is held and sees every append
    /// committed before). Returns the records and the cursor after the last one.
    pub async fn begin_reading(
        pool: &Pool,
        after: Cursor,
    ) -> Result<(Locked, Vec<InboxRecord>, Cursor), StoreError> {
        let conn = pool.get().await.map_err(db)?;
        let locked = Locked { conn: Some(conn) };
        let from = i64::try_from(after).unwrap_or(i64::MAX);
        let messages = locked
            .client()?
            .simple_query(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({INBOX_LOCK});
                 SELECT seq, record::text FROM inbox WHERE seq > {from} ORDER BY seq"
            ))
            .await
            .map_err(db)?;
        let mut next = after;
        let mut records = Vec::new();
        for message in messages {
            let SimpleQueryMessage::Row(row) = message else {
                continue;
            };
            // The lock's own (one-column) row is not a record.
            if row.len() != 2 {
                continue;
            }
            let seq = row
                .get(0)
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| StoreError::Db("an inbox row without a seq".into()))?;
            next = cursor(seq);
            if let Some(record) = decode(seq, row.get(1).unwrap_or("")) {
                records.push(record);
            }
        }
        Ok((locked, records, next))
    }

    /// Insert `records` (already reconciled), write the incident rows they change and
    /// commit, pipelined in one round trip: each statement is sent right behind the one
    /// before; if one failed the transaction is aborted and the COMMIT only ends it (the
    /// error is returned).
    pub async fn insert_and_commit(
        &mut self,
        records: &[InboxRecord],
        rows: &Rows<'_>,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let client = self.client()?;
        let (inserted, committed) = if records.is_empty() {
            (Ok(None), client.batch_execute("COMMIT").await)
        } else {
            let len = i64::try_from(records.len()).unwrap_or(i64::MAX);
            // Prepared first (a round trip on a connection's first batch only): a statement
            // still being prepared when COMMIT goes out would run after it, outside the
            // transaction.
            let insert = Insert::new(records);
            let upsert = incident_rows::Upsert::new(rows, len, true);
            let delta = rows.pending_delta;
            let (insert_params, upsert_params) = (insert.params(), upsert.params());
            let count_params: [Param<'_>; 1] = [(&delta, Type::INT8)];
            let (insert_st, upsert_st, count_st) = tokio::try_join!(
                prepared::statement(client, INSERT, &insert_params),
                prepared::statement(client, upsert.sql(), &upsert_params),
                prepared::statement(client, incident_rows::COUNT_PENDING, &count_params),
            )?;
            // Each future sends its statement when first polled, in this order.
            let (inserted, upserted, counted, committed) = tokio::join!(
                client.query_one(&insert_st.0, &insert_st.1),
                async {
                    match upsert.is_empty() {
                        true => Ok(0),
                        false => client.execute(&upsert_st.0, &upsert_st.1).await,
                    }
                },
                async {
                    match delta {
                        0 => Ok(0),
                        _ => client.execute(&count_st.0, &count_st.1).await,
                    }
                },
                client.batch_execute("COMMIT")
            );
            // The first failure is the cause; the ones after it only say "aborted".
            let row = inserted.map_err(db)?;
            upserted.map_err(db)?;
            counted.map_err(db)?;
            let span = (row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?);
            (Ok(Some(span)), committed)
        };
        let span = inserted?;
        committed.map_err(db)?;
        // Committed: the connection goes back to the pool.
        self.conn.take();
        Ok(span)
    }
}

/// What [`Locked::begin_foreseen`] read with the lock.
pub struct Foresaw {
    pub pending: usize,
    pub found: Vec<(Incident, Option<i64>)>,
    /// The lingering count, and the `since` it was counted from.
    pub lingering: Option<(DateTime<Utc>, usize)>,
}

impl Drop for Locked {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(Object::take(conn));
        }
    }
}

/// What every append of this process shares: the incident ids that lost a dedup race (with
/// the ids that won), and the records held for its followers once committed.
pub struct Appends {
    pub aliases: Aliases,
    pub recent: Arc<RecentWrites>,
}

/// Store `records` in order inside `locked`'s transaction with the incident rows they
/// change, notify [`CHANNEL`] and commit; `known` holds the rows (and keys) this transaction
/// already read. Once committed, `appends.recent` holds the records for this process's
/// followers. Returns the first and last `seq` written (None for no records).
pub async fn write(
    locked: &mut Locked,
    appends: &Appends,
    mut records: Vec<InboxRecord>,
    known: Known,
) -> Result<Option<(i64, i64)>, StoreError> {
    let Appends { aliases, recent } = appends;
    {
        let aliases = aliases.lock().unwrap_or_else(|p| p.into_inner());
        for record in &mut records {
            if let Some(id) = aliases.get(&record.incident) {
                record.incident = id.clone();
            }
        }
    }
    if records.is_empty() {
        return locked.insert_and_commit(&[], &Rows::default()).await;
    }
    let mut overlay = incident_rows::load(locked.client()?, &records, known).await?;
    reconcile(&mut overlay, aliases, &mut records);
    let rows = overlay.rows(&records);
    let span = locked.insert_and_commit(&records, &rows).await?;
    drop(rows);
    // Held only when the batch's seqs run one by one (they do under the inbox lock, unless a
    // sequence cache hands out blocks); otherwise followers read them.
    if let Some((first, last)) = span
        && usize::try_from(last - first + 1).is_ok_and(|n| n == records.len())
    {
        recent.push(first, records);
    }
    Ok(span)
}

/// The multi-row insert of the records themselves, and the notification, in one statement.
const INSERT: &str = "WITH ins AS (
        INSERT INTO inbox (at, incident, kind, record)
        SELECT a, i, k, r
          FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[])
               WITH ORDINALITY AS u(a, i, k, r, o)
         ORDER BY o
        RETURNING seq)
     SELECT lo, hi, pg_notify($5, hi::text)::text
       FROM (SELECT min(seq) AS lo, max(seq) AS hi FROM ins) AS m";

/// [`INSERT`]'s parameters: one array per column.
struct Insert<'a> {
    at: Vec<DateTime<Utc>>,
    incident: Vec<&'a str>,
    kinds: Vec<&'static str>,
    json: Vec<JsonText<&'a InboxRecord>>,
}

impl<'a> Insert<'a> {
    fn new(records: &'a [InboxRecord]) -> Insert<'a> {
        let mut insert = Insert {
            at: Vec::with_capacity(records.len()),
            incident: Vec::with_capacity(records.len()),
            kinds: Vec::with_capacity(records.len()),
            json: Vec::with_capacity(records.len()),
        };
        for record in records {
            insert.at.push(record.at);
            insert.incident.push(record.incident.as_str());
            insert.kinds.push(kind(&record.change));
            insert.json.push(JsonText(record));
        }
        insert
    }

    fn params(&self) -> [Param<'_>; 5] {
        [
            (&self.at, Type::TIMESTAMPTZ_ARRAY),
            (&self.incident, Type::TEXT_ARRAY),
            (&self.kinds, Type::TEXT_ARRAY),
            (&self.json, Type::TEXT_ARRAY),
            (&CHANNEL, Type::TEXT),
        ]
    }
}
