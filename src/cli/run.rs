//! `opsassist run`: investigate one alert headless, decisions from stdin.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use opsassist::alert::{self, ParseOptions};
use opsassist::headless::{self, HeadlessEnd};
use opsassist::paths::Paths;
use opsassist::text::neutralize_line;

use opsassist::desk::{Desk, DeskError, OnRepeat, Opening};
use opsassist::store::operator_from_env;

use super::common::{ProviderArgs, build_core};

/// Arguments of `opsassist run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Alert payload file (any supported format), or `-` for stdin. With `-`, decisions are
    /// read from /dev/tty; without a terminal every proposed call is rejected.
    #[arg(long, value_name = "FILE|-")]
    pub alert: String,
    /// Print every session event as one JSON line on stdout (prompts go to stderr)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

fn read_limited(mut reader: impl Read, max: usize, name: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read alert {name}"))?;
    Ok(bytes)
}

/// Run `opsassist run`.
pub fn run(paths: &Paths, args: RunArgs) -> anyhow::Result<ExitCode> {
    let core = build_core(paths, &args.provider)?;
    let max = core.config.limits.max_alert_bytes;
    let (bytes, input): (Vec<u8>, Box<dyn BufRead + Send>) = if args.alert == "-" {
        let bytes = read_limited(std::io::stdin().lock(), max, "from stdin")?;
        let input: Box<dyn BufRead + Send> = match std::fs::File::open("/dev/tty") {
            Ok(tty) => Box::new(BufReader::new(tty)),
            Err(_) => Box::new(std::io::empty()),
        };
        (bytes, input)
    } else {
        let path = PathBuf::from(&args.alert);
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot open alert file {}", path.display()))?;
        let bytes = read_limited(file, max, &path.display().to_string())?;
        (bytes, Box::new(BufReader::new(std::io::stdin())))
    };
    let opts = ParseOptions {
        max_bytes: max,
        ..ParseOptions::default()
    };
    let alerts = match alert::parse(&bytes, &opts) {
        Ok(alerts) => alerts,
        Err(err) => {
            eprintln!("opsassist: {}", neutralize_line(&err.to_string()));
            return Ok(ExitCode::from(super::EXIT_BAD_INPUT));
        }
    };
    let Some(first) = alerts.first().cloned() else {
        eprintln!("opsassist: the payload holds no alerts");
        return Ok(ExitCode::from(super::EXIT_BAD_INPUT));
    };
    if alerts.len() > 1 {
        eprintln!(
            "note: the payload holds {} alerts; investigating the first: {}",
            alerts.len(),
            neutralize_line(&first.summary_line())
        );
    }
    // Through the desk, like a paste in the console: a repeat of an open incident counts
    // there (and this session is recorded on it) instead of opening another; an incident
    // another operator holds is not touched.
    let (desk, warning) =
        Desk::open(core.clone(), &operator_from_env(), "run").context("cannot open the store")?;
    if let Some(warning) = warning {
        eprintln!("warning: {}", neutralize_line(&warning));
    }
    // One thread: a headless run is one session waiting on the model and on its commands
    // (decisions come from their own reader thread), and every worker thread cost its stack
    // and its own mimalloc heap: ~0.7 MB of a 5-step run's peak (BENCHMARKS.md, "Headless
    // memory"). `serve` and `tui` keep their worker pools.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut out = std::io::stdout();
    let mut prompt_out: Box<dyn Write> = if args.json {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let end = runtime.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = match desk.open_incident(first, OnRepeat::Investigate, tx) {
            Ok(Opening::Started {
                handle, repeat_of, ..
            }) => {
                if let Some(line) = repeat_of {
                    eprintln!("note: {line}");
                }
                handle
            }
            Ok(Opening::Counted { line, .. }) => {
                eprintln!("note: {line}; nothing to investigate");
                return Ok(None);
            }
            Err(DeskError::Held(line)) => {
                eprintln!("opsassist: nothing ran: {}", neutralize_line(&line));
                return Err(ExitCode::from(super::EXIT_HELD));
            }
            Err(e) => {
                eprintln!("opsassist: {}", neutralize_line(&e.to_string()));
                return Err(ExitCode::from(1));
            }
        };
        headless::run(handle, rx, input, &mut out, prompt_out.as_mut(), args.json)
            .await
            .map(Some)
            .map_err(|e| {
                eprintln!("opsassist: {}", neutralize_line(&e.to_string()));
                ExitCode::from(1)
            })
    });
    runtime.shutdown_background();
    let end = match end {
        Ok(Some(end)) => end,
        Ok(None) => return Ok(ExitCode::SUCCESS),
        Err(code) => return Ok(code),
    };
    Ok(match end {
        HeadlessEnd::Completed { .. } => ExitCode::SUCCESS,
        HeadlessEnd::EndOfInput { session_id } => {
            eprintln!("stopped at end of input; nothing more ran (session {session_id})");
            ExitCode::SUCCESS
        }
        HeadlessEnd::Failed {
            session_id,
            message,
        } => {
            eprintln!(
                "opsassist: {} (session {session_id})",
                neutralize_line(&message)
            );
            ExitCode::from(1)
        }
    })
}
