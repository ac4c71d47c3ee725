//! The sessions directory: new session ids and logs, fast listing (first line + tail of each
//! log, never whole files), and reading one session's log.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SessionError;
use super::log::{self, SessionLog};
use crate::paths::Paths;
use crate::protocol::{Event, EventEnvelope, SessionState};

/// One line of the incident list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub started: DateTime<Utc>,
    pub title: String,
    pub host: Option<String>,
    pub severity: Option<String>,
    /// Alert source name (`alertmanager`, `grafana`, …).
    pub source: String,
    /// The last recorded state; `Interrupted` when the log is open but no process holds it.
    pub state: SessionState,
}

/// Bytes read from the end of a log to find its state.
const TAIL_WINDOW: u64 = 64 * 1024;

/// The log file of session `id`. Ids are checked so a name can never leave the directory.
pub(crate) fn log_path(paths: &Paths, id: &str) -> Result<PathBuf, SessionError> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(SessionError::NotFound(crate::text::neutralize_line(
            &id.chars().take(64).collect::<String>(),
        )));
    }
    Ok(paths.sessions_dir().join(format!("{id}.jsonl")))
}

/// A new sortable id (`20261121-031502-a1b2c3`) and its freshly created log.
pub(crate) fn create_log(paths: &Paths) -> Result<(String, SessionLog), SessionError> {
    let mut last_err = None;
    for _ in 0..8 {
        let id = format!(
            "{}-{}",
            Utc::now().format("%Y%m%d-%H%M%S"),
            super::random_hex(3)
        );
        let path = log_path(paths, &id)?;
        match SessionLog::create(&path, &id) {
            Ok(log) => return Ok((id, log)),
            Err(SessionError::Log { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                last_err = Some(source);
            }
            Err(other) => return Err(other),
        }
    }
    Err(SessionError::Log {
        path: paths.sessions_dir(),
        source: last_err.unwrap_or_else(|| std::io::Error::other("no free session id")),
    })
}

/// True when a state means the session has ended its work.
pub(crate) fn is_terminal(state: SessionState) -> bool {
    matches!(state, SessionState::Done | SessionState::Failed)
}

/// Every session, newest first. Reads only the first line and the tail of each log.
pub fn list(paths: &Paths) -> Result<Vec<SessionSummary>, SessionError> {
    let dir = paths.sessions_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(SessionError::Log { path: dir, source }),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let Some(first) = log::read_first(&path).ok().flatten() else {
            continue;
        };
        let Event::SessionStarted { alert, .. } = &first.event else {
            continue;
        };
        let state = last_state(&path)?;
        let state = if !is_terminal(state) && !log::is_locked(&path) {
            SessionState::Interrupted
        } else {
            state
        };
        out.push(SessionSummary {
            id: first.session_id.clone(),
            started: first.at,
            title: alert.title.clone(),
            host: alert.host.clone(),
            severity: alert.severity.clone(),
            source: serde_json::to_value(alert.source)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            state,
        });
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}

/// The state recorded last in a log, from its tail (the whole file only if the tail has none).
fn last_state(path: &std::path::Path) -> Result<SessionState, SessionError> {
    let from = |events: &[EventEnvelope]| {
        events.iter().rev().find_map(|e| match &e.event {
            Event::Finished { state, .. } | Event::State { state } => Some(*state),
            _ => None,
        })
    };
    if let Some(state) = from(&log::read_tail(path, TAIL_WINDOW)?) {
        return Ok(state);
    }
    Ok(from(&log::read_tail(path, u64::MAX)?).unwrap_or(SessionState::New))
}

/// Every intact event of session `id` (a torn last line is left out, not repaired).
pub fn read_log(paths: &Paths, id: &str) -> Result<Vec<EventEnvelope>, SessionError> {
    let path = log_path(paths, id)?;
    if !path.exists() {
        return Err(SessionError::NotFound(id.to_string()));
    }
    Ok(log::read(&path)?.events)
}
