//! `opsassist audit`: verify `audit.jsonl` (hash chain, hmacs with a key, and records for
//! every execution in the session logs), show its records, and make an audit key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use opsassist::audit::{self, AuditKey, Record};
use opsassist::config::Config;
use opsassist::paths::Paths;
use opsassist::text::neutralize_line;

/// `opsassist audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain (and hmacs, with [audit] key_file), and that every execution in
    /// the session logs has its audit records; one line per problem (exit 1 on any)
    Verify {
        /// Audit log to check [default: audit.jsonl in the data dir]
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Write the audit chain as JSONL (from the team database when [store] url or
    /// OPSASSIST_STORE_URL names one, else a copy of audit.jsonl); `verify --file` checks it
    Export {
        /// Where to write (mode 0600)
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Create a new audit key (mode 0600; refuses to overwrite); then set
    /// `[audit] key_file` to it in config.toml
    Keygen {
        /// Where to write the key: outside the data dir
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Print audit records: seq, time, operator, session, what happened
    Show {
        /// Only records of this session
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// Only the last N records (after the session filter)
        #[arg(long, value_name = "N")]
        tail: Option<usize>,
        /// Audit log to read [default: audit.jsonl in the data dir]
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Print the raw JSON lines
        #[arg(long)]
        json: bool,
    },
}

/// The audit key named by `[audit] key_file` (relative paths are relative to the config
/// dir), or None when no key is configured.
pub fn load_key(paths: &Paths, config: &Config) -> anyhow::Result<Option<AuditKey>> {
    let Some(file) = &config.audit.key_file else {
        return Ok(None);
    };
    let path = if file.is_relative() {
        paths.config_dir.join(file)
    } else {
        file.clone()
    };
    Ok(Some(AuditKey::load(&path, &paths.data_dir)?))
}

/// `audit verify`: the chain, then the cross-check; true when all is well.
fn verify(paths: &Paths, path: &Path) -> anyhow::Result<bool> {
    let config = Config::load_for(paths)?;
    let key = load_key(paths, &config)?;
    let (executions, unreadable) =
        super::audit_crosscheck::session_executions(&paths.sessions_dir())?;
    let mut ok = true;
    let records = if path.exists() {
        let report = audit::verify_with(path, key.as_ref())?;
        match report.broken {
            None => {
                println!("ok: {} records, chain intact", report.records);
                match &key {
                    Some(_) => println!(
                        "ok: {} of {} records signed with the audit key (hmacs verified)",
                        report.signed, report.records
                    ),
                    None if report.signed > 0 => println!(
                        "note: {} records carry an hmac, not checked: no [audit] key_file configured",
                        report.signed
                    ),
                    None => {}
                }
            }
            Some(b) => {
                ok = false;
                let seq = b.seq.map_or_else(|| "?".to_string(), |s| s.to_string());
                println!(
                    "broken at line {} (seq {seq}): {}",
                    b.line,
                    neutralize_line(&b.reason)
                );
                println!("{} records before it verified", report.records);
                if b.torn {
                    println!("the next append cuts the torn record (with a warning)");
                }
            }
        }
        audit::read_records(path)?
    } else if executions.is_empty() {
        println!("ok: 0 records, no audit log yet at {}", path.display());
        Vec::new()
    } else {
        ok = false;
        println!(
            "audit log {} is missing, but the session logs record {} execution(s)",
            path.display(),
            executions.len()
        );
        Vec::new()
    };
    if path.exists() && records.is_empty() && !executions.is_empty() {
        ok = false;
        println!(
            "audit log {} has 0 records, but the session logs record {} execution(s)",
            path.display(),
            executions.len()
        );
    }
    let missing = super::audit_crosscheck::cross_check(&records, &executions);
    for m in &missing {
        println!("{m}");
    }
    for line in &unreadable {
        println!("{line}");
    }
    ok &= missing.is_empty() && unreadable.is_empty();
    if ok && !executions.is_empty() {
        let sessions: std::collections::HashSet<&str> =
            executions.iter().map(|e| e.session.as_str()).collect();
        println!(
            "ok: all {} execution(s) in {} session log(s) have their audit records",
            executions.len(),
            sessions.len()
        );
    }
    Ok(ok)
}

/// Run `opsassist audit`.
pub fn run(paths: &Paths, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { file: None } if super::store::team_url(paths)?.is_some() => {
            let lines = super::store::audit_lines(paths)?;
            let tmp = super::store::private_temp(paths, "audit-verify")?;
            super::store::write_lines(&tmp, &lines)?;
            println!("checking the audit chain in the team database");
            let ok = verify(paths, &tmp);
            let _ = std::fs::remove_file(&tmp);
            Ok(if ok? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::Export { out } => {
            let lines = match super::store::team_url(paths)? {
                Some(_) => super::store::audit_lines(paths)?,
                None if paths.audit_log().exists() => std::fs::read_to_string(paths.audit_log())?
                    .lines()
                    .map(str::to_string)
                    .collect(),
                None => Vec::new(),
            };
            super::store::write_lines(&out, &lines)?;
            println!("wrote {} audit records to {}", lines.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { file } => {
            let path = file.unwrap_or_else(|| paths.audit_log());
            Ok(if verify(paths, &path)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        AuditCommand::Keygen { out } => {
            AuditKey::generate(&out, &paths.data_dir)?;
            println!(
                "wrote a new audit key to {} (mode 0600); add to config.toml:\n[audit]\nkey_file = \"{}\"",
                out.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Show {
            session,
            tail,
            file,
            json,
        } => {
            let all: Vec<Record> = match file {
                // Team mode: the chain lives in the database, as for `verify` and `export`.
                None if super::store::team_url(paths)?.is_some() => {
                    super::store::audit_lines(paths)?
                        .iter()
                        .filter_map(|line| serde_json::from_str::<Record>(line).ok())
                        .collect()
                }
                file => {
                    let path = file.unwrap_or_else(|| paths.audit_log());
                    if !path.exists() {
                        println!("no audit log yet at {}", path.display());
                        return Ok(ExitCode::SUCCESS);
                    }
                    audit::read_records(&path)?
                }
            };
            let mut records: Vec<Record> = all
                .into_iter()
                .filter(|r| session.as_ref().is_none_or(|s| &r.session == s))
                .collect();
            if let Some(n) = tail {
                let skip = records.len().saturating_sub(n);
                records.drain(..skip);
            }
            for r in &records {
                if json {
                    println!("{}", opsassist::text::json_line(&r.entry)?);
                    continue;
                }
                println!(
                    "{:>6} {} {} {} {}",
                    r.seq,
                    neutralize_line(&r.time),
                    neutralize_line(&r.operator),
                    neutralize_line(&r.session),
                    neutralize_line(&summary(&r.entry))
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One line describing an entry: `proposal [change] local: df -h`.
fn summary(entry: &serde_json::Value) -> String {
    let s = |k: &str| {
        entry
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let target = |k: &str| match entry.get(k) {
        Some(t) => match t.get("host").and_then(|h| h.as_str()) {
            Some(h) => format!("ssh: {h}"),
            None => "local".into(),
        },
        None => "-".into(),
    };
    match s("kind").as_str() {
        "proposal" => format!(
            "proposal {} [{}] {}: {}",
            s("call_id"),
            s("class"),
            target("target"),
            s("command")
        ),
        "edit" => format!("edit {}: {} -> {}", s("call_id"), s("before"), s("after")),
        "decision" => format!(
            "decision {}: {}{}",
            s("call_id"),
            s("decision"),
            entry
                .get("reason")
                .and_then(|r| r.as_str())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        "exec_start" => format!(
            "exec start {} {}: {}",
            s("call_id"),
            target("target"),
            s("command")
        ),
        "exec_interrupted" => format!(
            "exec end {}: {}, output file {} bytes",
            s("call_id"),
            s("outcome"),
            entry
                .get("output_bytes")
                .and_then(|d| d.as_u64())
                .unwrap_or(0)
        ),
        "exec_end" => format!(
            "exec end {}: exit {} in {} ms, {} redactions, sha256 {}",
            s("call_id"),
            entry
                .get("exit_code")
                .and_then(|c| c.as_i64())
                .map_or_else(|| "-".to_string(), |c| c.to_string()),
            entry
                .get("duration_ms")
                .and_then(|d| d.as_u64())
                .unwrap_or(0),
            entry
                .get("redactions")
                .and_then(|d| d.as_u64())
                .unwrap_or(0),
            s("output_sha256")
        ),
        other => format!("{other}: {entry}"),
    }
}
