//! Resuming sessions from their logs: after a crash (torn line cut, running command marked
//! interrupted, or stopped or followed when it still runs, pending approvals asked again,
//! remembered prefixes restored) or to continue a finished one.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::agent::{Agent, Start};
use super::log::{self, SessionLog};
use super::store::log_path;
use super::{Core, SessionError, SessionHandle, conversation};
use crate::protocol::{Event, EventEnvelope};

/// A session reopened from its log.
#[derive(Debug)]
pub struct RecoveredSession {
    pub handle: SessionHandle,
    /// The events logged before this process took over, oldest first. Events the resumed task
    /// emits (warnings, re-requested approvals) arrive on the channel afterwards.
    pub history: Vec<EventEnvelope>,
}

/// Reopen every session that a crash (or a front end that dropped its handles) left open:
/// logs that do not end in `Finished` and are not held by another process. Damaged logs are
/// skipped with a logged warning.
pub fn recover(
    core: Arc<Core>,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> Result<Vec<RecoveredSession>, SessionError> {
    tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
    let dir = core.paths.sessions_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(SessionError::Log { path: dir, source }),
    };
    let mut ids: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".jsonl").map(str::to_string)
        })
        .collect();
    ids.sort();
    let mut out = Vec::new();
    for id in ids {
        let Ok(path) = log_path(&core.paths, &id) else {
            continue;
        };
        if log::is_locked(&path) {
            continue;
        }
        let last = match log::last_event(&path) {
            Ok(last) => last,
            Err(err) => {
                tracing::warn!("cannot read {}: {err}", path.display());
                continue;
            }
        };
        if matches!(last.map(|e| e.event), Some(Event::Finished { .. })) {
            continue;
        }
        match resume(Arc::clone(&core), &id, events.clone()) {
            Ok(session) => out.push(session),
            Err(SessionError::Busy(_)) => {}
            Err(err) => tracing::warn!("cannot recover session {id}: {err}"),
        }
    }
    Ok(out)
}

/// Reopen session `id` and continue it from its log. An open session picks up where it
/// stopped; a finished one waits for `Op::UserMessage`.
pub fn resume(
    core: Arc<Core>,
    id: &str,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> Result<RecoveredSession, SessionError> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| SessionError::NoRuntime)?;
    let path = log_path(&core.paths, id)?;
    if !path.exists() {
        return Err(SessionError::NotFound(id.to_string()));
    }
    let mut writer = SessionLog::reopen(&path, id, 0)?;
    let contents = log::read(&path)?;
    let mut warnings = Vec::new();
    if let Some(bytes) = contents.torn_bytes {
        log::truncate(&path, contents.intact_len)?;
        warnings.push(format!(
            "the session log ended in a torn line ({bytes} bytes, cut mid-write when opsassist stopped); it was removed"
        ));
    }
    let alert = match contents.events.first().map(|e| &e.event) {
        Some(Event::SessionStarted { alert, .. }) => alert.clone(),
        _ => return Err(SessionError::NotASession(path)),
    };
    let last_seq = contents.events.last().map(|e| e.seq).unwrap_or(0);
    writer.set_seq(last_seq);
    let terminal = matches!(
        contents.events.last().map(|e| &e.event),
        Some(Event::Finished { .. })
    );
    // A clean quit left this note last: opsassist did not die, nothing to warn about.
    let closed_cleanly = matches!(
        contents.events.last().map(|e| &e.event),
        Some(Event::Note { message }) if message == super::agent::CONSOLE_CLOSED
    );
    if !terminal && !closed_cleanly {
        warnings.push(
            "opsassist stopped while this session was open; resumed from the session log".into(),
        );
    }
    let replay = conversation::replay(&contents.events, &core.redactor);
    let (ops, rx) = mpsc::unbounded_channel();
    let agent = Agent::new(core, id.to_string(), writer, events, rx);
    let last = agent.last_request_slot();
    let prefixes = remembered_prefixes(&contents.events);
    runtime.spawn(agent.run(Start::Resume {
        replay: Box::new(replay),
        alert,
        warnings,
        prefixes,
    }));
    Ok(RecoveredSession {
        handle: SessionHandle {
            id: id.to_string(),
            ops,
            last,
        },
        history: contents.events,
    })
}

/// The prefixes remembered for the incident and not revoked since, as its log tells.
fn remembered_prefixes(
    events: &[EventEnvelope],
) -> Vec<(crate::protocol::Target, crate::policy::ApprovalPrefix)> {
    let mut kept: Vec<(crate::protocol::Target, crate::policy::ApprovalPrefix)> = Vec::new();
    for envelope in events {
        match &envelope.event {
            Event::PrefixRemembered {
                prefix,
                class,
                target,
                ..
            } => {
                let entry = (
                    target.clone(),
                    crate::policy::ApprovalPrefix {
                        text: prefix.clone(),
                        class: *class,
                    },
                );
                if !kept.contains(&entry) {
                    kept.push(entry);
                }
            }
            Event::PrefixForgotten { prefix, target } => {
                kept.retain(|(t, p)| !(t == target && &p.text == prefix));
            }
            _ => {}
        }
    }
    kept
}
