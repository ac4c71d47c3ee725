//! tracing to `opsassist.log` in the data dir; never to the terminal.

use opsassist::paths::Paths;
use opsassist::text::neutralize_line;
use tracing_subscriber::EnvFilter;

/// Start file logging (`OPSASSIST_LOG` sets the filter, default `info`). Logging is best
/// effort: if the data dir cannot be created, opsassist runs without a log.
/// The data dir is created 0700 and the log 0600; a data dir that group or others may
/// write in is warned about on stderr and in the log.
pub fn init(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let warning = paths.ensure_data_dir().ok()?;
    if let Some(warning) = &warning {
        eprintln!("opsassist: warning: {}", neutralize_line(warning));
    }
    let file = opsassist::paths::open_private_append(&paths.log_file()).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("OPSASSIST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
    }
    Some(guard)
}
