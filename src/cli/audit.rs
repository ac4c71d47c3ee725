//! `opsassist audit`: verify the hash chain of `audit.jsonl` and show its records.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use opsassist::audit::{self, Record};
use opsassist::paths::Paths;
use opsassist::text::neutralize_line;

/// `opsassist audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; report the first broken record (exit 1 when broken)
    Verify {
        /// Audit log to check [default: audit.jsonl in the data dir]
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
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

/// Run `opsassist audit`.
pub fn run(paths: &Paths, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { file } => {
            let path = file.unwrap_or_else(|| paths.audit_log());
            if !path.exists() {
                println!("ok: 0 records, no audit log yet at {}", path.display());
                return Ok(ExitCode::SUCCESS);
            }
            let report = audit::verify(&path)?;
            match report.broken {
                None => {
                    println!("ok: {} records, chain intact", report.records);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
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
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCommand::Show {
            session,
            tail,
            file,
            json,
        } => {
            let path = file.unwrap_or_else(|| paths.audit_log());
            if !path.exists() {
                println!("no audit log yet at {}", path.display());
                return Ok(ExitCode::SUCCESS);
            }
            let mut records: Vec<Record> = audit::read_records(&path)?
                .into_iter()
                .filter(|r| session.as_ref().is_none_or(|s| &r.session == s))
                .collect();
            if let Some(n) = tail {
                let skip = records.len().saturating_sub(n);
                records.drain(..skip);
            }
            for r in &records {
                if json {
                    println!("{}", serde_json::to_string(&r.entry)?);
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
