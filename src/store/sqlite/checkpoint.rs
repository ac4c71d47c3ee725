//! Checkpoints of the writer connection's WAL on their own thread and connection. SQLite's
//! automatic checkpoint runs inside the commit that crosses its threshold, so a receiver's
//! writer spent about a sixth of its time copying pages into the database file and syncing it
//! while requests waited. Here the commit only nudges a background thread each time the WAL
//! has [`NUDGE`] more frames; the thread (started on the first nudge, so a short `run` never has it)
//! runs passive checkpoints, which never block a writer or a reader. A passive checkpoint
//! cannot finish while commits keep landing, and the WAL only starts over once one has, so
//! past [`CATCH_UP`] frames the writer waits for a running checkpoint and finishes the last
//! few frames itself: the WAL stays bounded in a storm.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

/// WAL frames (pages) added since the background thread was last asked to checkpoint at
/// which it is asked again: SQLite's own automatic threshold.
pub const NUDGE: i32 = 1_000;

/// WAL frames after a commit at which the writer catches the checkpoint up itself (16 MB of
/// 4 KiB pages).
pub const CATCH_UP: i32 = 4_000;

/// What the writer connection's WAL hook and the background thread share.
#[derive(Default)]
pub struct Counts {
    /// Checkpoints the background thread ran.
    pub background: AtomicU64,
    /// Checkpoints the writer ran itself (past [`CATCH_UP`]).
    pub caught_up: AtomicU64,
}

/// Install the hook on `writer` (a connection to `path`). Replaces SQLite's automatic
/// checkpoint on that connection only; other connections keep theirs.
pub fn install(
    writer: &mut Connection,
    path: &Path,
    counts: Arc<Counts>,
) -> Result<(), rusqlite::Error> {
    let running = Arc::new(Mutex::new(()));
    let mut nudge: Option<SyncSender<()>> = None;
    // The WAL's frames when the thread was last asked: it is asked again once as many more
    // came, not after every commit (each pass ends in a sync of the database file).
    let mut asked_at = 0;
    let path = path.to_path_buf();
    writer.wal_hook(Some(
        move |wal: &mut rusqlite::hooks::Wal, frames: i32| -> rusqlite::Result<()> {
            if frames >= CATCH_UP {
                // Wait for a background pass (it copied most frames), then copy the rest
                // before this writer commits again: its next transaction starts the WAL over
                // (unless another process committed meanwhile).
                let _running = running.lock().unwrap_or_else(|p| p.into_inner());
                match wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                    Ok(_) => {
                        counts.caught_up.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => failed(&e),
                }
                return Ok(());
            }
            if frames < asked_at {
                // The WAL started over.
                asked_at = 0;
            }
            if frames >= asked_at + NUDGE {
                asked_at = frames;
                let sender = nudge.get_or_insert_with(|| {
                    start(path.clone(), Arc::clone(&running), Arc::clone(&counts))
                });
                match sender.try_send(()) {
                    // Full: a pass is already asked for.
                    Ok(()) | Err(TrySendError::Full(())) => {}
                    // The thread could not open its connection: checkpoint here, as SQLite
                    // would have.
                    Err(TrySendError::Disconnected(())) => {
                        if let Err(e) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                            failed(&e);
                        }
                    }
                }
            }
            Ok(())
        },
    ))
}

/// Start the background thread; it ends when the hook (the writer connection) is dropped.
fn start(path: PathBuf, running: Arc<Mutex<()>>, counts: Arc<Counts>) -> SyncSender<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("store-checkpoint".into())
        .spawn(move || run(&path, &rx, &running, &counts));
    if let Err(e) = spawned {
        tracing::warn!("store: no checkpoint thread ({e}); the writer checkpoints");
    }
    tx
}

fn run(path: &Path, nudges: &Receiver<()>, running: &Mutex<()>, counts: &Counts) {
    let conn = match super::connect(path) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::warn!("store: no checkpoint connection ({e}); the writer checkpoints");
            return;
        }
    };
    while nudges.recv().is_ok() {
        let _running = running.lock().unwrap_or_else(|p| p.into_inner());
        match conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            Ok(_) => {
                counts.background.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => failed(&e),
        }
    }
}

/// Another process checkpointing the same file is no failure (its pass copies our frames).
fn failed(e: &rusqlite::Error) {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        tracing::debug!("store: checkpoint skipped, another one runs: {e}");
    } else {
        tracing::warn!("store: checkpoint of the WAL failed: {e}");
    }
}
