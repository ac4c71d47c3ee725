//! `opsassist sessions`: list incident sessions (and received incidents with no session yet,
//! as state "new"), show one transcript, export a postmortem timeline.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use opsassist::headless::Transcript;
use opsassist::paths::Paths;
use opsassist::session;
use opsassist::store::Store;
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
        /// Session id, or a unique prefix of it (from `opsassist sessions list`)
        id: String,
        /// Print the raw event log (JSONL) instead of a transcript
        #[arg(long)]
        json: bool,
    },
    /// Write a postmortem timeline of one session (alert, messages, decisions, executions,
    /// audit hashes), secrets redacted
    Export {
        /// Session id, or a unique prefix of it (from `opsassist sessions list`)
        id: String,
        /// Output format
        #[arg(long, value_enum, default_value = "md")]
        format: opsassist::export::Format,
        /// Write to this new file (mode 0600) and print its path, instead of stdout
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Replace the --out file if it exists (a symlink there is replaced, never followed)
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Remove finished sessions (done or failed) older than an age, with their saved
    /// outputs. Open incidents and the audit log are never touched.
    Prune {
        /// Age of the session's last activity: 30d, 12h, 2w, 90min (a bare `m` is refused)
        #[arg(long, value_name = "AGE", value_parser = super::prune::parse_age)]
        older_than: std::time::Duration,
        /// Only list the sessions that would be removed
        #[arg(long)]
        dry_run: bool,
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
                    println!("{}", opsassist::text::json_line(&value)?);
                }
                for s in &sessions {
                    println!("{}", opsassist::text::json_line(s)?);
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
            let id = super::prune::resolve_id(paths, &id)?;
            let events = session::read_log(paths, &id)?;
            let mut out = std::io::stdout().lock();
            if json {
                use std::io::Write;
                for e in &events {
                    writeln!(out, "{}", opsassist::text::json_line(e)?)?;
                }
            } else {
                let mut transcript = Transcript::default();
                transcript.times = true;
                for e in &events {
                    transcript.render(e, &mut out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SessionsCommand::Export {
            id,
            format,
            out,
            force,
        } => {
            let id = super::prune::resolve_id(paths, &id)?;
            export(paths, &id, format, out, force)
        }
        SessionsCommand::Prune {
            older_than,
            dry_run,
        } => {
            let pruned = super::prune::prune(paths, older_than, dry_run)?;
            if dry_run {
                for id in &pruned.ids {
                    println!("would remove {}", opsassist::text::neutralize_line(id));
                }
            }
            println!(
                "{} {} session(s), {} bytes{}",
                if dry_run { "would remove" } else { "removed" },
                pruned.sessions,
                pruned.bytes,
                if pruned.kept_open > 0 {
                    format!(
                        "; kept {} old session(s) that are still open",
                        pruned.kept_open
                    )
                } else {
                    String::new()
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `sessions export`: render the timeline, then print it or write it (0600) to `out` as a
/// new file (`force`: replacing what is there), never through a planted symlink.
fn export(
    paths: &Paths,
    id: &str,
    format: opsassist::export::Format,
    out: Option<std::path::PathBuf>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let redact_values = match opsassist::config::Config::load_for(paths) {
        Ok(config) => config.policy.redact_values,
        Err(err) => {
            eprintln!(
                "opsassist: warning: {}; exporting with the built-in redaction rules only",
                neutralize_line(&err.to_string())
            );
            Vec::new()
        }
    };
    let redactor = opsassist::policy::Redactor::new(redact_values);
    let text = opsassist::export::export(paths, id, format, &redactor)?;
    match out {
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
        Some(path) => {
            opsassist::export::write_private(&path, text.as_bytes(), force)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            println!("{}", neutralize_line(&path.display().to_string()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Received incidents (the intake inbox, or the team database when `[store] url` or
/// `OPSASSIST_STORE_URL` names one) that no session has taken up yet, as session rows (id:
/// the incident id, state new). An unreadable inbox is reported and listed as empty; a team
/// database that cannot be opened is reported and this data dir's inbox listed instead.
fn received_without_session(paths: &Paths) -> Vec<session::SessionSummary> {
    let store_config = match opsassist::config::Config::load_for(paths) {
        Ok(config) => config.store,
        Err(err) => {
            eprintln!(
                "opsassist: warning: {}; listing this data dir's inbox",
                neutralize_line(&err.to_string())
            );
            Default::default()
        }
    };
    let store: Arc<dyn Store> = if opsassist::store::open::url(&store_config).is_some() {
        match opsassist::store::inbox_or_local(paths, &store_config) {
            Ok((store, warning)) => {
                if let Some(warning) = warning {
                    eprintln!("opsassist: warning: {}", neutralize_line(&warning));
                }
                store
            }
            Err(e) => {
                eprintln!("opsassist: warning: {}", neutralize_line(&e.to_string()));
                return Vec::new();
            }
        }
    } else if paths.data_dir.join(opsassist::store::sqlite::FILE).exists()
        || opsassist::store::legacy_inbox::inbox_path(paths).exists()
    {
        // The data dir's store (a legacy inbox is imported into it on first open).
        match opsassist::store::open::local(paths, &store_config) {
            Ok(opened) => opened.store,
            Err(e) => {
                eprintln!("opsassist: warning: {}", neutralize_line(&e.to_string()));
                return Vec::new();
            }
        }
    } else {
        return Vec::new();
    };
    let incidents = match store.incidents() {
        Ok(incidents) => incidents,
        Err(e) => {
            eprintln!(
                "opsassist: cannot read the incident inbox: {}",
                neutralize_line(&e.to_string())
            );
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
            resolved: None,
        })
        .collect()
}
