//! The `incidents` table as rows: every incident as its inbox records made it (`body`, the
//! [`Incident`] as JSON without its alert, which stays in the inbox record `alert_seq`
//! names), written in the same transaction as the records by the same rule the followers
//! use ([`Incidents::apply`]). The dedup key is under a unique index (one live holder per
//! key, `keyed`), the waiting ones under a partial index and the `pending` counter, the
//! recently ended-untouched ones under another; a session's incident is found through the
//! inbox's index of `started` records. Writers look incidents up by key here and nothing
//! keeps every incident in memory.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use deadpool_postgres::ClientWrapper;
use tokio_postgres::Client;
use tokio_postgres::types::{ToSql, Type};

use super::db;
use super::json_text::JsonText;
use super::prepared::{self, Param};
use crate::alert::Source;
use crate::store::flat::RowBody;
use crate::store::{Change, DedupKey, InboxRecord, Incident, IncidentState, Incidents, StoreError};

/// Migration 6: the key table becomes the incident table (rebuilt from the inbox by
/// [`backfill`] in the same transaction).
pub const MIGRATION: &str = r#"
DELETE FROM incidents;
ALTER TABLE incidents DROP CONSTRAINT incidents_dedup;
ALTER TABLE incidents
    ADD COLUMN n             BIGINT NOT NULL,
    ADD COLUMN keyed         BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN pending       BOOLEAN NOT NULL,
    ADD COLUMN ended_untaken BOOLEAN NOT NULL,
    ADD COLUMN body          JSONB NOT NULL;
CREATE UNIQUE INDEX incidents_key ON incidents (source, fingerprint) WHERE keyed;
CREATE INDEX incidents_order ON incidents (n);
CREATE INDEX incidents_waiting ON incidents (n) WHERE pending;
CREATE INDEX incidents_lingering ON incidents (opened_at) WHERE ended_untaken;
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('pending', 0);
"#;

/// Migration 7: a row's body leaves its alert out and `alert_seq` names the inbox record
/// holding it (NULL: the body keeps it, as rows written before did); bodies and records are
/// `json`, stored as sent (they are only ever read whole), not parsed into `jsonb`.
pub const MIGRATION_ALERT_SEQ: &str = r#"
ALTER TABLE incidents ADD COLUMN alert_seq BIGINT;
ALTER TABLE incidents ALTER COLUMN body TYPE json;
ALTER TABLE inbox ALTER COLUMN record TYPE json;
"#;

/// The columns a row is read from, in [`decode`]'s order, from `incidents` as `i`: the
/// body, the record holding its alert (rows with `alert_seq`) and `alert_seq`.
const ROW: &str = "i.body::text,
    (SELECT r.record::text FROM inbox r WHERE r.seq = i.alert_seq), i.alert_seq";

/// An incident and its row's `alert_seq`, from the three [`ROW`] columns starting at `at`.
fn decode(row: &tokio_postgres::Row, at: usize) -> Result<(Incident, Option<i64>), StoreError> {
    let bad = |e: String| StoreError::Db(format!("an incident row: {e}"));
    let body: &str = row.try_get(at).map_err(|e| bad(e.to_string()))?;
    let record: Option<&str> = row.try_get(at + 1).map_err(|e| bad(e.to_string()))?;
    let alert_seq: Option<i64> = row.try_get(at + 2).map_err(|e| bad(e.to_string()))?;
    let incident = crate::store::flat::incident_from_row(body, record).map_err(bad)?;
    Ok((incident, alert_seq))
}

fn decode_incident(row: &tokio_postgres::Row, at: usize) -> Result<Incident, StoreError> {
    decode(row, at).map(|(incident, _)| incident)
}

fn decode_all(rows: &[tokio_postgres::Row]) -> Result<Incidents, StoreError> {
    let mut incidents = Incidents::default();
    for row in rows {
        incidents.insert(decode_incident(row, 0)?);
    }
    Ok(incidents)
}

/// The incident with this id.
pub async fn get(client: &Client, id: &str) -> Result<Option<Incident>, StoreError> {
    Ok(get_row(client, id).await?.map(|(incident, _)| incident))
}

