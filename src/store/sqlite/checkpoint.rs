//! The WAL checkpoint off the writer's path: a handle that writes turns SQLite's automatic
//! checkpoint off on its writer connection (it would run inside the commit that crosses
//! 1,000 pages, copying the log into the database and syncing it while every request of
//! that batch waits) and starts one thread that runs a `PASSIVE` checkpoint (it never
//! blocks a writer or a reader) every [`EVERY`] while the handle lives. Other processes'
//! handles do the same, and a handle that never writes leaves it to them.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the log is copied into the database.
pub const EVERY: Duration = Duration::from_millis(250);

/// Stops the thread when dropped.
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Start checkpointing `path` on its own connection; None if it cannot open one (SQLite's
    /// own automatic checkpoint then stays on).
    pub fn start(path: &Path) -> Option<Checkpointer> {
        let conn = super::connect(path).ok()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(EVERY);
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::debug!("sqlite checkpoint: {e}");
                    }
                }
            })
            .ok()?;
        Some(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
