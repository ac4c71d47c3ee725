//! Choosing the store: PostgreSQL when `OPSASSIST_STORE_URL` or `[store] url` names a
//! database (the password from `[store] password_file`, never the command line), else the
//! store of `[store] kind` in the data dir: SQLite (`store.db`, the default) or the legacy
//! JSONL files.

use std::sync::Arc;
use std::time::Duration;

use super::board::Board;
use super::postgres::PgStore;
use super::{FileStore, SqliteStore, Store, StoreError};
use crate::config::{StoreConfig, StoreKind};
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
        None => {
            let (store, board): (Arc<dyn Store>, Arc<dyn Board>) = match config.kind {
                StoreKind::Sqlite => {
                    let sqlite = Arc::new(SqliteStore::open(paths)?);
                    import_on_upgrade(paths, &sqlite);
                    (sqlite.clone(), sqlite)
                }
                StoreKind::Files => {
                    let files = Arc::new(FileStore::open(paths));
                    (files.clone(), files)
                }
            };
            Ok(Opened {
                store,
                board,
                postgres: None,
                lease,
            })
        }
    }
}

/// A legacy inbox as read for import: its name in `imports`, its records and live claims.
pub type Legacy = (String, Vec<super::InboxRecord>, Vec<super::Claim>);

/// Where `store migrate --from files` and the upgrade import read: the legacy inbox of the
/// data dir. None without a legacy inbox.
pub fn legacy_inbox(paths: &Paths) -> Result<Option<Legacy>, StoreError> {
    let files = FileStore::open(paths);
    if !files.inbox_path().exists() {
        return Ok(None);
    }
    let source = format!("files:{}", files.inbox_path().display());
    let (records, _) = files.read_from(0)?;
    let claims = files.claims()?;
    Ok(Some((source, records, claims)))
}

/// A data dir the files store wrote before SQLite became the default: its inbox and claims
/// go into the new, still empty store.db once, so an upgrade loses no incident. Anything
/// else (already imported, a store.db with records of its own, no legacy inbox) is left
/// alone; `store migrate --from files` says why.
fn import_on_upgrade(paths: &Paths, sqlite: &SqliteStore) {
    let legacy = paths.data_dir.join("inbox").join("inbox.jsonl");
    if !legacy.exists() {
        return;
    }
    let source = format!("files:{}", legacy.display());
    if !sqlite.awaits_import(&source).unwrap_or(false) {
        return;
    }
    let imported = legacy_inbox(paths).and_then(|found| match found {
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

/// The store of the data dir, for when the configured one cannot be opened: SQLite unless
/// `[store] kind = "files"` (or store.db cannot be opened either), then the JSONL files.
pub fn local(paths: &Paths, config: &StoreConfig) -> Opened {
    let lease = Duration::from_secs(config.lease_secs.max(1));
    let (store, board): (Arc<dyn Store>, Arc<dyn Board>) = match SqliteStore::open(paths) {
        Ok(sqlite) if config.kind == StoreKind::Sqlite => {
            let sqlite = Arc::new(sqlite);
            (sqlite.clone(), sqlite)
        }
        _ => {
            let files = Arc::new(FileStore::open(paths));
            (files.clone(), files)
        }
    };
    Opened {
        store,
        board,
        postgres: None,
        lease,
    }
}

/// The inbox a writer that must not lose its alert uses: the configured store, or the store
/// in the data dir when the database cannot be opened (the warning says so). A paste or a
/// Docker event is then counted locally instead of being dropped.
pub fn inbox_or_files(paths: &Paths, config: &StoreConfig) -> (Arc<dyn Store>, Option<String>) {
    match open(paths, config) {
        Ok(opened) => (opened.store, None),
        Err(e) => (
            local(paths, config).store,
            Some(format!(
                "cannot open the store ({e}); alerts go to the store in the data dir"
            )),
        ),
    }
}
