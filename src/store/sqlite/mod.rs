//! [`SqliteStore`]: the [`Store`] and [`Board`] in one SQLite file, `DATA_DIR/store.db`, the
//! default store of one machine. Several processes (a daemon, consoles, the Docker watcher,
//! `run`) open the same file at once: WAL mode, `synchronous = FULL` (a commit is on disk
//! before the call returns, so a `200` means committed), a busy timeout, and every write in
//! `BEGIN IMMEDIATE` (the database's one write lock, taken up front), so claims and the
//! lookup-decide-append of [`Store::decide`] are atomic across processes with no
//! single-receiver lock. Each incident is also a row of `incidents` (see `incidents.rs`),
//! written in the same transaction as its records.
//!
//! Each handle keeps one writer connection and one reader connection (WAL readers never wait
//! for the writer); followers learn of commits by polling `PRAGMA data_version` on the reader,
//! which changes only when another connection committed (one cheap call, no file re-read; the
//! reader never writes, so every commit it sees is another connection's, our writer's too).
//! The writer's WAL is checkpointed by a thread of its own once it grows (`checkpoint.rs`),
//! not inside the commit that crosses SQLite's threshold.

mod board;
mod checkpoint;
mod corrections;
mod import;
mod inbox;
mod incidents;
pub mod schema;

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::recent::RecentWrites;
use super::{Cursor, Decide, InboxRecord, Incident, Incidents, Store, StoreError};
use crate::paths::Paths;

/// The store's file in a data dir.
pub const FILE: &str = "store.db";

pub use import::{Imported, Rows};

