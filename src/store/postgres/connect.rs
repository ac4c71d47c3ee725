//! Opening a [`PgStore`]: the URL (its TLS keys taken out, see `tls`), the pool with the
//! rustls connector, the health probe, and the migrations, skipped when the schema is
//! current so a runtime role without DDL rights can connect.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

use super::{POOL_SIZE, PgStore, db, health, listen, migrations, tls};
use crate::store::StoreError;
use crate::store::recent::RecentWrites;

impl PgStore {
    /// Connect to `url` (the password from `password`, when given, overrides the URL's) and
    /// apply pending migrations.
    pub fn connect(url: &str, password: Option<&str>) -> Result<PgStore, StoreError> {
        PgStore::connect_with(url, password, None)
    }

    /// [`PgStore::connect`] with `[store] ca_file` (the CA for `sslmode=verify-ca/full` when
    /// the URL has no `sslrootcert`).
    pub fn connect_with(
        url: &str,
        password: Option<&str>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<PgStore, StoreError> {
        let (url, tls) = tls::split(url, ca_file)?;
        let mut config = tokio_postgres::Config::from_str(&url)
            .map_err(|e| StoreError::Db(format!("invalid store URL: {e}")))?;
        if let Some(password) = password {
            config.password(password);
        }
        if config.get_application_name().is_none() {
            config.application_name("opsassist");
        }
        config.ssl_mode(tls.pg_mode());
        config.connect_timeout(Duration::from_secs(10));
        // A peer that vanished without closing (a cut network) fails writes within this,
        // instead of the kernel's many minutes.
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(Duration::from_secs(20));
        }
        let connector = tls.connector()?;
        let display = display_of(&config);
        let user = config
            .get_user()
            .unwrap_or("(no user in the URL)")
            .to_string();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("opsassist-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Db(format!("cannot start the database runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            connector.clone(),
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
            pool: pool.clone(),
            config: config.clone(),
            display: display.clone(),
            health: health::Health::start(runtime.handle(), pool, tls.clone()),
            runtime: Some(runtime),
            appends: Arc::new(super::write::Appends {
                aliases: Default::default(),
                recent: RecentWrites::of_database(&identity_of(&config)),
            }),
            listener: listen::Listener::new(config, connector),
            tls,
        };
        let tls = store.tls.clone();
        store.run(|pool| async move {
            let mut client = pool.get().await.map_err(|e| match e {
                deadpool_postgres::PoolError::Backend(e) => match auth_problem(&e, &user) {
                    Some(why) => StoreError::Auth(format!("{display}: {why}")),
                    None => StoreError::Db(format!("{display}: {}", tls.explain(&e))),
                },
                other => db(other),
            })?;
            // The runtime role may lack DDL rights (README: minimal grants): when the schema
            // is current there is nothing to run.
            if schema_is_current(&client).await {
                return Ok(());
            }
            migrations::run(&mut client)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    StoreError::Db(text) if text.contains("permission denied") => {
                        StoreError::Db(format!(
                            "{text}: this role may not change the schema; start opsassist once with the owner role's URL to apply the migrations"
                        ))
                    }
                    other => other,
                })
        })?;
        Ok(store)
    }

    /// The database's reachability, probed in the background.
    pub fn health(&self) -> &health::Health {
        &self.health
    }
}

/// The server refused the credentials, or wanted a password and had none: say which, and
/// where the password comes from. None for any other failure.
fn auth_problem(e: &tokio_postgres::Error, user: &str) -> Option<String> {
    use tokio_postgres::error::SqlState;
    if e.code() == Some(&SqlState::INVALID_PASSWORD) {
        return Some(format!(
            "authentication failed: the server refused the password of role `{user}`; put the right one in [store] password_file (or OPSASSIST_STORE_URL)"
        ));
    }
    if e.code() == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
        && let Some(db) = e.as_db_error()
    {
        return Some(format!("authentication failed: {}", db.message()));
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.to_string().contains("password missing") {
            return Some(format!(
                "the server asks for the password of role `{user}` and none was given: set [store] password_file (a file of mode 0600 holding the password), or put it in OPSASSIST_STORE_URL"
            ));
        }
        cause = c.source();
    }
    None
}

/// True when every embedded migration is applied (a read; false when the table is missing).
async fn schema_is_current(client: &tokio_postgres::Client) -> bool {
    let latest = migrations::MIGRATIONS
        .iter()
        .map(|(v, _, _)| *v)
        .max()
        .unwrap_or(0);
    match client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM opsassist_migrations",
            &[],
        )
        .await
    {
        Ok(row) => row.try_get::<_, i32>(0).is_ok_and(|v| v >= latest),
        Err(_) => false,
    }
}

/// Where the database is, who reads it and with what session options: two handles with the
/// same identity read the same records.
fn identity_of(config: &tokio_postgres::Config) -> String {
    format!(
        "{} user={:?} options={:?}",
        display_of(config),
        config.get_user(),
        config.get_options()
    )
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
