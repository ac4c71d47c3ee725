//! The desk running as a room (in `opsassist serve`, and for every console attached to it):
//! one task follows the inbox, starts what `investigate = "auto"` hands out (claiming each
//! incident first), recovers the sessions a crash left open, holds a leased claim on every
//! incident it investigates, routes [`DeskOp`]s to sessions and fans [`DeskEvent`]s out to
//! every subscriber. Closing a console never stops a session: only the room holds them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::intake::scheduler::{Scheduler, SchedulerOptions, Update};
use crate::protocol::{DeskEvent, DeskOp, Event, EventEnvelope, Op, WaitingIncident};
use crate::session::{self, SessionHandle};
use crate::store::Incidents;

use super::{Desk, DeskError, OnRepeat, Opening};

/// How often the inbox is read.
const POLL: Duration = Duration::from_millis(250);
/// At most this many waiting incidents are listed.
const MAX_WAITING: usize = 200;

/// How the room behaves beyond `[intake]`.
#[derive(Debug, Clone, Default)]
pub struct RoomOptions {
    /// This process receives alerts (serve, `tui --listen`): it sends "opened" for every
    /// incident that appears in the inbox, whatever wrote it.
    pub notify_received: bool,
    /// Overrides `[intake] investigate` (`serve --investigate`).
    pub investigate: Option<crate::config::Investigate>,
}

/// A front end's link to a running room.
#[derive(Clone)]
pub struct RoomLink {
    ops: mpsc::UnboundedSender<DeskOp>,
    subscribe: mpsc::UnboundedSender<mpsc::UnboundedSender<DeskEvent>>,
}

impl RoomLink {
    /// Ask the room to do `op`; false when the room has stopped.
    pub fn send(&self, op: DeskOp) -> bool {
        self.ops.send(op).is_ok()
    }

    /// Every event from now on, after a snapshot (hello, the sessions the room runs with
    /// their history, the waiting list).
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<DeskEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = self.subscribe.send(tx);
        rx
    }
}

/// Start the room on the current tokio runtime.
pub fn start(desk: Arc<Desk>, options: RoomOptions) -> Result<RoomLink, DeskError> {
    let mut scheduler =
        SchedulerOptions::from_config(&desk.core.config.intake).map_err(DeskError::Start)?;
    if let Some(investigate) = options.investigate {
        scheduler.investigate = investigate;
    }
    let scheduler = Scheduler::new(scheduler);
    let (ops_tx, ops_rx) = mpsc::unbounded_channel();
    let (sub_tx, sub_rx) = mpsc::unbounded_channel();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let room = Room {
        desk,
        options,
        scheduler: Some(scheduler),
        sessions: HashMap::new(),
        subscribers: Vec::new(),
        events_tx,
        listed: Vec::new(),
        first: true,
        held: Vec::new(),
    };
    tokio::spawn(room.run(ops_rx, sub_rx, events_rx));
    Ok(RoomLink {
        ops: ops_tx,
        subscribe: sub_tx,
    })
}

struct Running {
    handle: SessionHandle,
    incident: Option<String>,
}

struct Room {
    desk: Arc<Desk>,
    options: RoomOptions,
    /// Taken out while a poll reads the inbox on a blocking thread.
    scheduler: Option<Scheduler>,
    sessions: HashMap<String, Running>,
    subscribers: Vec<mpsc::UnboundedSender<DeskEvent>>,
    events_tx: mpsc::UnboundedSender<EventEnvelope>,
    /// The waiting ids last sent.
    listed: Vec<String>,
    first: bool,
    /// Incidents the scheduler handed out that another operator held: started once the
    /// holder releases, hands over or lets the lease lapse.
    held: Vec<String>,
}