/// [`get`] with the row's `alert_seq`.
pub async fn get_row(
    client: &Client,
    id: &str,
) -> Result<Option<(Incident, Option<i64>)>, StoreError> {
    let row = client
        .query_typed_opt(
            &format!("SELECT {ROW} FROM incidents i WHERE i.id = $1"),
            &[(&id, Type::TEXT)],
        )
        .await
        .map_err(db)?;
    row.map(|r| decode(&r, 0)).transpose()
}

fn key_arrays<'a>(keys: impl Iterator<Item = &'a DedupKey>) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut seen = HashSet::new();
    keys.filter(|k| seen.insert(*k))
        .map(|k| (k.source.name(), k.fingerprint.as_str()))
        .unzip()
}

/// `FROM` the incidents (as `i`) that hold the keys in the text arrays `$first` (sources) and
/// `$first + 1` (fingerprints), distinct as [`key_arrays`] makes them. A join driven by the
/// keys, so each is one probe of the unique index and the plan's cost follows the keys, not
/// the table. Written as `(source, fingerprint) IN (SELECT * FROM unnest(..))`, before the
/// table's first analyze (a new database under a storm) the planner guessed a large share of
/// the table matched: a sequential scan at 15,000 incidents in the ingest bench, and a
/// JIT-compiled plan at 45,000 (68 ms against 3 ms, every batch, under the inbox lock).
fn holding_keys(first: usize) -> String {
    format!(
        "FROM unnest(${first}::text[], ${}::text[]) AS k(source, fingerprint)
           JOIN incidents i
             ON i.keyed AND i.source = k.source AND i.fingerprint = k.fingerprint",
        first + 1
    )
}

/// [`by_keys`]' query.
static BY_KEYS: LazyLock<String> = LazyLock::new(|| format!("SELECT {ROW} {}", holding_keys(1)));

/// The incidents that hold these keys, with their rows' `alert_seq`, in one query.
pub async fn by_keys(
    client: &ClientWrapper,
    keys: &[DedupKey],
) -> Result<Vec<(Incident, Option<i64>)>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let (sources, prints) = key_arrays(keys.iter());
    let (statement, values) = prepared::statement(
        client,
        &BY_KEYS,
        &[(&sources, Type::TEXT_ARRAY), (&prints, Type::TEXT_ARRAY)],
    )
    .await?;
    let rows = client.query(&statement, &values).await.map_err(db)?;
    rows.iter().map(|r| decode(r, 0)).collect()
}

/// The incident `session` was started for (the inbox's index of `started` records).
pub async fn of_session(client: &Client, session: &str) -> Result<Option<Incident>, StoreError> {
    let row = client
        .query_typed_opt(
            &format!(
                "SELECT {ROW} FROM incidents i WHERE i.id =
                    (SELECT incident FROM inbox
                      WHERE kind = 'started' AND (record::json)->'change'->>'session' = $1
                      ORDER BY seq DESC LIMIT 1)"
            ),
            &[(&session, Type::TEXT)],
        )
        .await
        .map_err(db)?;
    row.map(|r| decode_incident(&r, 0)).transpose()
}

/// Every incident, in the order they first opened.
pub async fn all(client: &Client) -> Result<Incidents, StoreError> {
    let rows = client
        .query_typed(&format!("SELECT {ROW} FROM incidents i ORDER BY i.n"), &[])
        .await
        .map_err(db)?;
    decode_all(&rows)
}

/// Every incident from `source` that holds its key, in first-opened order.
pub async fn of_source(client: &Client, source: Source) -> Result<Incidents, StoreError> {
    let rows = client
        .query_typed(
            &format!("SELECT {ROW} FROM incidents i WHERE i.source = $1 AND i.keyed ORDER BY i.n"),
            &[(&source.name(), Type::TEXT)],
        )
        .await
        .map_err(db)?;
    decode_all(&rows)
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Open and not taken up: the inbox depth.
pub async fn pending(client: &Client) -> Result<usize, StoreError> {
    let row = client
        .query_typed_one("SELECT value FROM counters WHERE name = 'pending'", &[])
        .await
        .map_err(db)?;
    Ok(count(row.get(0)))
}

/// Opened at or after `since`, ended at the source and never taken up.
pub async fn lingering(client: &Client, since: DateTime<Utc>) -> Result<usize, StoreError> {
    let row = client
        .query_typed_one(
            "SELECT count(*) FROM incidents WHERE ended_untaken AND opened_at >= $1",
            &[(&since, Type::TIMESTAMPTZ)],
        )
        .await
        .map_err(db)?;
    Ok(count(row.get(0)))
}

/// At most `limit` waiting incidents (oldest first) and how many wait in all, as of one
/// snapshot.
pub async fn waiting(
    client: &mut Client,
    limit: usize,
) -> Result<(Vec<Incident>, usize), StoreError> {
    // Only the count (a follower asks it after every poll): one statement, no transaction.
    if limit == 0 {
        return Ok((Vec::new(), pending(client).await?));
    }
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db)?;
    let rows = tx
        .query_typed(
            &format!("SELECT {ROW} FROM incidents i WHERE i.pending ORDER BY i.n LIMIT $1"),
            &[(&limit_of(limit), Type::INT8)],
        )
        .await
        .map_err(db)?;
    let total = pending(tx.client()).await?;
    tx.commit().await.map_err(db)?;
    let list = rows
        .iter()
        .map(|r| decode_incident(r, 0))
        .collect::<Result<_, _>>()?;
    Ok((list, total))
}

