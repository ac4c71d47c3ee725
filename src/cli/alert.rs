//! `opsassist alert parse`: normalize an alert payload from a file or stdin to JSON on stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use opsassist::alert::{self, AlertError, ParseOptions, Source};
use opsassist::config::Config;
use opsassist::paths::Paths;
use opsassist::text::neutralize_line;

/// `opsassist alert` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Print the normalized alerts in a payload as a JSON array (exit 2 on bad input)
    Parse {
        /// Payload file, or `-` for stdin
        #[arg(value_name = "FILE|-")]
        file: PathBuf,
        /// Force a format: alertmanager, grafana, pagerduty, opsgenie, datadog, zabbix,
        /// alertmanager_api or generic [default: detect]
        #[arg(long, value_name = "NAME")]
        format: Option<Source>,
        /// Largest payload accepted, in bytes [default: limits.max_alert_bytes, 10 MiB]
        #[arg(long, value_name = "N")]
        max_bytes: Option<usize>,
    },
}

/// Run `opsassist alert`.
pub fn run(paths: &Paths, cmd: AlertCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AlertCommand::Parse {
            file,
            format,
            max_bytes,
        } => parse(paths, &file, format, max_bytes),
    }
}

fn parse(
    paths: &Paths,
    file: &Path,
    format: Option<Source>,
    max_bytes: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let max_bytes = match max_bytes {
        Some(n) => n,
        None => Config::load_for(paths)?.limits.max_alert_bytes,
    };
    let opts = ParseOptions {
        format,
        max_bytes,
        ..ParseOptions::default()
    };
    let name = if file == Path::new("-") {
        "<stdin>".to_string()
    } else {
        neutralize_line(&file.display().to_string())
    };
    let bad_input = |err: AlertError| {
        eprintln!("opsassist: {name}: {}", neutralize_line(&err.to_string()));
        Ok(ExitCode::from(super::EXIT_BAD_INPUT))
    };
    let bytes = match read_bounded(file, max_bytes) {
        Ok(Payload::Bytes(bytes)) => bytes,
        Ok(Payload::TooLarge { size, exact }) => {
            return bad_input(AlertError::TooLarge {
                size,
                limit: max_bytes,
                exact,
            });
        }
        Err(err) => {
            eprintln!(
                "opsassist: {name}: {}",
                neutralize_line(&format!("{err:#}"))
            );
            return Ok(ExitCode::from(super::EXIT_BAD_INPUT));
        }
    };
    let alerts = match alert::parse(&bytes, &opts) {
        Ok(alerts) => alerts,
        Err(err) => return bad_input(err),
    };
    let json = alert::to_terminal_safe_json(&alerts).context("cannot encode alerts as JSON")?;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{json}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

enum Payload {
    Bytes(Vec<u8>),
    TooLarge { size: u64, exact: bool },
}

/// Read at most `max + 1` bytes: enough to tell "over the limit" without reading a huge
/// file or an endless pipe. A regular file's real size is reported when it is known.
fn read_bounded(file: &Path, max: usize) -> anyhow::Result<Payload> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
    } else {
        let handle = std::fs::File::open(file).context("cannot open")?;
        let meta = handle.metadata().context("cannot stat")?;
        if meta.is_dir() {
            anyhow::bail!("is a directory, not an alert file");
        }
        if meta.is_file() && meta.len() > max as u64 {
            return Ok(Payload::TooLarge {
                size: meta.len(),
                exact: true,
            });
        }
        handle
            .take(limit)
            .read_to_end(&mut bytes)
            .context("cannot read")?;
    }
    if bytes.len() > max {
        return Ok(Payload::TooLarge {
            size: max as u64,
            exact: false,
        });
    }
    Ok(Payload::Bytes(bytes))
}
