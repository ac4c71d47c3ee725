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
    /// The operator's resolution note when the incident was resolved (and nothing happened
    /// in it since): front ends archive it out of the default list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
}

/// Tail sizes tried, in bytes, when looking for a log's last state (then the whole file).
const TAIL_WINDOWS: [u64; 2] = [4 * 1024, 64 * 1024];

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

/// The last event in session `id`'s log on this machine (None: an invalid id, no log here,
/// an unreadable or empty log).
pub fn last_logged(paths: &Paths, id: &str) -> Option<EventEnvelope> {
    let path = log_path(paths, id).ok()?;
    log::last_event(&path).ok().flatten()
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

/// Team mode: write session `id`'s events from the shared sink into this data dir's log
/// (created mode 0600, or replaced when the sink holds more events), so another operator's
/// session can be resumed here exactly as after a crash. Returns how many events the local
/// log holds afterwards; `NotFound` when neither has the session.
pub fn materialize(paths: &Paths, id: &str) -> Result<usize, SessionError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = log_path(paths, id)?;
    let local = if path.exists() {
        log::read(&path)?.events.len()
    } else {
        0
    };
    let Some(sink) = log::event_sink() else {
        return if local > 0 {
            Ok(local)
        } else {
            Err(SessionError::NotFound(id.to_string()))
        };
    };
    let lines = sink.lines(id).map_err(|e| SessionError::Log {
        path: path.clone(),
        source: std::io::Error::other(format!("team database: {e}")),
    })?;
    if lines.len() <= local {
        return if local > 0 {
            Ok(local)
        } else {
            Err(SessionError::NotFound(id.to_string()))
        };
    }
    if log::is_locked(&path) {
        return Err(SessionError::Busy(id.to_string()));
    }
    let io = |source| SessionError::Log {
        path: path.clone(),
        source,
    };
    crate::paths::create_private_dir(&paths.sessions_dir()).map_err(io)?;
    let tmp = path.with_extension("jsonl.tmp");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    for line in &lines {
        file.write_all(line.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
    }
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(lines.len())
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
        let (state, resolved) = last_state(&path)?;
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
            resolved,
        });
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}

/// The state recorded last in a log, from its tail (the whole file only if the tail has none),
/// and the resolution note when a resolution came after it. Only lines that carry a state or
/// a resolution are parsed, so listing thousands of logs stays cheap.
fn last_state(path: &std::path::Path) -> Result<(SessionState, Option<String>), SessionError> {
    for window in TAIL_WINDOWS.into_iter().chain([u64::MAX]) {
        let (tail, whole) = log::read_tail_bytes(path, window)?;
        let mut resolved = None;
        let mut found = None;
        let lines = tail.split(|b| *b == b'\n').rev();
        for line in lines.filter(|line| carries_state(line) || is_resolution(line)) {
            match serde_json::from_slice::<EventEnvelope>(line) {
                Ok(EventEnvelope {
                    event: Event::Finished { state, .. } | Event::State { state },
                    ..
                }) => {
                    found = Some(state);
                    break;
                }
                Ok(EventEnvelope {
                    event: Event::Resolved { note },
                    ..
                }) if resolved.is_none() => resolved = Some(note),
                _ => {}
            }
        }
        if let Some(state) = found {
            return Ok((state, resolved));
        }
        if whole {
            return Ok((SessionState::New, resolved));
        }
    }
    Ok((SessionState::New, None))
}

/// A cheap pre-filter for [`Event::Resolved`] lines.
fn is_resolution(line: &[u8]) -> bool {
    const NEEDLE: &[u8] = br#""type":"resolved""#;
    line.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

/// A cheap pre-filter: `state` and `finished` events are the only ones with a `"state"` key
/// (a quote inside text is escaped, so text cannot match).
fn carries_state(line: &[u8]) -> bool {
    const NEEDLE: &[u8] = br#""state""#;
    line.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

/// Every intact event of session `id` (a torn last line is left out, not repaired).
pub fn read_log(paths: &Paths, id: &str) -> Result<Vec<EventEnvelope>, SessionError> {
    let path = log_path(paths, id)?;
    if !path.exists() {
        return Err(SessionError::NotFound(id.to_string()));
    }
    Ok(log::read(&path)?.events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Alert, Source, Status};
    use crate::protocol::Mode;

    fn alert(title: &str) -> Alert {
        Alert {
            source: Source::Generic,
            title: title.into(),
            severity: Some("warning".into()),
            status: Status::Firing,
            host: None,
            description: None,
            starts_at: None,
            url: None,
            labels: Default::default(),
            fingerprint: None,
            raw: crate::alert::RawJson::null(),
        }
    }

    fn write_log(paths: &Paths, id: &str, title: &str, events: Vec<Event>) {
        let path = log_path(paths, id).expect("id");
        let mut log = SessionLog::create(&path, id).expect("create");
        log.append(Event::SessionStarted {
            alert: Box::new(alert(title)),
            provider: "openai".into(),
            model: "m".into(),
            mode: Mode::Heal,
        })
        .expect("append");
        for event in events {
            log.append(event).expect("append");
        }
    }

    #[test]
    fn list_finds_the_last_state_behind_long_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::in_dir(dir.path());
        std::fs::create_dir_all(paths.sessions_dir()).expect("dir");
        let long = || Event::ModelDelta {
            text: "\"state\" ".repeat(20_000),
        };
        write_log(
            &paths,
            "a-done",
            "finished one",
            vec![
                Event::State {
                    state: SessionState::Investigating,
                },
                long(),
                Event::Finished {
                    state: SessionState::Done,
                    reason: "the model finished".into(),
                },
            ],
        );
        write_log(
            &paths,
            "b-open",
            "open one",
            vec![
                Event::State {
                    state: SessionState::AwaitingApproval,
                },
                long(),
            ],
        );
        let listed: Vec<(String, SessionState)> = list(&paths)
            .expect("list")
            .into_iter()
            .map(|s| (s.title, s.state))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("open one".to_string(), SessionState::Interrupted),
                ("finished one".to_string(), SessionState::Done),
            ]
        );
    }

    #[test]
    fn list_carries_a_resolution_until_something_happens_after_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::in_dir(dir.path());
        std::fs::create_dir_all(paths.sessions_dir()).expect("dir");
        let done = || Event::Finished {
            state: SessionState::Done,
            reason: "the model finished".into(),
        };
        let resolved = || Event::Resolved {
            note: "disk cleaned".into(),
        };
        write_log(&paths, "a-resolved", "resolved", vec![done(), resolved()]);
        write_log(
            &paths,
            "b-reopened",
            "reopened",
            vec![
                done(),
                resolved(),
                Event::State {
                    state: SessionState::Investigating,
                },
                done(),
            ],
        );
        write_log(&paths, "c-plain", "plain", vec![done()]);
        let listed: Vec<(String, SessionState, Option<String>)> = list(&paths)
            .expect("list")
            .into_iter()
            .map(|s| (s.title, s.state, s.resolved))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("plain".to_string(), SessionState::Done, None),
                ("reopened".to_string(), SessionState::Done, None),
                (
                    "resolved".to_string(),
                    SessionState::Done,
                    Some("disk cleaned".to_string())
                ),
            ]
        );
    }
}