impl Room {
    async fn run(
        mut self,
        mut ops: mpsc::UnboundedReceiver<DeskOp>,
        mut subscribe: mpsc::UnboundedReceiver<mpsc::UnboundedSender<DeskEvent>>,
        mut events: mpsc::UnboundedReceiver<EventEnvelope>,
    ) {
        self.poll().await;
        self.recover();
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let renew_every = (self.desk.opened.lease / 3).max(Duration::from_millis(500));
        let mut renew = tokio::time::interval(renew_every);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => self.poll().await,
                _ = renew.tick() => self.renew_claims().await,
                Some(op) = ops.recv() => self.handle_op(op).await,
                Some(sub) = subscribe.recv() => self.add_subscriber(sub).await,
                Some(envelope) = events.recv() => self.session_event(envelope).await,
                else => return,
            }
        }
    }

    fn broadcast(&mut self, event: DeskEvent) {
        self.subscribers
            .retain(|sub| sub.send(event.clone()).is_ok());
    }

    /// Reopen the sessions a crash left open; link each to its inbox incident.
    fn recover(&mut self) {
        let recovered = match session::recover(self.desk.core.clone(), self.events_tx.clone()) {
            Ok(recovered) => recovered,
            Err(e) => {
                tracing::warn!("desk: cannot reopen open incidents: {e}");
                return;
            }
        };
        for session in recovered {
            let id = session.handle.id.clone();
            let incident = self
                .scheduler
                .as_ref()
                .and_then(|s| incident_of(s.incidents(), &id));
            if let Some(incident) = &incident {
                session::incident_link::link(&id, incident);
                // Its claim is this desk's again (the claim guard stops the session if
                // someone else took the incident over meanwhile).
                self.hold(incident);
            }
            tracing::info!("desk: reopened session {id}");
            self.sessions.insert(
                id.clone(),
                Running {
                    handle: session.handle,
                    incident: incident.clone(),
                },
            );
            self.broadcast(DeskEvent::SessionJoined {
                session_id: id,
                incident,
                history: session.history,
            });
        }
    }

    async fn poll(&mut self) {
        let Some(mut scheduler) = self.scheduler.take() else {
            return;
        };
        let store = self.desk.opened.store.clone();
        let paths = self.desk.core.paths.clone();
        let polled = tokio::task::spawn_blocking(move || {
            let update = scheduler.poll(store.as_ref());
            scheduler.adopt_running(&|session| {
                session::last_logged(&paths, session)
                    .is_some_and(|last| !matches!(last.event, Event::Finished { .. }))
            });
            (scheduler, update)
        })
        .await;
        let (scheduler, update) = match polled {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!("desk: the inbox poll failed: {e}");
                return;
            }
        };
        self.scheduler = Some(scheduler);
        match update {
            Ok(update) => self.apply_update(update),
            Err(e) => tracing::warn!("desk: cannot read the inbox: {e}"),
        }
        self.start_due();
        self.first = false;
    }

    fn apply_update(&mut self, update: Update) {
        let Some(scheduler) = self.scheduler.as_ref() else {
            return;
        };
        let incidents = scheduler.incidents();
        if !self.first {
            if self.options.notify_received {
                // Pastes and runs (claimed in the same transaction) and the Docker watcher
                // send their own "opened".
                for id in &update.opened {
                    if let Some(incident) = incidents.get(id)
                        && incident.claimed_by.is_none()
                        && !incident
                            .alert
                            .labels
                            .contains_key(crate::docker::evidence::DAEMON_LABEL)
                    {
                        super::notify_opened(&self.desk.core, incident);
                    }
                }
            }
            // Tell the sessions the room runs what their alert's source said.
            for (id, status, at) in &update.source_changes {
                let Some(incident) = incidents.get(id) else {
                    continue;
                };
                let Some(session_id) = incident.sessions.last() else {
                    continue;
                };
                if let Some(running) = self.sessions.get(session_id) {
                    running.handle.send(Op::SourceStatus {
                        status: *status,
                        at: *at,
                        source: incident.key.source.name().to_string(),
                    });
                }
            }
        }
        let waiting: Vec<String> = incidents
            .iter()
            .filter(|i| i.is_pending())
            .take(MAX_WAITING)
            .map(|i| i.id.clone())
            .collect();
        let line = notice(scheduler, &update, self.first);
        if waiting != self.listed {
            let rows = waiting_rows(incidents, &waiting);
            self.listed = waiting;
            self.broadcast(DeskEvent::Waiting { incidents: rows });
        }
        if let Some(line) = line {
            tracing::info!("desk: {line}");
            self.broadcast(DeskEvent::Notice { line });
        }
    }

    /// Start what the scheduler hands out (`investigate = "auto"`).
    fn start_due(&mut self) {
        let due = match self.scheduler.as_mut() {
            Some(scheduler) => scheduler.due(),
            None => return,
        };
        for incident in due {
            self.launch(&incident);
        }
    }

    fn launch(&mut self, incident: &crate::store::Incident) {
        match self.desk.launch(incident, self.events_tx.clone()) {
            Ok(Some(handle)) => {
                if let Some(scheduler) = self.scheduler.as_mut() {
                    scheduler.started(&handle.id);
                }
                self.hold(&incident.id);
                self.joined(handle, Some(incident.id.clone()));
            }
            Ok(None) => self.broadcast(DeskEvent::Notice {
                line: format!(
                    "incident {} was already taken up (another console or the scheduler)",
                    incident.id
                ),
            }),
            Err(DeskError::Held(line)) => {
                tracing::info!("desk: not starting {}: {line}", incident.id);
                if !self.held.contains(&incident.id) {
                    self.held.push(incident.id.clone());
                }
                self.broadcast(DeskEvent::Notice { line });
            }
            Err(e) => {
                tracing::warn!("desk: {e}");
                self.broadcast(DeskEvent::Failed {
                    message: e.to_string(),
                })
            }
        }
    }

    fn joined(&mut self, handle: SessionHandle, incident: Option<String>) {
        let id = handle.id.clone();
        tracing::info!(
            "desk: session {id} started for {}",
            incident.as_deref().unwrap_or("a pasted alert")
        );
        self.sessions.insert(
            id.clone(),
            Running {
                handle,
                incident: incident.clone(),
            },
        );
        self.broadcast(DeskEvent::SessionJoined {
            session_id: id,
            incident,
            history: Vec::new(),
        });
    }

    /// Take (or renew) this operator's leased claim on `incident`.
    fn hold(&self, incident: &str) {
        if let Err(e) =
            self.desk
                .opened
                .board
                .lease(incident, &self.desk.operator, self.desk.opened.lease)
        {
            tracing::warn!("desk: cannot claim {incident}: {e}");
        }
    }

    /// Start the held incidents whose holder let go (still waiting, nobody else on them).
    fn retry_held(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let Ok(claims) = self.desk.opened.board.claims() else {
            return;
        };
        let now = chrono::Utc::now();
        let held = std::mem::take(&mut self.held);
        for id in held {
            let still_held = claims
                .iter()
                .any(|c| c.incident == id && c.operator != self.desk.operator && c.is_live(now));
            if still_held {
                self.held.push(id);
                continue;
            }
            let waiting = self
                .scheduler
                .as_ref()
                .and_then(|s| s.incidents().get(&id))
                .filter(|i| i.is_pending())
                .cloned();
            if let Some(incident) = waiting {
                self.launch(&incident);
            }
        }
    }

    async fn renew_claims(&mut self) {
        self.retry_held();
        let incidents: Vec<String> = self
            .sessions
            .values()
            .filter_map(|r| r.incident.clone())
            .collect();
        if incidents.is_empty() {
            return;
        }
        let desk = self.desk.clone();
        let _ = tokio::task::spawn_blocking(move || {
            for incident in incidents {
                if let Err(e) =
                    desk.opened
                        .board
                        .renew(&incident, &desk.operator, desk.opened.lease)
                {
                    tracing::warn!("desk: cannot renew the claim on {incident}: {e}");
                }
            }
        })
        .await;
    }

    async fn handle_op(&mut self, op: DeskOp) {
        match op {
            DeskOp::Session { session_id, op } => match self.sessions.get(&session_id) {
                Some(running) if running.handle.send(op) => {}
                _ => self.broadcast(DeskEvent::Failed {
                    message: format!("session {session_id} does not run in this desk"),
                }),
            },
            DeskOp::Start { incident } => {
                let found = self
                    .scheduler
                    .as_ref()
                    .and_then(|s| s.incidents().get(&incident).cloned());
                match found {
                    Some(found) => self.launch(&found),
                    None => self.broadcast(DeskEvent::Failed {
                        message: format!("incident {incident} is not in the inbox"),
                    }),
                }
            }
            DeskOp::Open { alert } => {
                let desk = self.desk.clone();
                let events = self.events_tx.clone();
                let opened = tokio::task::spawn_blocking(move || {
                    desk.open_incident(*alert, OnRepeat::Count, events)
                })
                .await;
                match opened {
                    Ok(Ok(Opening::Started {
                        handle, incident, ..
                    })) => {
                        if let Some(id) = &incident {
                            self.hold(id);
                        }
                        self.joined(handle, incident);
                    }
                    Ok(Ok(Opening::Counted { line, .. })) => {
                        self.broadcast(DeskEvent::Notice { line })
                    }
                    Ok(Err(e)) => self.broadcast(DeskEvent::Failed {
                        message: e.to_string(),
                    }),
                    Err(e) => self.broadcast(DeskEvent::Failed {
                        message: format!("the paste task failed: {e}"),
                    }),
                }
            }
        }
    }

    async fn add_subscriber(&mut self, sub: mpsc::UnboundedSender<DeskEvent>) {
        let hello = DeskEvent::Hello {
            operator: self.desk.operator.clone(),
            pid: std::process::id(),
            data_dir: self.desk.core.paths.data_dir.display().to_string(),
        };
        if sub.send(hello).is_err() {
            return;
        }
        let paths = self.desk.core.paths.clone();
        let running: Vec<(String, Option<String>)> = self
            .sessions
            .iter()
            .map(|(id, r)| (id.clone(), r.incident.clone()))
            .collect();
        let histories = tokio::task::spawn_blocking(move || {
            running
                .into_iter()
                .map(|(id, incident)| {
                    let history = session::read_log(&paths, &id).unwrap_or_default();
                    (id, incident, history)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for (session_id, incident, history) in histories {
            let joined = DeskEvent::SessionJoined {
                session_id,
                incident,
                history,
            };
            if sub.send(joined).is_err() {
                return;
            }
        }
        if let Some(scheduler) = &self.scheduler {
            let rows = waiting_rows(scheduler.incidents(), &self.listed);
            if sub.send(DeskEvent::Waiting { incidents: rows }).is_err() {
                return;
            }
        }
        self.subscribers.push(sub);
    }

    async fn session_event(&mut self, envelope: EventEnvelope) {
        if let Event::Finished { .. } = &envelope.event {
            if let Some(scheduler) = self.scheduler.as_mut() {
                scheduler.finished(&envelope.session_id);
            }
            if let Some(running) = self.sessions.remove(&envelope.session_id)
                && let Some(incident) = running.incident
            {
                let desk = self.desk.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    desk.opened.board.release(&incident, &desk.operator)
                })
                .await;
            }
        }
        self.broadcast(DeskEvent::Session {
            envelope: Box::new(envelope),
        });
    }
}

/// The inbox incident whose sessions include `session`.
fn incident_of(incidents: &Incidents, session: &str) -> Option<String> {
    incidents
        .iter()
        .find(|i| i.sessions.iter().any(|s| s == session))
        .map(|i| i.id.clone())
}

fn waiting_rows(incidents: &Incidents, ids: &[String]) -> Vec<WaitingIncident> {
    ids.iter()
        .filter_map(|id| incidents.get(id))
        .map(|i| WaitingIncident {
            id: i.id.clone(),
            alert: Box::new(i.alert.clone()),
        })
        .collect()
}

/// One line for what a poll found, or None when nothing worth saying happened.
fn notice(scheduler: &Scheduler, update: &Update, first: bool) -> Option<String> {
    let incidents = scheduler.incidents();
    let waiting = incidents.pending();
    if first {
        return (waiting > 0).then(|| format!("inbox: {waiting} incident(s) waiting"));
    }
    let mut parts = Vec::new();
    match update.opened.as_slice() {
        [] => {}
        [one] => parts.push(match incidents.get(one) {
            Some(i) if i.reopened > 0 => format!(
                "incident {one} reopened (fired again after resolve): {}",
                crate::text::neutralize_line(&i.alert.summary_line())
            ),
            Some(i) => format!(
                "new incident {one} from {}: {}",
                i.key.source,
                crate::text::neutralize_line(&i.alert.summary_line())
            ),
            None => format!("new incident {one}"),
        }),
        many => parts.push(format!("{} new incidents", many.len())),
    }
    match update.resolved.len() {
        0 => {}
        1 => parts.push(format!("{} resolved at source", update.resolved[0])),
        n => parts.push(format!("{n} resolved at source")),
    }
    if parts.is_empty() {
        return None;
    }
    let queued = scheduler.queued();
    let tail = if queued > 0 {
        format!(" ({waiting} waiting, {queued} queued for investigation)")
    } else {
        format!(" ({waiting} waiting)")
    };
    Some(parts.join("; ") + &tail)
}
