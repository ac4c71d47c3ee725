//! `audit verify`'s cross-check of the audit log against the session logs (at the binary's
//! edge: the audit chain itself knows nothing of sessions): every execution a session log
//! records (`ExecStarted`, `ExecFinished`) must have its audit records (`exec_start`, and
//! `exec_end` or `exec_interrupted`). A deleted or truncated audit log shows up here even
//! when what is left of its chain verifies.

use std::collections::HashSet;
use std::path::Path;

use opsassist::audit::{AuditError, Record};
use opsassist::protocol::Event;
use opsassist::text::neutralize_line;

/// One execution as a session log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub session: String,
    pub call_id: String,
    /// The session log has its `ExecFinished` (else it is running, or was at a crash not yet
    /// recovered).
    pub finished: bool,
}

/// An execution whose audit record is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub session: String,
    pub call_id: String,
    /// `exec_start` or `exec_end`.
    pub record: &'static str,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let logged = if self.record == "exec_start" {
            "ExecStarted"
        } else {
            "ExecFinished"
        };
        write!(
            f,
            "session {} call {}: {logged} in the session log but no {} record in the audit log",
            neutralize_line(&self.session),
            neutralize_line(&self.call_id),
            self.record
        )
    }
}

/// Every execution in the session logs under `sessions_dir`, oldest session first, and one
/// line per log that could not be read (damaged: it cannot be checked).
pub fn session_executions(
    sessions_dir: &Path,
) -> Result<(Vec<Execution>, Vec<String>), AuditError> {
    let entries = match std::fs::read_dir(sessions_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(source) => {
            return Err(AuditError::Io {
                path: sessions_dir.to_path_buf(),
                source,
            });
        }
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    let mut executions = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let contents = match opsassist::session::log::read(&path) {
            Ok(contents) => contents,
            Err(err) => {
                unreadable.push(format!(
                    "session {}: log cannot be read, its executions were not checked: {}",
                    neutralize_line(&id),
                    neutralize_line(&err.to_string())
                ));
                continue;
            }
        };
        let mut started: Vec<String> = Vec::new();
        let mut finished: HashSet<String> = HashSet::new();
        for envelope in &contents.events {
            match &envelope.event {
                Event::ExecStarted { call_id, .. } => started.push(call_id.clone()),
                Event::ExecFinished { summary } => {
                    finished.insert(summary.call_id.clone());
                }
                _ => {}
            }
        }
        let session = contents
            .events
            .first()
            .map(|e| e.session_id.clone())
            .unwrap_or(id);
        for call_id in started {
            executions.push(Execution {
                session: session.clone(),
                finished: finished.contains(&call_id),
                call_id,
            });
        }
    }
    Ok((executions, unreadable))
}

/// The audit records `executions` lack, in order.
pub fn cross_check(records: &[Record], executions: &[Execution]) -> Vec<Missing> {
    let mut starts: HashSet<(&str, &str)> = HashSet::new();
    let mut ends: HashSet<(&str, &str)> = HashSet::new();
    for r in records {
        let kind = r.entry.get("kind").and_then(|k| k.as_str());
        let Some(call_id) = r.entry.get("call_id").and_then(|c| c.as_str()) else {
            continue;
        };
        match kind {
            Some("exec_start") => {
                starts.insert((r.session.as_str(), call_id));
            }
            Some("exec_end" | "exec_interrupted") => {
                ends.insert((r.session.as_str(), call_id));
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for e in executions {
        let key = (e.session.as_str(), e.call_id.as_str());
        if !starts.contains(&key) {
            missing.push(Missing {
                session: e.session.clone(),
                call_id: e.call_id.clone(),
                record: "exec_start",
            });
        }
        if e.finished && !ends.contains(&key) {
            missing.push(Missing {
                session: e.session.clone(),
                call_id: e.call_id.clone(),
                record: "exec_end",
            });
        }
    }
    missing
}
