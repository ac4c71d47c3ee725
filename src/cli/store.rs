//! `opsassist store`: claims from the command line (claim, release, hand over, list),
//! `store migrate` (import a legacy files data dir into store.db, or copy a data dir into
//! the team database, and verify it), and
//! the helpers other commands use to reach the team database (audit chain, temp files).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use opsassist::audit::{self, AuditEntry, AuditLog, AuditSink};
use opsassist::config::Config;
use opsassist::paths::Paths;
use opsassist::store::{ClaimOutcome, PgStore, SqliteStore, Store, operator_from_env};
use opsassist::text::neutralize_line;

/// `opsassist store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Take an incident for you ($USER) with a lease; exit 1 naming who holds it otherwise
    Claim {
        /// Incident id
        id: String,
    },
    /// Give your claim on an incident up
    Release { id: String },
    /// Pass your claim on an incident to another operator
    Handover {
        id: String,
        /// The operator who takes it over
        #[arg(long, value_name = "USER")]
        to: String,
    },
    /// List live claims: who is on which incident, until when
    Claims {
        #[arg(long)]
        json: bool,
    },
    /// Import a legacy files data dir (inbox, claims) into this data dir's store.db, or copy
    /// this data dir's sessions, audit log, corrections and inbox into the team database,
    /// then verify counts (and the audit chain)
    Migrate {
        /// `files` (the legacy JSONL inbox in this data dir) or `sqlite` (its store.db)
        #[arg(long, value_name = "KIND")]
        from: String,
        /// `sqlite` (the default with --from files), `postgres://user@host/db` (password
        /// from [store] password_file), or `postgres` for the configured [store] url /
        /// OPSASSIST_STORE_URL
        #[arg(long, value_name = "URL")]
        to: Option<String>,
    },
}

/// The team database URL in force for `paths`, if any.
pub fn team_url(paths: &Paths) -> anyhow::Result<Option<String>> {
    let config = Config::load_for(paths)?;
    Ok(opsassist::store::open::url(&config.store))
}

fn connect(config: &Config, url: &str) -> anyhow::Result<PgStore> {
    let password = match &config.store.password_file {
        Some(path) => Some(
            opsassist::secret_file::read_private(path)
                .with_context(|| format!("[store] password_file {}", path.display()))?
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        ),
        None => None,
    };
    Ok(PgStore::connect_with(
        url,
        password.as_deref(),
        config.store.ca_file.as_deref(),
    )?)
}

/// The audit chain's home in team mode (None: the file). In team mode this also installs
/// the database as the session events' and corrections' sink, so sessions built with it
/// share their events and learn from every operator's edits, and as the core's claim guard
/// (`session::claim_guard`).
pub fn audit_sink(_paths: &Paths, config: &Config) -> anyhow::Result<Option<Arc<dyn AuditSink>>> {
    match opsassist::store::open::url(&config.store) {
        Some(url) => {
            let pg = Arc::new(connect(config, &url)?);
            opsassist::session::log::set_event_sink(pg.clone());
            // No model turn or command while another operator holds the claim.
            opsassist::session::claim_guard::install(pg.clone(), &operator_from_env());
            opsassist::session::corrections::set_sink(pg.clone());
            Ok(Some(pg))
        }
        None => Ok(None),
    }
}