/// The oldest `limit` waiting and the newest `limit` incidents, in first-opened order, and
/// the inbox seq they are current at (one snapshot).
pub async fn recent(client: &mut Client, limit: usize) -> Result<(Incidents, i64), StoreError> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(db)?;
    let head: i64 = tx
        .query_typed_one("SELECT coalesce(max(seq), 0) FROM inbox", &[])
        .await
        .map_err(db)?
        .get(0);
    let rows = tx
        .query_typed(
            &format!(
                "SELECT i.n, {ROW} FROM (
                    (SELECT n, body, alert_seq FROM incidents WHERE pending ORDER BY n LIMIT $1)
                    UNION ALL
                    (SELECT n, body, alert_seq FROM incidents ORDER BY n DESC LIMIT $1)) AS i
                 ORDER BY i.n"
            ),
            &[(&limit_of(limit), Type::INT8)],
        )
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    let mut incidents = Incidents::default();
    for row in &rows {
        let incident = decode_incident(row, 1)?;
        if incidents.get(&incident.id).is_none() {
            incidents.insert(incident);
        }
    }
    Ok((incidents, head))
}

/// What a transaction already read before its records are written: those rows, and the keys
/// it asked for (a key asked for and not found has no holder).
#[derive(Default)]
pub struct Known {
    pub incidents: Incidents,
    pub keys: HashSet<DedupKey>,
    /// The `alert_seq` of the rows read that have one.
    pub alert_seqs: HashMap<String, i64>,
}

impl Known {
    /// Hold a row read with its `alert_seq`.
    pub fn insert(&mut self, (incident, alert_seq): (Incident, Option<i64>)) {
        match alert_seq {
            Some(seq) => self.alert_seqs.insert(incident.id.clone(), seq),
            None => self.alert_seqs.remove(&incident.id),
        };
        self.incidents.insert(incident);
    }
}

/// Where the record holding a row's alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AlertAt {
    /// Already in the inbox, at this seq.
    Seq(i64),
    /// In the batch being written, at this index.
    Batch(i64),
}

/// The rows a batch of records touches, as they stand before it, in memory.
pub struct Overlay {
    pub incidents: Incidents,
    /// Ids whose row holds its key in the database now.
    keyed: HashSet<String>,
    /// Where each incident's alert is kept (absent: in its row's body).
    alerts: HashMap<String, AlertAt>,
    pending_before: usize,
}

impl Overlay {
    /// Apply `record`, the batch's `index`th, to the incidents; an alert it brings that the
    /// incident now has is kept in it.
    pub fn apply(&mut self, index: usize, record: &InboxRecord) {
        self.incidents.apply(record);
        if let Some(incident) = self.incidents.get(&record.incident)
            && crate::store::flat::record_alert_is(record, incident)
        {
            let at = AlertAt::Batch(i64::try_from(index).unwrap_or(i64::MAX));
            self.alerts.insert(record.incident.clone(), at);
        }
    }
}

