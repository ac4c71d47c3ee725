//! `opsassist corrections list|forget ID`: the operator edits opsassist learns from (the team
//! database's in team mode, else this data dir's `corrections.jsonl`), and forgetting one that
//! should no longer be shown to the model.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;
use opsassist::session::corrections::{self, CorrectionSink};
use opsassist::text::neutralize_line;

/// `opsassist corrections` subcommands.
#[derive(Debug, Subcommand)]
pub enum CorrectionsCommand {
    /// List the stored corrections, oldest first: id, when, alert, the problem words the
    /// matching uses, and the edit
    List {
        /// One JSON object per line (the record plus its id) instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Forget a correction so it is never shown to the model again
    Forget {
        /// Correction id (from `opsassist corrections list` or the transcript's
        /// "past operator correction(s) used" line)
        id: String,
    },
}

/// Run `opsassist corrections`.
pub fn run(paths: &Paths, cmd: CorrectionsCommand) -> anyhow::Result<ExitCode> {
    let config = opsassist::config::Config::load_for(paths)?;
    let opened = opsassist::store::open(paths, &config.store)?;
    let sink: Option<&dyn CorrectionSink> = opened
        .postgres
        .as_deref()
        .map(|pg| pg as &dyn CorrectionSink);
    match cmd {
        CorrectionsCommand::List { json } => {
            let all = corrections::load(sink, &paths.data_dir);
            if all.is_empty() && !json {
                println!("no corrections recorded yet");
            }
            for c in all.iter() {
                if json {
                    let mut value = serde_json::to_value(c)?;
                    if let Some(obj) = value.as_object_mut() {
                        obj.insert("id".into(), c.id().into());
                    }
                    println!("{value}");
                    continue;
                }
                let words: Vec<String> = c.signature().terms().problem.into_keys().collect();
                println!(
                    "{}  {}  {}  [{}]  `{}` → `{}`",
                    c.id(),
                    c.at.format("%Y-%m-%d %H:%M"),
                    neutralize_line(&c.title),
                    neutralize_line(&words.join(" ")),
                    neutralize_line(&c.proposed),
                    neutralize_line(&c.executed)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CorrectionsCommand::Forget { id } => {
            let id = id.trim().to_lowercase();
            if id.len() != 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
                anyhow::bail!(
                    "`{}` is not a correction id (8 hex digits, see `opsassist corrections list`)",
                    neutralize_line(&id)
                );
            }
            match corrections::forget(sink, &paths.data_dir, &id)? {
                0 => {
                    eprintln!(
                        "opsassist: no correction has id {id} (see `opsassist corrections list`)"
                    );
                    Ok(ExitCode::from(super::EXIT_BAD_INPUT))
                }
                n => {
                    println!(
                        "forgot correction {id} ({n} record(s)): it will not be shown to the model again"
                    );
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}