/// Every audit line in the team database.
pub fn audit_lines(paths: &Paths) -> anyhow::Result<Vec<String>> {
    let config = Config::load_for(paths)?;
    let url = opsassist::store::open::url(&config.store).context("no team database configured")?;
    connect(&config, &url)?
        .lines()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// A fresh private (0600) file path in the data dir, for a verify run.
pub fn private_temp(paths: &Paths, what: &str) -> anyhow::Result<PathBuf> {
    opsassist::paths::create_private_dir(&paths.data_dir)?;
    Ok(paths
        .data_dir
        .join(format!(".{what}-{}.jsonl", std::process::id())))
}

/// Write `lines` (each plus a newline) to `path`, mode 0600, synced, replacing what is there
/// without following a link planted at it.
pub fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    opsassist::export::write_private(path, text.as_bytes(), true)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn audit_claim(paths: &Paths, config: &Config, incident: &str, action: &str, other: Option<&str>) {
    let log = AuditLog::open(&paths.audit_log())
        .map(|log| log.with_sink(audit_sink(paths, config).ok().flatten()));
    let entry = AuditEntry::Claim {
        incident: incident.to_string(),
        action: action.to_string(),
        other: other.map(str::to_string),
    };
    if let Err(e) = log.and_then(|mut log| log.append("", entry)) {
        eprintln!("opsassist: warning: the audit log did not record the {action}: {e}");
    }
}

/// Run `opsassist store`.
pub fn run(paths: &Paths, cmd: StoreCommand) -> anyhow::Result<ExitCode> {
    let config = Config::load_for(paths)?;
    let me = operator_from_env();
    if let StoreCommand::Migrate { from, to } = cmd {
        return match (from.as_str(), to.as_deref()) {
            ("files", None | Some("sqlite")) => import_files(paths),
            (_, Some(to)) if to != "sqlite" => migrate(paths, &config, &from, to),
            _ => anyhow::bail!(
                "--from files [--to sqlite], or --from files|sqlite --to postgres://…"
            ),
        };
    }
    let opened = opsassist::store::open(paths, &config.store)?;
    let board = opened.board.as_ref();
    match cmd {
        StoreCommand::Claim { id } if !claimable(paths, &opened, &id)? => {
            // No lease, no audit record: nothing was claimed.
            eprintln!(
                "opsassist: no incident or session {} in {} (see `opsassist incidents list`)",
                neutralize_line(&id),
                board.describe()
            );
            Ok(ExitCode::from(1))
        }
        StoreCommand::Claim { id } => match board.lease(&id, &me, opened.lease)? {
            ClaimOutcome::Won {
                claim,
                took_over_from,
            } => {
                let action = if took_over_from.is_some() {
                    "take_over"
                } else {
                    "claim"
                };
                audit_claim(paths, &config, &id, action, took_over_from.as_deref());
                match took_over_from {
                    Some(prev) => println!(
                        "you are on {} (took over from {}, whose lease lapsed) until {}",
                        neutralize_line(&id),
                        neutralize_line(&prev),
                        claim.lease_until.to_rfc3339()
                    ),
                    None => println!(
                        "you are on {} until {}",
                        neutralize_line(&id),
                        claim.lease_until.to_rfc3339()
                    ),
                }
                Ok(ExitCode::SUCCESS)
            }
            ClaimOutcome::Renewed { claim } => {
                println!(
                    "you are on {} (renewed) until {}",
                    neutralize_line(&id),
                    claim.lease_until.to_rfc3339()
                );
                Ok(ExitCode::SUCCESS)
            }
            ClaimOutcome::Held { claim } => {
                println!(
                    "{} is on it (until {})",
                    neutralize_line(&claim.operator),
                    claim.lease_until.to_rfc3339()
                );
                Ok(ExitCode::from(1))
            }
        },
        StoreCommand::Release { id } => {
            if board.release(&id, &me)? {
                audit_claim(paths, &config, &id, "release", None);
                println!("released {}", neutralize_line(&id));
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("opsassist: you do not hold {}", neutralize_line(&id));
                Ok(ExitCode::from(1))
            }
        }
        StoreCommand::Handover { id, to } => {
            let to = neutralize_line(to.trim());
            if board.hand_over(&id, &me, &to, opened.lease)? {
                audit_claim(paths, &config, &id, "hand_over", Some(&to));
                println!("{} is now on {}", to, neutralize_line(&id));
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("opsassist: you do not hold {}", neutralize_line(&id));
                Ok(ExitCode::from(1))
            }
        }
        StoreCommand::Claims { json } => {
            let claims = board.claims()?;
            if claims.is_empty() && !json {
                println!("no claims in {}", board.describe());
            }
            for claim in claims {
                if json {
                    println!("{}", opsassist::text::json_line(&claim)?);
                } else {
                    println!(
                        "{:<34} {} is on it (until {})",
                        neutralize_line(&claim.incident),
                        neutralize_line(&claim.operator),
                        claim.lease_until.to_rfc3339()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Migrate { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// Whether `id` names something a claim can be on: an incident in the inbox, or a session
/// (a console started without an incident claims its session).
fn claimable(paths: &Paths, opened: &opsassist::store::Opened, id: &str) -> anyhow::Result<bool> {
    if opened.store.incidents()?.get(id).is_some() {
        return Ok(true);
    }
    let is_file_name = !id.is_empty() && !id.contains(['/', '\0']) && id != "." && id != "..";
    if is_file_name && paths.sessions_dir().join(format!("{id}.jsonl")).is_file() {
        return Ok(true);
    }
    match &opened.postgres {
        Some(pg) => Ok(!pg
            .events_after(id, 0)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .is_empty()),
        None => Ok(false),
    }
}

fn read_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// `store migrate --from files [--to sqlite]`: the legacy inbox and claims into store.db,
/// once; the counts are checked against what the store then holds.
fn import_files(paths: &Paths) -> anyhow::Result<ExitCode> {
    let Some((source, records, claims)) = opsassist::store::legacy_inbox::read(paths)? else {
        anyhow::bail!(
            "no legacy inbox at {} to import",
            opsassist::store::legacy_inbox::inbox_path(paths).display()
        );
    };
    let sqlite = SqliteStore::open(paths)?;
    let before = sqlite.rows()?;
    let imported = sqlite.import(&source, &records, &claims)?;
    let after = sqlite.rows()?;
    let db = sqlite.path().display().to_string();
    if imported.already {
        println!(
            "already imported: {} inbox records and {} claims from {} are in {db}; nothing to do",
            imported.records,
            imported.claims,
            neutralize_line(source.trim_start_matches("files:"))
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut ok = true;
    let mut check = |what: &str, want: u64, got: u64| {
        let mark = if want == got { "ok" } else { "MISMATCH" };
        ok &= want == got;
        println!("{mark}: {what}: {want} in files, {got} imported into {db}");
    };
    check(
        "inbox records",
        records.len() as u64,
        after.inbox - before.inbox,
    );
    check("claims", claims.len() as u64, after.claims - before.claims);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `store migrate --from files|sqlite --to URL`.
fn migrate(paths: &Paths, config: &Config, from: &str, to: &str) -> anyhow::Result<ExitCode> {
    // The inbox records to copy: the legacy JSONL inbox's (none without one), or store.db's.
    let records = match from {
        "files" => opsassist::store::legacy_inbox::read(paths)?
            .map(|(_, records, _)| records)
            .unwrap_or_default(),
        "sqlite" => SqliteStore::open(paths)?.read_from(0)?.0,
        other => anyhow::bail!(
            "--from takes `files` or `sqlite`, not {}",
            neutralize_line(other)
        ),
    };
    let url = if to == "postgres" {
        opsassist::store::open::url(&config.store)
            .context("--to postgres: no [store] url or OPSASSIST_STORE_URL")?
    } else {
        anyhow::ensure!(
            to.starts_with("postgres://") || to.starts_with("postgresql://"),
            "--to takes a postgres:// URL"
        );
        to.to_string()
    };
    let pg = connect(config, &url)?;
    let before = pg.counts()?;
    // Sessions.
    let mut sessions = 0u64;
    let mut events = 0u64;
    if let Ok(dir) = std::fs::read_dir(paths.sessions_dir()) {
        let mut files: Vec<PathBuf> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            let Some(id) = file.file_stem().map(|s| s.to_string_lossy().to_string()) else {
                continue;
            };
            let lines = read_lines(&file)?;
            events += lines.len() as u64;
            sessions += 1;
            pg.copy_session(&id, lines)?;
        }
    }
    // Audit chain: verified on the way in.
    let audit_path = paths.audit_log();
    let mut audit_n = 0u64;
    if audit_path.exists() {
        let report = audit::verify(&audit_path)?;
        if let Some(b) = report.broken {
            anyhow::bail!(
                "the audit log is broken at line {} ({}); fix it before migrating",
                b.line,
                neutralize_line(&b.reason)
            );
        }
        let mut rows = Vec::new();
        for line in read_lines(&audit_path)? {
            let record: audit::Record = serde_json::from_str(&line)?;
            rows.push((record.seq, record.session, record.operator, line));
        }
        audit_n = rows.len() as u64;
        pg.copy_audit(rows)?;
    }
    // Corrections.
    let corrections = read_lines(&paths.data_dir.join("corrections.jsonl"))?;
    let corrections_n = corrections.len() as u64;
    pg.copy_corrections(corrections)?;
    // The inbox.
    let inbox_n = records.len() as u64;
    for chunk in records.chunks(1000) {
        pg.append(chunk)?;
    }
    // Verify.
    let after = pg.counts()?;
    let mut ok = true;
    let mut check = |what: &str, want: u64, got: u64| {
        let mark = if want == got { "ok" } else { "MISMATCH" };
        ok &= want == got;
        println!("{mark}: {what}: {want} in {from}, {got} in the database");
    };
    check("sessions", sessions, after.sessions);
    check(
        "session events",
        events,
        after.session_events - before.session_events.min(after.session_events),
    );
    check("audit records", audit_n, after.audit);
    check(
        "corrections",
        corrections_n,
        after.corrections - before.corrections,
    );
    check("inbox records", inbox_n, after.inbox - before.inbox);
    let lines = pg.lines().map_err(|e| anyhow::anyhow!("{e}"))?;
    let tmp = private_temp(paths, "migrate-verify")?;
    write_lines(&tmp, &lines)?;
    let report = audit::verify(&tmp);
    let _ = std::fs::remove_file(&tmp);
    match report?.broken {
        None => println!(
            "ok: audit chain in the database intact ({} records)",
            lines.len()
        ),
        Some(b) => {
            ok = false;
            println!(
                "broken: audit chain in the database at seq {:?}: {}",
                b.seq,
                neutralize_line(&b.reason)
            );
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