/// Read the rows `records` touch that `known` does not hold (one query, none when it holds
/// them all): each record's incident and the holder of each key a record opens.
pub async fn load(
    client: &Client,
    records: &[InboxRecord],
    known: Known,
) -> Result<Overlay, StoreError> {
    let Known {
        mut incidents,
        keys,
        alert_seqs,
    } = known;
    let mut alerts: HashMap<String, AlertAt> = alert_seqs
        .into_iter()
        .map(|(id, seq)| (id, AlertAt::Seq(seq)))
        .collect();
    let mut ids: Vec<&str> = Vec::new();
    let mut missing_keys: Vec<&DedupKey> = Vec::new();
    let mut opened_here: HashSet<&str> = HashSet::new();
    for record in records {
        match &record.change {
            Change::Opened { key, .. } => {
                opened_here.insert(record.incident.as_str());
                if !keys.contains(key) {
                    missing_keys.push(key);
                }
            }
            Change::Snapshot { incident, .. } if !keys.contains(&incident.key) => {
                missing_keys.push(&incident.key);
            }
            _ => {}
        }
        // An id a batch opens first is new (ids are never reused).
        if !opened_here.contains(record.incident.as_str())
            && incidents.get(&record.incident).is_none()
        {
            ids.push(record.incident.as_str());
        }
    }
    let mut found: Vec<(Incident, bool)> = incidents.iter().map(|i| (i.clone(), true)).collect();
    if !ids.is_empty() || !missing_keys.is_empty() {
        ids.sort_unstable();
        ids.dedup();
        let (sources, prints) = key_arrays(missing_keys.into_iter());
        let rows = client
            .query_typed(
                &format!(
                    "SELECT i.keyed, {ROW} FROM incidents i WHERE i.id = ANY($1::text[])
                     UNION ALL
                     SELECT i.keyed, {ROW} {}",
                    holding_keys(2)
                ),
                &[
                    (&ids as &(dyn ToSql + Sync), Type::TEXT_ARRAY),
                    (&sources, Type::TEXT_ARRAY),
                    (&prints, Type::TEXT_ARRAY),
                ],
            )
            .await
            .map_err(db)?;
        for row in &rows {
            let (incident, alert_seq) = decode(row, 1)?;
            match alert_seq {
                Some(seq) => alerts.insert(incident.id.clone(), AlertAt::Seq(seq)),
                None => alerts.remove(&incident.id),
            };
            found.push((incident, row.try_get(0).map_err(db)?));
        }
    }
    // The rows that do not hold their key first: a holder read after one replaces it in
    // the key index.
    found.sort_by_key(|(_, keyed)| *keyed);
    let mut keyed = HashSet::new();
    incidents = Incidents::default();
    for (incident, holds) in found {
        if holds {
            keyed.insert(incident.id.clone());
        }
        incidents.insert(incident);
    }
    Ok(Overlay {
        pending_before: incidents.pending(),
        incidents,
        keyed,
        alerts,
    })
}

/// The rows to write for a batch applied to an [`Overlay`], and the change of the waiting
/// count.
#[derive(Default)]
pub struct Rows<'a> {
    incidents: Vec<(&'a Incident, bool)>,
    /// For each row, the index of its first record in the batch.
    first: Vec<i64>,
    /// For each row, where its alert is kept (None: in its body).
    alerts: Vec<Option<AlertAt>>,
    pub pending_delta: i64,
}

impl Overlay {
    /// The rows of `records` (already applied to the overlay) as they now stand, in the
    /// order their incidents first appear; rows that lose their key come first.
    pub fn rows<'a>(&'a self, records: &[InboxRecord]) -> Rows<'a> {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, record) in records.iter().enumerate() {
            first.entry(record.incident.as_str()).or_insert(i);
        }
        // Rows that held their key and no longer do (a snapshot moved the key, or an older
        // inbox opened a second incident for it), though no record of theirs is here.
        for id in &self.keyed {
            first.entry(id.as_str()).or_insert(0);
        }
        let mut rows: Vec<(&Incident, bool, usize)> = first
            .into_iter()
            .filter_map(|(id, at)| {
                let incident = self.incidents.get(id)?;
                let holds = self
                    .incidents
                    .by_key(&incident.key)
                    .is_some_and(|h| h.id == incident.id);
                let touched = records.get(at).is_some_and(|r| r.incident == id);
                (touched || holds != self.keyed.contains(id)).then_some((incident, holds, at))
            })
            .collect();
        rows.sort_by_key(|(_, holds, at)| (*holds, *at));
        let pending = i64::try_from(self.incidents.pending()).unwrap_or(i64::MAX);
        let before = i64::try_from(self.pending_before).unwrap_or(i64::MAX);
        Rows {
            first: rows
                .iter()
                .map(|(_, _, at)| i64::try_from(*at).unwrap_or(0))
                .collect(),
            alerts: rows
                .iter()
                .map(|(i, _, _)| self.alerts.get(&i.id).copied())
                .collect(),
            incidents: rows.iter().map(|(i, holds, _)| (*i, *holds)).collect(),
            pending_delta: pending - before,
        }
    }
}

