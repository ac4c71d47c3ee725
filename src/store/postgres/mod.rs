//! [`PgStore`]: the [`Store`] and [`Board`] over one PostgreSQL database, for a team: every
//! console and every receiver replica connects to the same database.
//!
//! The trait is synchronous (its callers are the intake writer thread, blocking tasks and
//! short calls from the console); the store owns a small tokio runtime of its own with a
//! connection pool (deadpool-postgres) and runs each call there, so it works from any thread,
//! inside another runtime or not. Opening it (`connect`) takes libpq's `sslmode` (`tls`)
//! and runs the migrations; `health` probes the database and tells the console when it goes
//! and comes back.

mod audit;
mod claims;
mod connect;
mod copy;
mod corrections;
mod events;
mod grants;
pub mod health;
mod inbox;
mod incident_rows;
mod json_text;
mod listen;
mod lookup;
pub mod migrations;
mod prepared;
mod reconcile;
pub mod tls;
mod tls_stream;
mod tls_verify;
mod transact;
mod write;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;

use super::board::{Board, Claim, ClaimOutcome};
use super::{Cursor, Decide, Foreseen, InboxRecord, Incident, Incidents, Store, StoreError};
use crate::alert::Source;

pub use copy::Counts;
pub use inbox::{CHANNEL, kind};

/// Connections per process.
const POOL_SIZE: usize = 8;

/// A driver error as one line with its causes (tokio-postgres' own text is only "db error"
/// or "error connecting to server"; the database's message is in the cause).
pub(crate) fn db(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    let e = e.into();
    let mut line = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string().replace('\n', " ");
        if !line.contains(&text) {
            line = format!("{line}: {text}");
        }
        cause = c.source();
    }
    StoreError::Db(line)
}

/// A connection to the team database.
pub struct PgStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// Where the database is, without credentials (for messages).
    display: String,
    runtime: Option<tokio::runtime::Runtime>,
    /// Dedup-race aliases and the records committed lately, shared by every append.
    appends: Arc<write::Appends>,
    listener: listen::Listener,
    health: health::Health,
    tls: tls::Tls,
}

impl PgStore {
    /// `postgres://host:port/db` without user or password.
    pub fn describe_url(&self) -> &str {
        &self.display
    }

    /// Run `f` on the store's runtime and wait for it (from any thread). A thread outside
    /// any runtime (the intake writer) runs it itself, with no hop to a worker and back.
    pub(crate) fn run<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        if tokio::runtime::Handle::try_current().is_err() {
            let runtime = self
                .runtime
                .as_ref()
                .ok_or_else(|| StoreError::Db("the store is closed".into()))?;
            return runtime.block_on(self.checked(f(self.pool.clone())));
        }
        self.spawn(f)?
            .recv()
            .map_err(|_| StoreError::Db("the database task stopped".into()))?
    }

    /// `fut`, and on a failure a probe of the database: if it went away, the error says so
    /// plainly and the console hears it now. A refused password is an answer: the database
    /// is there.
    fn checked<T, Fut>(&self, fut: Fut) -> impl Future<Output = Result<T, StoreError>> + use<T, Fut>
    where
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let (health, pool, tls) = (self.health.clone(), self.pool.clone(), self.tls.clone());
        async move {
            let mut result = fut.await;
            if result.is_err()
                && !matches!(result, Err(StoreError::Auth(_)))
                && let Some(why) = health.check(&pool, &tls).await
            {
                result = Err(StoreError::Db(format!(
                    "the database is unreachable: {why}"
                )));
            }
            result
        }
    }

    /// Start `f` on the store's runtime; the receiver yields its result.
    pub(crate) fn spawn<T, F, Fut>(
        &self,
        f: F,
    ) -> Result<std::sync::mpsc::Receiver<Result<T, StoreError>>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StoreError::Db("the store is closed".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = self.checked(f(self.pool.clone()));
        runtime.spawn(async move {
            let _ = tx.send(fut.await);
        });
        Ok(rx)
    }

    /// The connection settings (for the listener and for `store migrate`).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks; a store dropped inside async code must not.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Store for PgStore {
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError> {
        self.append_locked(records)
    }

    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        let recent = self.appends.recent.clone();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            inbox::read_from(&client, cursor, &recent).await
        })
    }

    /// Atomic in the database: see `transact`.
    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        self.transact_locked(cursor, decide)
    }

    /// Looked up on the locked connection: see `lookup`.
    fn decide(&self, decide: &mut Decide<'_>) -> Result<(), StoreError> {
        self.decide_locked(&Foreseen::default(), decide)
    }

    fn decide_foreseen(
        &self,
        foreseen: &Foreseen,
        decide: &mut Decide<'_>,
    ) -> Result<(), StoreError> {
        self.decide_locked(foreseen, decide)
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        let id = id.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            incident_rows::get(&client, &id).await
        })
    }

    fn incident_of_session(&self, session: &str) -> Result<Option<Incident>, StoreError> {
        let session = session.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            incident_rows::of_session(&client, &session).await
        })
    }

    fn followed_from(&self, limit: usize) -> Result<(Incidents, Cursor), StoreError> {
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            let (incidents, head) = incident_rows::recent(&mut client, limit).await?;
            Ok((incidents, inbox::cursor(head)))
        })
    }

    fn waiting(&self, limit: usize) -> Result<(Vec<Incident>, usize), StoreError> {
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            incident_rows::waiting(&mut client, limit).await
        })
    }

    fn indexed(&self) -> bool {
        true
    }

    fn of_source(&self, source: Source) -> Result<Incidents, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            incident_rows::of_source(&client, source).await
        })
    }

    /// From the incident rows, no replay of the inbox.
    fn incidents(&self) -> Result<Incidents, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            incident_rows::all(&client).await
        })
    }

    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError> {
        let (incident, by) = (incident.to_string(), by.to_string());
        let appends = self.appends.clone();
        self.run(|pool| async move { inbox::take_up(&pool, &appends, &incident, &by).await })
    }
}

impl Board for PgStore {
    fn lease(
        &self,
        incident: &str,
        operator: &str,
        lease: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let (incident, operator) = (incident.to_string(), operator.to_string());
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            claims::claim(&mut client, &incident, &operator, lease).await
        })
    }

    fn renew(&self, incident: &str, operator: &str, lease: Duration) -> Result<bool, StoreError> {
        let (incident, operator) = (incident.to_string(), operator.to_string());
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            claims::renew(&mut client, &incident, &operator, lease).await
        })
    }

    fn release(&self, incident: &str, operator: &str) -> Result<bool, StoreError> {
        let (incident, operator) = (incident.to_string(), operator.to_string());
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            claims::release(&mut client, &incident, &operator).await
        })
    }

    fn hand_over(
        &self,
        incident: &str,
        from: &str,
        to: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let (incident, from, to) = (incident.to_string(), from.to_string(), to.to_string());
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            claims::hand_over(&mut client, &incident, &from, &to, lease).await
        })
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            claims::live(&client).await
        })
    }

    fn wait_for_change(&self, timeout: Duration) -> bool {
        match &self.runtime {
            Some(runtime) => self.listener.wait(runtime.handle(), timeout),
            None => {
                std::thread::sleep(timeout);
                false
            }
        }
    }

    fn describe(&self) -> String {
        self.display.clone()
    }
}
