//! Alerts pasted into the console (the new-incident editor, `tui --alert`) enter through the
//! intake module like received ones: one task records them in the inbox with the shared dedup
//! rule ([`crate::intake::paste::Paste`]). A new (or reopened) incident is claimed by this
//! console in the same transaction and its session starts here; an alert whose fingerprint
//! matches an open incident, pasted or received, in this console or another, only counts on
//! that incident (count, last seen) and the operator is told which one.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::intake::paste::Paste;
use crate::intake::{Outcome, OutcomeKind};
use crate::protocol::EventEnvelope;
use crate::session::{self, Core, SessionHandle};
use crate::store::{Change, InboxRecord, Store};

use super::app::AppEvent;

/// Where the event loop hands pasted alerts.
pub(super) struct PasteLink {
    tx: mpsc::UnboundedSender<Alert>,
}

impl PasteLink {
    /// Record `alert` and start its session unless it repeats an open incident.
    pub(super) fn open(&self, alert: Alert) -> bool {
        self.tx.send(alert).is_ok()
    }
}

/// Start the paste task. Sessions it starts send events to `events`; their handles go to
/// `handles` (the event loop keeps them); what it has to say goes to `tasks`.
pub(super) fn start(
    core: Arc<Core>,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
    handles: mpsc::UnboundedSender<SessionHandle>,
) -> PasteLink {
    let (tx, mut rx) = mpsc::unbounded_channel::<Alert>();
    let (store, warning) = crate::store::inbox_or_files(&core.paths, &core.config.store);
    if let Some(warning) = warning {
        let _ = tasks.send(AppEvent::Notice(warning));
    }
    let paste = Arc::new(Paste::new(store.clone()));
    let claimant = format!("console-{}", std::process::id());
    tokio::spawn(async move {
        while let Some(alert) = rx.recv().await {
            let (core, events, store, paste, claimant) = (
                core.clone(),
                events.clone(),
                store.clone(),
                paste.clone(),
                claimant.clone(),
            );
            let done = tokio::task::spawn_blocking(move || {
                open_one(&core, store.as_ref(), &paste, &claimant, alert, &events)
            })
            .await;
            let result = match done {
                Ok(result) => result,
                Err(e) => Err(format!("the paste task failed: {e}")),
            };
            let sent = match result {
                Ok(Opened::Session(handle)) => handles.send(handle).is_ok(),
                Ok(Opened::Counted(line)) => tasks.send(AppEvent::Notice(line)).is_ok(),
                Err(message) => tasks.send(AppEvent::SessionStartFailed(message)).is_ok(),
            };
            if !sent {
                return;
            }
        }
    });
    PasteLink { tx }
}

/// What a pasted alert did.
enum Opened {
    Session(SessionHandle),
    /// It only counted on an existing incident: the line says which.
    Counted(String),
}

fn open_one(
    core: &Arc<Core>,
    store: &dyn Store,
    paste: &Paste,
    claimant: &str,
    alert: Alert,
    events: &mpsc::UnboundedSender<EventEnvelope>,
) -> Result<Opened, String> {
    let title = crate::text::neutralize_line(&alert.summary_line());
    // The inbox is the record of every incident; when it cannot be written the operator
    // still gets the session (an investigation matters more than its dedup).
    let outcome = match paste.accept(vec![alert.clone()], claimant) {
        Ok(mut outcomes) if !outcomes.is_empty() => outcomes.remove(0),
        Ok(_) => Outcome {
            incident: String::new(),
            kind: OutcomeKind::Ignored,
        },
        Err(e) => {
            tracing::warn!("paste: cannot record the alert in the inbox: {e}");
            Outcome {
                incident: String::new(),
                kind: OutcomeKind::Ignored,
            }
        }
    };
    match outcome.kind {
        OutcomeKind::Repeated | OutcomeKind::Resolved => {
            let count = paste
                .incident(&outcome.incident)
                .map(|i| i.count)
                .unwrap_or(0);
            let what = if outcome.kind == OutcomeKind::Resolved {
                "marked it resolved at source"
            } else {
                "counted there, no new incident"
            };
            return Ok(Opened::Counted(format!(
                "the alert matches open incident {} ({title}; count {count}): {what}",
                outcome.incident
            )));
        }
        OutcomeKind::Opened | OutcomeKind::Reopened | OutcomeKind::Ignored => {}
    }
    let handle = session::start(core.clone(), alert, events.clone())
        .map_err(|e| format!("could not open the incident: {e}"))?;
    if !outcome.incident.is_empty() {
        let started = InboxRecord {
            at: chrono::Utc::now(),
            incident: outcome.incident.clone(),
            change: Change::Started {
                session: handle.id.clone(),
            },
        };
        if let Err(e) = store.append(std::slice::from_ref(&started)) {
            tracing::warn!("paste: cannot record session {}: {e}", handle.id);
        }
    }
    Ok(Opened::Session(handle))
}