/// Upsert `rows` given the seq of the batch's first record, `{base}` (`n` of a new row is
/// the seq of its first record; an existing row keeps its `n`). `alert_seq` is the seq of a
/// batch record (`$12`, its index) or of an older one (`$13`), NULL when the body keeps
/// the alert.
const UPSERT: &str = "
INSERT INTO incidents
    (id, n, source, fingerprint, keyed, firing, opened_at, pending, ended_untaken, body,
     alert_seq)
SELECT i, {base} + o, s, f, k, fi, op, p, e, b, coalesce({base} + ab, aseq)
  FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::bool[], $6::bool[],
              $7::timestamptz[], $8::bool[], $9::bool[], $10::text[], $12::int8[],
              $13::int8[])
       WITH ORDINALITY AS u(i, o, s, f, k, fi, op, p, e, b, ab, aseq, ord)
 ORDER BY ord
ON CONFLICT (id) DO UPDATE SET
    source = excluded.source, fingerprint = excluded.fingerprint, keyed = excluded.keyed,
    firing = excluded.firing, opened_at = excluded.opened_at, pending = excluded.pending,
    ended_untaken = excluded.ended_untaken, body = excluded.body,
    alert_seq = excluded.alert_seq";

/// [`UPSERT`] with the batch's first seq given: `$11`.
static UPSERT_AT: LazyLock<String> = LazyLock::new(|| UPSERT.replace("{base}", "$11"));

/// [`UPSERT`] sent in the same pipeline as the inbox insert: the batch's first seq is not
/// known yet, and is the inbox sequence's value in this session less the batch's length
/// (`$11`).
static UPSERT_AFTER_INSERT: LazyLock<String> =
    LazyLock::new(|| UPSERT.replace("{base}", "(currval('inbox_seq_seq') - $11 + 1)"));

/// A row's body: the incident without its alert when a record keeps it, else whole.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
enum Body<'a> {
    Lean(RowBody<'a>),
    Whole(&'a Incident),
}

/// [`UPSERT`]'s parameters for `rows`: `base` is the seq of the batch's first record, or
/// (`after_insert`) the length of the batch just inserted in this transaction.
pub struct Upsert<'a> {
    rows: &'a Rows<'a>,
    ids: Vec<&'a str>,
    sources: Vec<&'static str>,
    prints: Vec<&'a str>,
    keyed: Vec<bool>,
    firing: Vec<bool>,
    opened: Vec<DateTime<Utc>>,
    pending: Vec<bool>,
    ended: Vec<bool>,
    bodies: Vec<JsonText<Body<'a>>>,
    base: i64,
    alert_batch: Vec<Option<i64>>,
    alert_seq: Vec<Option<i64>>,
    after_insert: bool,
}

