//! Alerts pasted into the console (the new-incident editor, `tui --alert`) go to the desk
//! ([`crate::desk::Desk::open_incident`]), which records them in the inbox with the shared
//! dedup rule: a new (or reopened) incident is claimed by this console and its session
//! starts here; an alert whose fingerprint matches an open incident, pasted or received, in
//! this console or another, only counts on that incident and the operator is told which one.
//! An incident another operator holds is not started; the status line names them.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::desk::{Desk, OnRepeat, Opening};
use crate::protocol::EventEnvelope;
use crate::session::SessionHandle;

use super::app::AppEvent;

/// Where the event loop hands pasted alerts.
pub(super) struct PasteLink {
    tx: mpsc::UnboundedSender<Alert>,
}

impl PasteLink {
    /// A link whose alerts go to `tx` (an attached console forwards them to the daemon).
    pub(super) fn to(tx: mpsc::UnboundedSender<Alert>) -> PasteLink {
        PasteLink { tx }
    }

    /// Record `alert` and start its session unless it repeats an open incident.
    pub(super) fn open(&self, alert: Alert) -> bool {
        self.tx.send(alert).is_ok()
    }
}

/// Start the paste task. Sessions it starts send events to `events`; their handles go to
/// `handles` (the event loop keeps them); what it has to say goes to `tasks`.
pub(super) fn start(
    desk: Arc<Desk>,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
    handles: mpsc::UnboundedSender<SessionHandle>,
) -> PasteLink {
    let (tx, mut rx) = mpsc::unbounded_channel::<Alert>();
    tokio::spawn(async move {
        while let Some(alert) = rx.recv().await {
            let (desk, events) = (desk.clone(), events.clone());
            let done = tokio::task::spawn_blocking(move || {
                desk.open_incident(alert, OnRepeat::Count, events)
            })
            .await;
            let sent = match done {
                Ok(Ok(Opening::Started { handle, .. })) => handles.send(handle).is_ok(),
                Ok(Ok(Opening::Counted { line, .. })) => tasks.send(AppEvent::Notice(line)).is_ok(),
                Ok(Err(e)) => tasks
                    .send(AppEvent::SessionStartFailed(e.to_string()))
                    .is_ok(),
                Err(e) => tasks
                    .send(AppEvent::SessionStartFailed(format!(
                        "the paste task failed: {e}"
                    )))
                    .is_ok(),
            };
            if !sent {
                return;
            }
        }
    });
    PasteLink { tx }
}
