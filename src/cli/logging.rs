//! tracing to `opsassist.log` in the data dir; never to the terminal.

use opsassist::paths::Paths;
use opsassist::text::neutralize_line;
use tracing_subscriber::EnvFilter;

/// Log lines queued for the writer thread before new ones are dropped. tracing-appender's
/// default, 128,000, allocates and touches a 4 MB queue at start-up (a quarter of a headless
/// `run`'s heap, BENCHMARKS.md "Headless memory"); opsassist logs a few lines per session and
/// per receiver start, so a few thousand is far more than the writer ever falls behind.
const BUFFERED_LINES: usize = 4096;

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
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(file);
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