impl<'a> Upsert<'a> {
    pub fn new(rows: &'a Rows<'a>, base: i64, after_insert: bool) -> Upsert<'a> {
        let len = rows.incidents.len();
        let mut upsert = Upsert {
            rows,
            ids: Vec::with_capacity(len),
            sources: Vec::with_capacity(len),
            prints: Vec::with_capacity(len),
            keyed: Vec::with_capacity(len),
            firing: Vec::with_capacity(len),
            opened: Vec::with_capacity(len),
            pending: Vec::with_capacity(len),
            ended: Vec::with_capacity(len),
            bodies: Vec::with_capacity(len),
            base,
            alert_batch: Vec::with_capacity(len),
            alert_seq: Vec::with_capacity(len),
            after_insert,
        };
        for ((incident, holds), alert) in rows.incidents.iter().zip(&rows.alerts) {
            upsert.alert_batch.push(match alert {
                Some(AlertAt::Batch(at)) => Some(*at),
                _ => None,
            });
            upsert.alert_seq.push(match alert {
                Some(AlertAt::Seq(seq)) => Some(*seq),
                _ => None,
            });
            upsert.ids.push(incident.id.as_str());
            upsert.sources.push(incident.key.source.name());
            upsert.prints.push(incident.key.fingerprint.as_str());
            upsert.keyed.push(*holds);
            upsert.firing.push(incident.state == IncidentState::Open);
            upsert.opened.push(incident.opened_at);
            upsert.pending.push(incident.is_pending());
            upsert.ended.push(incident.ended_untaken());
            upsert.bodies.push(JsonText(match alert {
                Some(_) => Body::Lean(RowBody::from(*incident)),
                None => Body::Whole(incident),
            }));
        }
        upsert
    }

    /// No row to write.
    pub fn is_empty(&self) -> bool {
        self.rows.incidents.is_empty()
    }

    pub fn sql(&self) -> &'static str {
        if self.after_insert {
            &UPSERT_AFTER_INSERT
        } else {
            &UPSERT_AT
        }
    }

    pub fn params(&self) -> [Param<'_>; 13] {
        [
            (&self.ids, Type::TEXT_ARRAY),
            (&self.rows.first, Type::INT8_ARRAY),
            (&self.sources, Type::TEXT_ARRAY),
            (&self.prints, Type::TEXT_ARRAY),
            (&self.keyed, Type::BOOL_ARRAY),
            (&self.firing, Type::BOOL_ARRAY),
            (&self.opened, Type::TIMESTAMPTZ_ARRAY),
            (&self.pending, Type::BOOL_ARRAY),
            (&self.ended, Type::BOOL_ARRAY),
            (&self.bodies, Type::TEXT_ARRAY),
            (&self.base, Type::INT8),
            (&self.alert_batch, Type::INT8_ARRAY),
            (&self.alert_seq, Type::INT8_ARRAY),
        ]
    }
}

/// Write `rows` (see [`Upsert`]) as a one-shot statement (the backfill's).
pub async fn upsert(
    client: &Client,
    rows: &Rows<'_>,
    base: i64,
    after_insert: bool,
) -> Result<(), StoreError> {
    let upsert = Upsert::new(rows, base, after_insert);
    if !upsert.is_empty() {
        client
            .query_typed(upsert.sql(), &upsert.params())
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Moves the waiting counter by `$1`.
pub const COUNT_PENDING: &str =
    "UPDATE counters SET value = greatest(0, value + $1) WHERE name = 'pending'";

/// Move the waiting counter by `delta` (a one-shot statement: the backfill's).
pub async fn count_pending(client: &Client, delta: i64) -> Result<(), StoreError> {
    if delta != 0 {
        client
            .query_typed(COUNT_PENDING, &[(&delta, Type::INT8)])
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Records per backfill batch.
const BACKFILL_BATCH: i64 = 10_000;

/// Fill the table from the inbox (migration 6 on a database an earlier release wrote): the
/// records as they stand (they were reconciled when written), batch by batch.
pub async fn backfill(client: &Client) -> Result<(), StoreError> {
    let mut after = 0i64;
    loop {
        let rows = client
            .query_typed(
                "SELECT seq, record::text FROM inbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[(&after, Type::INT8), (&BACKFILL_BATCH, Type::INT8)],
            )
            .await
            .map_err(db)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.get(0);
        // A batch is consecutive seqs (a new row's `n` is its first record's seq).
        let mut batch: Vec<InboxRecord> = Vec::new();
        let mut first = 0i64;
        for row in &rows {
            let seq: i64 = row.get(0);
            let Some(record) = super::inbox::decode(seq, row.get(1)) else {
                continue;
            };
            if !batch.is_empty() && first + i64::try_from(batch.len()).unwrap_or(0) != seq {
                apply(client, &batch, first).await?;
                batch.clear();
            }
            if batch.is_empty() {
                first = seq;
            }
            batch.push(record);
        }
        if !batch.is_empty() {
            apply(client, &batch, first).await?;
        }
    }
}

/// Bring the rows of `records` (already in the inbox from seq `first` on) up to date.
async fn apply(client: &Client, records: &[InboxRecord], first: i64) -> Result<(), StoreError> {
    let mut overlay = load(client, records, Known::default()).await?;
    for (index, record) in records.iter().enumerate() {
        overlay.apply(index, record);
    }
    let rows = overlay.rows(records);
    upsert(client, &rows, first, false).await?;
    count_pending(client, rows.pending_delta).await
}
