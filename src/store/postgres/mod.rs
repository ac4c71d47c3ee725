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
mod listen;
pub mod migrations;
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
use super::{Cursor, Decide, InboxRecord, Store, StoreError};

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
    aliases: Arc<inbox::Aliases>,
    listener: listen::Listener,
    health: health::Health,
    tls: tls::Tls,
    /// The incidents read so far, for [`Store::decide`].
    fold: std::sync::Mutex<super::fold::Fold>,
}

impl PgStore {
    /// `postgres://host:port/db` without user or password.
    pub fn describe_url(&self) -> &str {
        &self.display
    }

    /// Run `f` on the store's runtime and wait for it (from any thread).
    pub(crate) fn run<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        self.spawn(f)?
            .recv()
            .map_err(|_| StoreError::Db("the database task stopped".into()))?
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
        let fut = f(self.pool.clone());
        let (health, pool, tls) = (self.health.clone(), self.pool.clone(), self.tls.clone());
        runtime.spawn(async move {
            let mut result = fut.await;
            // A failure may be the database going away: probe at once, so the console hears
            // it now and the error says so plainly.
            // A refused password is an answer: the database is there.
            if result.is_err()
                && !matches!(result, Err(StoreError::Auth(_)))
                && let Some(why) = health.check(&pool, &tls).await
            {
                result = Err(StoreError::Db(format!(
                    "the database is unreachable: {why}"
                )));
            }
            let _ = tx.send(result);
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
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            inbox::read_from(&client, cursor).await
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

    /// Decided against [`Fold`](crate::store::fold::Fold), the incidents this store has
    /// read so far, caught up inside the locked transaction.
    fn decide(&self, decide: &mut Decide<'_>) -> Result<(), StoreError> {
        let mut fold = self.fold.lock().unwrap_or_else(|p| p.into_inner());
        let fold = &mut *fold;
        let mut failed = None;
        let written = self.transact_locked(fold.cursor, &mut |others| {
            fold.apply(&others);
            match decide(fold) {
                Ok(out) => {
                    fold.apply(&out);
                    out
                }
                Err(e) => {
                    failed = Some(e);
                    Vec::new()
                }
            }
        });
        match (written, failed) {
            (Ok(cursor), None) => {
                fold.cursor = cursor;
                Ok(())
            }
            (Ok(_), Some(e)) | (Err(e), _) => {
                fold.forget();
                Err(e)
            }
        }
    }

    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError> {
        let (incident, by) = (incident.to_string(), by.to_string());
        let aliases = self.aliases.clone();
        self.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            inbox::take_up(&mut client, &aliases, &incident, &by).await
        })
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
