//! A console attached to the daemon (`opsassist tui --attach`): the daemon's desk runs the
//! incidents; this bridge turns its [`DeskEvent`]s into what the app shows (sessions with
//! their history and live events, the waiting list, status lines) and the console's
//! decisions, pastes and start requests into [`DeskOp`]s. Nothing runs in this process, so
//! closing the console never stops a session.

use std::collections::HashMap;

use tokio::sync::mpsc;

use crate::desk::socket::Attached;
use crate::protocol::{DeskEvent, DeskOp, EventEnvelope, Op};
use crate::session::SessionHandle;

use super::app::AppEvent;
use super::inbox::Waiting;
use super::intake_paste::PasteLink;

/// Start the bridge. Session handles (proxies that send their ops to the daemon) arrive on
/// the returned channel; pasted alerts go through the returned link.
pub(super) fn start(
    attached: Attached,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
) -> (mpsc::UnboundedReceiver<SessionHandle>, PasteLink) {
    let Attached {
        ops,
        events: mut desk_events,
    } = attached;
    let (handles_tx, handles_rx) = mpsc::unbounded_channel();
    // Pastes.
    let (paste_tx, mut paste_rx) = mpsc::unbounded_channel::<crate::alert::Alert>();
    let paste_ops = ops.clone();
    tokio::spawn(async move {
        while let Some(alert) = paste_rx.recv().await {
            if paste_ops
                .send(DeskOp::Open {
                    alert: Box::new(alert),
                })
                .is_err()
            {
                return;
            }
        }
    });
    // The start key.
    let (start_tx, mut start_rx) = mpsc::unbounded_channel::<String>();
    let _ = tasks.send(AppEvent::IntakeLink(start_tx));
    let start_ops = ops.clone();
    let start_tasks = tasks.clone();
    tokio::spawn(async move {
        while let Some(request) = start_rx.recv().await {
            if super::team_keys::TeamRequest::decode(&request).is_some() {
                let _ = start_tasks.send(AppEvent::Notice(
                    "claims and take-overs are made with `opsassist store` while attached".into(),
                ));
                continue;
            }
            if start_ops.send(DeskOp::Start { incident: request }).is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        // The last seq each session's history had: live events up to it are already shown.
        let mut shown: HashMap<String, u64> = HashMap::new();
        while let Some(event) = desk_events.recv().await {
            let sent = match event {
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
                DeskEvent::Waiting { incidents } => tasks
                    .send(AppEvent::Waiting(
                        incidents.iter().map(waiting_row).collect(),
                    ))
                    .is_ok(),
                DeskEvent::Notice { line } => tasks.send(AppEvent::Notice(line)).is_ok(),
                DeskEvent::Failed { message } => {
                    tasks.send(AppEvent::SessionStartFailed(message)).is_ok()
                }
            };
            if !sent {
                return;
            }
        }
        let _ = tasks.send(AppEvent::SessionStartFailed(
            "the daemon closed the connection: its sessions go on; restart the console to attach again"
                .into(),
        ));
    });
    (handles_rx, PasteLink::to(paste_tx))
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

fn waiting_row(incident: &crate::protocol::WaitingIncident) -> Waiting {
    Waiting::from_alert(&incident.id, &incident.alert)
}
