//! Choosing the store: PostgreSQL when `OPSASSIST_STORE_URL` or `[store] url` names a
//! database (the password from `[store] password_file`, never the command line), else SQLite
//! in the data dir (`store.db`). A legacy JSONL inbox an older release left there is imported
//! into a new, empty `store.db` on its first open.

use std::sync::Arc;
use std::time::Duration;

use super::board::Board;
use super::postgres::PgStore;
use super::{SqliteStore, Store, StoreError, legacy_inbox};
use crate::config::StoreConfig;
use crate::paths::Paths;

/// The environment variable that overrides `[store] url`.
pub const URL_ENV: &str = "OPSASSIST_STORE_URL";

/// An opened store: the inbox and the claims board, the same object seen two ways.
#[derive(Clone)]
pub struct Opened {
    pub store: Arc<dyn Store>,
    pub board: Arc<dyn Board>,
    /// Set when the store is PostgreSQL (team mode).
    pub postgres: Option<Arc<PgStore>>,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
}

impl Opened {
    /// True when the store is a shared database.
    pub fn is_team(&self) -> bool {
        self.postgres.is_some()
    }
}

/// The database URL in force, if any: the environment first, then the config.
pub fn url(config: &StoreConfig) -> Option<String> {
    std::env::var(URL_ENV)
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .or_else(|| config.url.clone())
}

/// Read `[store] password_file` (first line, trimmed).
pub fn password(config: &StoreConfig) -> Result<Option<String>, StoreError> {
    let Some(path) = &config.password_file else {
        return Ok(None);
    };
    let text = crate::secret_file::read_private(path).map_err(|e| StoreError::Io {
        path: path.clone(),
        source: std::io::Error::other(e.reason()),
    })?;
    Ok(text.lines().next().map(|l| l.trim().to_string()))
}

/// Open the store `config` names for `paths`.
pub fn open(paths: &Paths, config: &StoreConfig) -> Result<Opened, StoreError> {
    let lease = Duration::from_secs(config.lease_secs.max(1));
    match url(config) {
        Some(url) => {
            let pg = Arc::new(PgStore::connect_with(
                &url,
                password(config)?.as_deref(),
                config.ca_file.as_deref(),
            )?);
            Ok(Opened {
                store: pg.clone(),
                board: pg.clone(),
                postgres: Some(pg),
                lease,
            })
        }
        None => local(paths, config),
    }
}

/// A data dir the JSONL inbox store of an older release wrote: its inbox and claims
/// go into the new, still empty store.db once, so an upgrade loses no incident. Anything
/// else (already imported, a store.db with records of its own, no legacy inbox) is left
/// alone; `store migrate --from files` says why.
fn import_on_upgrade(paths: &Paths, sqlite: &SqliteStore) {
    let legacy = legacy_inbox::inbox_path(paths);
    if !legacy.exists() {
        return;
    }
    if !sqlite
        .awaits_import(&legacy_inbox::source_name(paths))
        .unwrap_or(false)
    {
        return;
    }
    let imported = legacy_inbox::read(paths).and_then(|found| match found {
        Some((source, records, claims)) => sqlite.import(&source, &records, &claims).map(Some),
        None => Ok(None),
    });
    match imported {
        Ok(Some(done)) if !done.already => tracing::info!(
            "imported the legacy inbox ({} records, {} claims) into {}",
            done.records,
            done.claims,
            sqlite.path().display()
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(
            "the legacy inbox {} was not imported ({e}); run `opsassist store migrate --from files`",
            legacy.display()
        ),
    }
}

/// The store of the data dir: SQLite in `store.db` (created if missing; a legacy inbox is
/// imported into it on its first open). An error when it cannot be opened: there is no
/// other store to fall back to.
pub fn local(paths: &Paths, config: &StoreConfig) -> Result<Opened, StoreError> {
    let sqlite = Arc::new(SqliteStore::open(paths)?);
    import_on_upgrade(paths, &sqlite);
    Ok(Opened {
        store: sqlite.clone(),
        board: sqlite,
        postgres: None,
        lease: Duration::from_secs(config.lease_secs.max(1)),
    })
}

/// The store a writer that must not lose its alert opens, and a warning: the configured
/// store; when that is a team database that cannot be opened, the store in the data dir (the
/// warning says so), so a paste or a Docker event is counted locally instead of dropped. An
/// error when the data dir's store cannot be opened either.
pub fn or_local(
    paths: &Paths,
    config: &StoreConfig,
) -> Result<(Opened, Option<String>), StoreError> {
    match open(paths, config) {
        Ok(opened) => Ok((opened, None)),
        Err(e) if url(config).is_some() => {
            let opened = local(paths, config).map_err(|local| {
                StoreError::Db(format!(
                    "cannot open the team database ({e}) nor the store in the data dir ({local})"
                ))
            })?;
            Ok((
                opened,
                Some(format!(
                    "cannot open the store ({e}); alerts go to the store in the data dir"
                )),
            ))
        }
        Err(e) => Err(e),
    }
}

/// [`or_local`]'s inbox.
pub fn inbox_or_local(
    paths: &Paths,
    config: &StoreConfig,
) -> Result<(Arc<dyn Store>, Option<String>), StoreError> {
    or_local(paths, config).map(|(opened, warning)| (opened.store, warning))
}