/// How long a write waits for another process's transaction before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite failure as a store error.
pub(crate) fn db(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// The reader's `PRAGMA data_version` when [`SqliteStore::changed`] last looked.
    seen: Mutex<i64>,
    /// What this process committed lately to this file, for its own followers.
    recent: Arc<RecentWrites>,
    /// Checkpoints of the writer's WAL so far (see `checkpoint.rs`).
    checkpoints: Arc<checkpoint::Counts>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SqliteStore {
    /// The store of `paths.data_dir` (created, with its schema, if missing).
    pub fn open(paths: &Paths) -> Result<SqliteStore, StoreError> {
        SqliteStore::at(&paths.data_dir.join(FILE))
    }

    /// The store in the file `path` (created mode 0600, with its schema, if missing).
    pub fn at(path: &Path) -> Result<SqliteStore, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            crate::paths::create_private_dir(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Create it private first: SQLite gives its -wal and -shm files the same mode. Only
        // when it is missing: closing any descriptor of a file drops every POSIX lock this
        // process holds on it, SQLite's included, and another program closing the database
        // would then take itself for its last user and delete the WAL under our connections.
        match std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        let mut writer = connect(path)?;
        schema::migrate(&mut writer)?;
        let checkpoints = Arc::new(checkpoint::Counts::default());
        checkpoint::install(&mut writer, path, Arc::clone(&checkpoints)).map_err(db)?;
        let reader = connect(path)?;
        let seen = data_version(&reader)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            seen: Mutex::new(seen),
            recent: RecentWrites::of_file(path),
            checkpoints,
        })
    }

    /// Checkpoints of this handle's WAL so far: by the background thread, and by the writer
    /// catching one up.
    pub fn checkpoints(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.checkpoints.background.load(Relaxed),
            self.checkpoints.caught_up.load(Relaxed),
        )
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` inside `BEGIN IMMEDIATE` on the writer connection and commit. An error (or a
    /// panic) in `f` rolls back.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_records(|tx| Ok((f(tx)?, None, Vec::new())))
            .map(|(out, _)| out)
    }

    /// [`SqliteStore::write`] of inbox records: `f` returns the span it inserted and the
    /// records, which are held for this process's followers once committed (still under the
    /// writer's lock, so this handle's commits are held in order).
    fn write_records<T>(
        &self,
        f: impl FnOnce(
            &rusqlite::Transaction<'_>,
        ) -> Result<(T, Option<(i64, i64)>, Vec<InboxRecord>), StoreError>,
    ) -> Result<(T, Option<(i64, i64)>), StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let (out, span, records) = f(&tx)?;
        tx.commit().map_err(db)?;
        if let Some((first, _)) = span {
            self.recent.push(first, records);
        }
        Ok((out, span))
    }

    /// True when another connection committed since the last call (a cheap check:
    /// `PRAGMA data_version`, no read of the data).
    pub fn changed(&self) -> Result<bool, StoreError> {
        let mut seen = lock(&self.seen);
        let now = data_version(&lock(&self.reader))?;
        let changed = now != *seen;
        *seen = now;
        Ok(changed)
    }

    /// Block until another connection commits or `timeout` passes; true on a change.
    pub fn wait_for_commit(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.changed().unwrap_or(false) {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

/// One connection to `path` with the store's settings.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(db)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Db(format!(
            "{}: cannot use write-ahead logging (journal mode {mode})",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL")
        .map_err(db)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
        .map_err(db)
}

impl Store for SqliteStore {
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError> {
        if records.is_empty() {
            return Ok(0..0);
        }
        let ((), span) = self.write_records(|tx| {
            let span = inbox::insert(tx, records)?;
            Ok(((), span, records.to_vec()))
        })?;
        Ok(match span {
            Some((first, last)) => inbox::cursor(first - 1)..inbox::cursor(last),
            None => 0..0,
        })
    }

    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        inbox::read_from_held(&lock(&self.reader), cursor, Some(&self.recent))
    }

    /// Atomic across processes: the read, `decide` and the append happen inside one
    /// `BEGIN IMMEDIATE` transaction (one sync for the whole batch at commit).
    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        let (next, span) = self.write_records(|tx| {
            let (records, next) = inbox::read_from(tx, cursor)?;
            let out = decide(records);
            Ok((next, inbox::insert(tx, &out)?, out))
        })?;
        Ok(span.map_or(next, |(_, last)| inbox::cursor(last)))
    }

    /// In one `BEGIN IMMEDIATE` transaction: the lookups use the incidents table's indexes.
    fn decide(&self, decide: &mut Decide<'_>) -> Result<(), StoreError> {
        self.write_records(|tx| {
            let mut lookup = incidents::TxLookup::new(tx);
            let out = decide(&mut lookup)?;
            let span = inbox::insert_known(tx, &out, lookup.read)?;
            Ok(((), span, out))
        })?;
        Ok(())
    }

    fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        incidents::get(&lock(&self.reader), id)
    }

    fn incident_of_session(&self, session: &str) -> Result<Option<Incident>, StoreError> {
        incidents::of_session(&lock(&self.reader), session)
    }

    fn followed_from(&self, limit: usize) -> Result<(Incidents, Cursor), StoreError> {
        let (incidents, head) = incidents::recent(&mut lock(&self.reader), limit)?;
        Ok((incidents, inbox::cursor(head)))
    }

    fn waiting(&self, limit: usize) -> Result<(Vec<Incident>, usize), StoreError> {
        let reader = lock(&self.reader);
        // Only the count (a follower asks it after every poll): no list query.
        let list = match limit {
            0 => Vec::new(),
            _ => incidents::waiting(&reader, limit)?,
        };
        Ok((list, incidents::pending(&reader)?))
    }

    fn indexed(&self) -> bool {
        true
    }

    fn of_source(&self, source: crate::alert::Source) -> Result<Incidents, StoreError> {
        incidents::of_source(&lock(&self.reader), source)
    }

    /// From the incidents table, no replay of the inbox.
    fn incidents(&self) -> Result<Incidents, StoreError> {
        incidents::all(&lock(&self.reader))
    }

    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError> {
        let record = InboxRecord {
            at: chrono::Utc::now(),
            incident: incident.to_string(),
            change: super::Change::Claimed { by: by.to_string() },
        };
        let ((), span) = self.write_records(|tx| {
            // Claimable while nobody took it up since it last (re)opened, as its row says
            // (the PostgreSQL store asks its row too); the write lock holds the answer.
            let claimable = incidents::get(tx, incident)?.is_some_and(|i| i.claimed_by.is_none());
            if !claimable {
                return Ok(((), None, Vec::new()));
            }
            let span = inbox::insert(tx, std::slice::from_ref(&record))?;
            Ok(((), span, vec![record]))
        })?;
        Ok(span.is_some())
    }
}

#[cfg(test)]
mod tests;
