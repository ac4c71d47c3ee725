//! `opsassist incidents`: list the incidents in the inbox (received alerts, deduplicated),
//! with count, last-seen time, resolve-at-source and the sessions started for them.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;
use opsassist::store::IncidentState;
use opsassist::text::neutralize_line;

/// `opsassist incidents` subcommands.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List incidents from the receiver's inbox, oldest first
    List {
        /// One JSON object per line instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Mark a waiting incident as taken up by you, outside a console (it stops counting
    /// towards [intake] inbox_capacity and will not auto-start)
    Take {
        /// Incident id (from `opsassist incidents list`)
        id: String,
    },
}

/// Run `opsassist incidents`.
pub fn run(paths: &Paths, cmd: IncidentsCommand) -> anyhow::Result<ExitCode> {
    let config = opsassist::config::Config::load_for(paths)?;
    let opened = opsassist::store::open(paths, &config.store)?;
    let store = opened.store.as_ref();
    let json = match cmd {
        IncidentsCommand::List { json } => json,
        IncidentsCommand::Take { id } => {
            let who = format!(
                "cli-{}",
                std::env::var("USER").unwrap_or_else(|_| std::process::id().to_string())
            );
            if store.claim(&id, &who)? {
                println!(
                    "incident {} taken by {}",
                    neutralize_line(&id),
                    neutralize_line(&who)
                );
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "opsassist: incident {} is unknown or already taken",
                neutralize_line(&id)
            );
            return Ok(ExitCode::from(1));
        }
    };
    let incidents = store.incidents()?;
    if json {
        for incident in incidents.iter() {
            println!("{}", opsassist::text::json_line(incident)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if incidents.is_empty() {
        println!("no incidents in {}", opened.board.describe());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<34} {:<6} {:<16} {:<28} ALERT",
        "ID", "COUNT", "LAST SEEN", "STATE"
    );
    for incident in incidents.iter() {
        let last = incident
            .last_seen
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M");
        let mut state = match incident.state {
            IncidentState::Open if incident.claimed_by.is_some() => "open, taken up".to_string(),
            IncidentState::Open => "open, waiting".to_string(),
            IncidentState::ResolvedAtSource { at } => format!(
                "resolved at source {}",
                at.with_timezone(&chrono::Local).format("%H:%M:%S")
            ),
        };
        if incident.is_flapping() {
            state.push_str(" (flapping)");
        } else if incident.reopened > 0 {
            state.push_str(&format!(" (reopened {}x)", incident.reopened));
        }
        println!(
            "{:<34} {:<6} {:<16} {:<28} {} {}",
            incident.id,
            incident.count,
            last,
            state,
            incident.key.source,
            neutralize_line(&incident.alert.summary_line())
        );
    }
    Ok(ExitCode::SUCCESS)
}
