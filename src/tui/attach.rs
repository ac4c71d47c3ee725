//! The console's link to its desk: the daemon's (`opsassist tui --attach`) or one running in
//! this process (plain `opsassist tui`); the console speaks the same protocol to both. This
//! bridge turns the desk's [`DeskEvent`]s into what the app shows (sessions with their
//! history and live events, the waiting list, the team board, status lines); the console's
//! decisions, pastes, start and team keys go to the desk as [`DeskOp`]s. No session runs in
//! the console itself.

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::desk::socket::Attached;
use crate::protocol::{DeskEvent, DeskOp, EventEnvelope, Op};
use crate::session::SessionHandle;

use super::app::AppEvent;
use super::inbox::Waiting;

/// Start the bridge. Session handles (proxies that send their ops to the desk) arrive on the
/// returned channel; the console's own requests (pastes, the start and team keys) go on the
/// returned sender. `daemon`: the desk is `opsassist serve`'s, not this process's.
pub(super) fn start(
    attached: Attached,
    daemon: bool,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
) -> (
    mpsc::UnboundedReceiver<SessionHandle>,
    mpsc::UnboundedSender<DeskOp>,
) {
    let Attached {
        ops,
        events: mut desk_events,
    } = attached;
    let (handles_tx, handles_rx) = mpsc::unbounded_channel();
    let link = ops.clone();
    tokio::spawn(async move {
        // The last seq each session's history had: live events up to it are already shown.
        let mut shown: HashMap<String, u64> = HashMap::new();
        loop {
            // The console's loop has ended: let go of the desk's stream (a room of this
            // process then stops, and its sessions log that the console closed).
            let event = tokio::select! {
                event = desk_events.recv() => event,
                _ = events.closed() => return,
            };
            let Some(event) = event else { break };
            let sent = match event {
                DeskEvent::Hello { .. } if !daemon => true,
                DeskEvent::Hello { operator, pid, .. } => tasks
                    .send(AppEvent::Notice(format!(
                        "attached to the daemon (pid {pid}, acting as {}): its incidents run there; closing this console stops none",
                        crate::text::neutralize_line(&operator)
                    )))
                    .is_ok(),
                DeskEvent::SessionJoined {
                    session_id,
                    history,
                    ..
                } => {
                    let last = history.last().map(|e| e.seq).unwrap_or(0);
                    shown.insert(session_id.clone(), last);
                    let history_sent = history.into_iter().all(|e| events.send(e).is_ok());
                    history_sent && handles_tx.send(proxy(&session_id, &ops)).is_ok()
                }
                DeskEvent::Session { envelope } => {
                    let seen = shown.get(&envelope.session_id).copied().unwrap_or(0);
                    envelope.seq <= seen || events.send(*envelope).is_ok()
                }
                event @ (DeskEvent::Waiting { .. } | DeskEvent::Notice { .. }) => {
                    view_event(event).is_none_or(|e| tasks.send(e).is_ok())
                }
                DeskEvent::Failed { message } => {
                    tasks.send(AppEvent::SessionStartFailed(message)).is_ok()
                }
                DeskEvent::Team { update } => tasks.send(AppEvent::Team(update)).is_ok(),
                DeskEvent::CorrectionForgotten { id, removed } => tasks
                    .send(AppEvent::CorrectionForgotten { id, removed })
                    .is_ok(),
            };
            if !sent {
                return;
            }
        }
        let line = if daemon {
            "the daemon closed the connection: its sessions go on; restart the console to attach again"
        } else {
            "the desk stopped: restart the console"
        };
        let _ = tasks.send(AppEvent::SessionStartFailed(line.into()));
    });
    (handles_rx, link)
}

/// A handle whose ops go to the daemon as [`DeskOp::Session`].
fn proxy(session_id: &str, ops: &mpsc::UnboundedSender<DeskOp>) -> SessionHandle {
    let (tx, mut rx) = mpsc::unbounded_channel::<Op>();
    let (id, ops) = (session_id.to_string(), ops.clone());
    tokio::spawn(async move {
        while let Some(op) = rx.recv().await {
            let session_id = id.clone();
            if ops.send(DeskOp::Session { session_id, op }).is_err() {
                return;
            }
        }
    });
    SessionHandle::remote(session_id, tx)
}

/// What the app shows for one of the desk's inbox events (the waiting list, a status line);
/// None for the others. Public for the frame-time bench.
pub fn view_event(event: DeskEvent) -> Option<AppEvent> {
    match event {
        DeskEvent::Waiting { incidents } => Some(AppEvent::Waiting(
            incidents.iter().map(waiting_row).collect(),
        )),
        DeskEvent::Notice { line } => Some(AppEvent::Notice(line)),
        _ => None,
    }
}

fn waiting_row(incident: &crate::protocol::WaitingIncident) -> Waiting {
    Waiting::from_alert(&incident.id, &incident.alert)
}
