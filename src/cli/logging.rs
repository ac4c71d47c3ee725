//! tracing to `opsassist.log` in the data dir; never to the terminal.

use opsassist::paths::Paths;
use tracing_subscriber::EnvFilter;

/// Start file logging (`OPSASSIST_LOG` sets the filter, default `info`). Logging is best
/// effort: if the data dir cannot be created, opsassist runs without a log.
pub fn init(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(&paths.data_dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log_file())
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("OPSASSIST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
