//! `opsassist sessions`: list incident sessions and show one transcript. The list also shows
//! received incidents (the intake inbox) that have no session yet, as state "new".

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::headless::Transcript;
use opsassist::paths::Paths;
use opsassist::session;
use opsassist::store::{FileStore, Store};
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
            let mut sessions = session::list(paths)?;
            let received = received_without_session(paths);
            if json {
                for s in &received {
                    let mut value = serde_json::to_value(s)?;
                    if let Some(object) = value.as_object_mut() {
                        object.insert("received".into(), serde_json::Value::Bool(true));
                    }
                    println!("{value}");
                }
                for s in &sessions {
                    println!("{}", serde_json::to_string(s)?);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let received_ids: std::collections::HashSet<String> =
                received.iter().map(|s| s.id.clone()).collect();
            sessions.extend(received);
            sessions.sort_by_key(|s| std::cmp::Reverse(s.started));
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
                let state = if received_ids.contains(&s.id) {
                    "new (received)"
                } else {
                    s.state.label()
                };
                println!(
                    "{:<23} {:<16} {:<18} {}",
                    s.id,
                    started,
                    state,
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

/// Received incidents (the intake inbox) that no session has taken up yet, as session rows
/// (id: the incident id, state new). An unreadable inbox is reported and listed as empty.
fn received_without_session(paths: &Paths) -> Vec<session::SessionSummary> {
    if !paths.data_dir.join("inbox").exists() {
        return Vec::new();
    }
    let incidents = match FileStore::open(paths).incidents() {
        Ok(incidents) => incidents,
        Err(e) => {
            eprintln!("opsassist: cannot read the incident inbox: {e}");
            return Vec::new();
        }
    };
    incidents
        .iter()
        .filter(|i| i.sessions.is_empty())
        .map(|i| session::SessionSummary {
            id: i.id.clone(),
            started: i.opened_at,
            title: neutralize_line(&i.alert.title),
            host: i.alert.host.as_deref().map(neutralize_line),
            severity: i.alert.severity.as_deref().map(neutralize_line),
            source: i.key.source.name().to_string(),
            state: opsassist::protocol::SessionState::New,
        })
        .collect()
}
