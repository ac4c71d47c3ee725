//! `opsassist sessions`: list incident sessions and show one transcript.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::headless::Transcript;
use opsassist::paths::Paths;
use opsassist::session;
use opsassist::text::neutralize_line;

/// `opsassist sessions` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, newest first: id, start time, state, alert
    List {
        /// One JSON object per line instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print the transcript of one session
    Show {
        /// Session id (from `opsassist sessions list`)
        id: String,
        /// Print the raw event log (JSONL) instead of a transcript
        #[arg(long)]
        json: bool,
    },
}

/// Run `opsassist sessions`.
pub fn run(paths: &Paths, cmd: SessionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SessionsCommand::List { json } => {
            let sessions = session::list(paths)?;
            if json {
                for s in &sessions {
                    println!("{}", serde_json::to_string(s)?);
                }
                return Ok(ExitCode::SUCCESS);
            }
            if sessions.is_empty() {
                println!("no sessions in {}", paths.sessions_dir().display());
                return Ok(ExitCode::SUCCESS);
            }
            println!("{:<23} {:<16} {:<18} ALERT", "ID", "STARTED", "STATE");
            for s in sessions {
                let started = s
                    .started
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M");
                let alert = match &s.host {
                    Some(host) => format!(
                        "[{}] {host}: {}",
                        s.severity.as_deref().unwrap_or("-"),
                        s.title
                    ),
                    None => format!("[{}] {}", s.severity.as_deref().unwrap_or("-"), s.title),
                };
                println!(
                    "{:<23} {:<16} {:<18} {}",
                    s.id,
                    started,
                    s.state.label(),
                    neutralize_line(&alert)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        SessionsCommand::Show { id, json } => {
            let events = session::read_log(paths, &id)?;
            let mut out = std::io::stdout().lock();
            if json {
                use std::io::Write;
                for e in &events {
                    writeln!(out, "{}", serde_json::to_string(e)?)?;
                }
            } else {
                let mut transcript = Transcript::default();
                for e in &events {
                    transcript.render(e, &mut out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
