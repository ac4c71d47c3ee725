//! [`PgStore`]: the [`Store`] and [`Board`] over one PostgreSQL database, for a team: every
//! console and every receiver replica connects to the same database.
//!
//! The trait is synchronous (its callers are the intake writer thread, blocking tasks and
//! short calls from the console); the store owns a small tokio runtime of its own with a
//! connection pool (deadpool-postgres) and runs each call there, so it works from any thread,
//! inside another runtime or not. Migrations run when the store opens.

mod audit;
mod claims;
mod copy;
mod corrections;
mod events;
mod inbox;
mod listen;
pub mod migrations;
mod reconcile;
mod transact;
mod write;

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::board::{Board, Claim, ClaimOutcome};
use super::{Cursor, InboxRecord, Store, StoreError};

pub use copy::Counts;
pub use inbox::CHANNEL;

/// Connections per process.
const POOL_SIZE: usize = 8;

pub(crate) fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

/// A connection to the team database.
pub struct PgStore {
    pool: Pool,
    config: tokio_postgres::Config,
    /// Where the database is, without credentials (for messages).
    display: String,
    runtime: Option<tokio::runtime::Runtime>,
    aliases: Arc<inbox::Aliases>,
    own: Arc<inbox::Own>,
    listener: listen::Listener,
}

impl PgStore {
    /// Connect to `url` (the password from `password`, when given, overrides the URL's) and
    /// apply pending migrations.
    pub fn connect(url: &str, password: Option<&str>) -> Result<PgStore, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Db(format!("invalid store URL: {e}")))?;
        if let Some(password) = password {
            config.password(password);
        }
        if config.get_application_name().is_none() {
            config.application_name("opsassist");
        }
        config.connect_timeout(Duration::from_secs(10));
        let display = display_of(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("opsassist-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Db(format!("cannot start the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(db)?;
        let store = PgStore {
            pool,
            config: config.clone(),
            display: display.clone(),
            runtime: Some(runtime),
            aliases: Arc::new(Default::default()),
            own: Arc::new(Default::default()),
            listener: listen::Listener::new(config),
        };
        store.run(|pool| async move {
            let mut client = pool.get().await.map_err(db)?;
            migrations::run(&mut client).await.map(|_| ())
        })?;
        Ok(store)
    }

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

fn display_of(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
}

impl Store for PgStore {
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError> {
        self.append_locked(records)
    }

    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            inbox::read_from(&client, cursor, None).await
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn read_others_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        let own = self.own.clone();
        // Ranges at or below the cursor are behind every future read.
        let below = i64::try_from(cursor).unwrap_or(i64::MAX);
        own.lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(_, last)| *last > below);
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            inbox::read_from(&client, cursor, Some(&own)).await
        })
    }

    /// Atomic in the database: see `transact`.
    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>, bool) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        self.transact_locked(cursor, decide)
    }

    /// Receivers may run as many replicas as wanted: the database dedups.
    fn lock_receiver(&self) -> Result<Box<dyn Send + Sync>, StoreError> {
        Ok(Box::new(()))
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
