//! The desk running as a room (in `opsassist serve`, and for every console attached to it):
//! one task follows the inbox, starts what `investigate = "auto"` hands out (claiming each
//! incident first), recovers the sessions a crash left open, holds a leased claim on every
//! incident it investigates, routes [`DeskOp`]s to sessions and fans [`DeskEvent`]s out to
//! every subscriber. Closing a console never stops a session: only the room holds them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::intake::scheduler::{Scheduler, SchedulerOptions, Update};
use crate::protocol::{DeskEvent, DeskOp, Event, EventEnvelope, Op, TeamRequest, WaitingIncident};
use crate::session::{self, SessionHandle};
use crate::store::Incidents;

use super::{Desk, DeskError, OnRepeat, Opening};

/// Finished sessions whose tasks the room keeps ready for a message or a retry; older ones
/// are let go (and reopened from their log when asked), so a long-running daemon's memory
/// stays bounded.
const MAX_IDLE_SESSIONS: usize = 32;

/// How often the inbox is read.
const POLL: Duration = Duration::from_millis(250);
/// At most this many waiting incidents are listed (the oldest first); `opsassist incidents
/// list` shows them all. A storm of alerts cannot grow the list without bound.
const MAX_WAITING: usize = 200;

/// How the room behaves beyond `[intake]`.
#[derive(Debug, Clone, Default)]
pub struct RoomOptions {
    /// This process receives alerts (serve, `tui --listen`): it sends "opened" for every
    /// incident that appears in the inbox, whatever wrote it.
    pub notify_received: bool,
    /// Overrides `[intake] investigate` (`serve --investigate`).
    pub investigate: Option<crate::config::Investigate>,
    /// Where the inbox (and team board) reads run: a console passes its lowered intake
    /// runtime, so a storm's worth of reading never takes the core the next frame needs.
    /// None: the room's own runtime.
    pub poll_on: Option<tokio::runtime::Handle>,
    /// A line every console is told when it joins (the desk fell back to the store in the data dir).
    pub warning: Option<String>,
    /// The room belongs to one console in its process (plain `opsassist tui`): it stops, and
    /// lets go of its sessions, once its consoles have all gone.
    pub close_with_consoles: bool,
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

    /// A console in this process: the same ops and events an attached console has over the
    /// socket.
    pub fn attach(&self) -> crate::desk::socket::Attached {
        let (ops, mut ops_rx) = mpsc::unbounded_channel::<DeskOp>();
        let link = self.clone();
        tokio::spawn(async move {
            while let Some(op) = ops_rx.recv().await {
                if !link.send(op) {
                    return;
                }
            }
        });
        crate::desk::socket::Attached {
            ops,
            events: self.subscribe(),
        }
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
    let (notices_tx, notices_rx) = mpsc::unbounded_channel();
    let (gone_tx, gone_rx) = mpsc::unbounded_channel();
    let opened = &desk.opened;
    let team = opened.is_team().then(|| {
        if let Some(pg) = &opened.postgres {
            super::team::health::start(pg.clone(), notices_tx.clone());
        }
        Team {
            follow: super::team::follow::TeamFollow::new(opened, &desk.core.paths, &desk.operator),
            changes: super::team::listen(opened.board.clone()),
            woke: false,
        }
    });
    let opened_wanted = desk
        .core
        .config
        .notify
        .triggers
        .contains(&crate::notify::Trigger::Opened);
    let notifier = (options.notify_received && opened_wanted)
        .then(|| desk.core.notifier())
        .flatten();
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
        claimed: HashSet::new(),
        team,
        notices: notices_rx,
        gone_tx,
        idle: std::collections::VecDeque::new(),
        notifier,
        opened_notices: Default::default(),
    };
    tokio::spawn(room.run(ops_rx, sub_rx, events_rx, gone_rx));
    Ok(RoomLink {
        ops: ops_tx,
        subscribe: sub_tx,
    })
}

struct Running {
    handle: SessionHandle,
    incident: Option<String>,
    /// The session finished (its claim was released) but its task lives on, ready for a
    /// message or a retry.
    finished: bool,
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
    /// Incidents claimed with the claim key (no session here): their leases are renewed too.
    claimed: HashSet<String>,
    /// Team mode: the shared board.
    team: Option<Team>,
    /// Status lines from the room's helpers (the team database's health).
    notices: mpsc::UnboundedReceiver<String>,
    /// A console went away ([`RoomOptions::close_with_consoles`]).
    gone_tx: mpsc::UnboundedSender<()>,
    /// Sessions in the order they finished (the oldest are let go first).
    idle: std::collections::VecDeque<String>,
    /// Sends "opened" for what this process received ([`RoomOptions::notify_received`], a
    /// channel configured and the trigger on), one for all the incidents.
    notifier: Option<crate::notify::Notifier>,
    /// Incidents received whose "opened" waits for a storm's summary.
    opened_notices: super::opened_notices::OpenedNotices,
}

/// The room's view of the team board.
struct Team {
    /// Others' incidents and their sessions' events (None without a database connection).
    follow: Option<super::team::follow::TeamFollow>,
    /// Another process changed the board.
    changes: mpsc::UnboundedReceiver<()>,
    /// A change arrived since the last poll.
    woke: bool,
}

impl Room {
    async fn run(
        mut self,
        mut ops: mpsc::UnboundedReceiver<DeskOp>,
        mut subscribe: mpsc::UnboundedReceiver<mpsc::UnboundedSender<DeskEvent>>,
        mut events: mpsc::UnboundedReceiver<EventEnvelope>,
        mut gone: mpsc::UnboundedReceiver<()>,
    ) {
        self.poll().await;
        self.recover();
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let renew_every = (self.desk.opened.lease / 3).max(Duration::from_millis(500));
        let mut renew = tokio::time::interval(renew_every);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut changes = self
            .team
            .as_mut()
            .map(|t| std::mem::replace(&mut t.changes, mpsc::unbounded_channel().1))
            .unwrap_or_else(|| mpsc::unbounded_channel().1);
        loop {
            tokio::select! {
                _ = tick.tick() => self.poll().await,
                Some(()) = changes.recv() => {
                    if let Some(team) = self.team.as_mut() {
                        team.woke = true;
                    }
                    self.poll().await
                }
                Some(line) = self.notices.recv() => self.broadcast(DeskEvent::Notice { line }),
                Some(()) = gone.recv() => {
                    self.subscribers.retain(|sub| !sub.is_closed());
                    if self.subscribers.is_empty() {
                        // Dropping the handles lets every session log that the console
                        // closed (not a crash), as a console that ran them itself did.
                        tracing::info!("desk: the console closed; its sessions stop here");
                        return;
                    }
                }
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
            let store = self.desk.opened.store.clone();
            let incident = self
                .scheduler
                .as_ref()
                .and_then(|s| s.incident_of(store.as_ref(), &id));
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
                    finished: false,
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
        let (mut follow, woke) = match self.team.as_mut() {
            Some(team) => (team.follow.take(), std::mem::take(&mut team.woke)),
            None => (None, false),
        };
        let read = move || {
            let update = scheduler.poll(store.as_ref());
            let found = follow.as_mut().map(|f| f.poll(scheduler.incidents(), woke));
            scheduler.adopt_running(&|session| {
                session::last_logged(&paths, session)
                    .is_some_and(|last| !matches!(last.event, Event::Finished { .. }))
            });
            (scheduler, update, follow, found)
        };
        let polled = match &self.options.poll_on {
            Some(handle) => handle.spawn_blocking(read).await,
            None => tokio::task::spawn_blocking(read).await,
        };
        let (scheduler, update, follow, found) = match polled {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!("desk: the inbox poll failed: {e}");
                return;
            }
        };
        self.scheduler = Some(scheduler);
        if let Some(team) = self.team.as_mut() {
            team.follow = follow;
        }
        if let Some(found) = found {
            if let Some(update) = found.others {
                self.broadcast(DeskEvent::Team { update });
            }
            for envelope in found.events {
                self.broadcast(DeskEvent::Session {
                    envelope: Box::new(envelope),
                });
            }
        }
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
            if let Some(notifier) = &self.notifier {
                // Pastes and runs (claimed in the same transaction) and the Docker watcher
                // send their own "opened".
                let received: Vec<&crate::store::Incident> = update
                    .opened
                    .iter()
                    .filter_map(|id| incidents.get(id))
                    .filter(|incident| {
                        incident.claimed_by.is_none()
                            && !incident
                                .alert
                                .labels
                                .contains_key(crate::docker::evidence::DAEMON_LABEL)
                    })
                    .collect();
                let now = std::time::Instant::now();
                for notice in self.opened_notices.poll(received.into_iter(), now) {
                    notifier.notify(notice);
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
        for event in view_events(scheduler, &update, self.first, &mut self.listed) {
            if let DeskEvent::Notice { line } = &event {
                tracing::info!("desk: {line}");
            }
            self.broadcast(event);
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
                    "incident {} was already taken up (another console or the auto scheduler)",
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
                finished: false,
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
            let store = self.desk.opened.store.clone();
            let waiting = self
                .scheduler
                .as_ref()
                .and_then(|s| s.find(store.as_ref(), &id))
                .filter(|i| i.is_pending());
            if let Some(incident) = waiting {
                self.launch(&incident);
            }
        }
    }

    async fn renew_claims(&mut self) {
        self.retry_held();
        // Sessions whose task ended are reopened from their log when next asked.
        self.sessions.retain(|_, r| !r.handle.is_closed());
        let mut incidents: Vec<String> = self
            .sessions
            .values()
            .filter(|r| !r.finished)
            .filter_map(|r| r.incident.clone())
            .collect();
        incidents.extend(self.claimed.iter().cloned());
        incidents.sort();
        incidents.dedup();
        if incidents.is_empty() {
            return;
        }
        let desk = self.desk.clone();
        let lost = tokio::task::spawn_blocking(move || {
            let mut lost = Vec::new();
            for incident in incidents {
                match desk
                    .opened
                    .board
                    .renew(&incident, &desk.operator, desk.opened.lease)
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!("desk: lost the claim on {incident} (lease lapsed)");
                        lost.push(incident);
                    }
                    Err(e) => tracing::warn!("desk: cannot renew the claim on {incident}: {e}"),
                }
            }
            lost
        })
        .await
        .unwrap_or_default();
        for incident in lost {
            self.claimed.remove(&incident);
        }
    }

    /// `DeskOp::ForgetCorrection`: every console hears the outcome.
    async fn forget_correction(&mut self, id: String) {
        let event = super::corrections::forget(self.desk.core.clone(), id).await;
        self.broadcast(event);
    }

    async fn handle_op(&mut self, op: DeskOp) {
        match op {
            DeskOp::Session { session_id, op } => self.session_op(session_id, op).await,
            DeskOp::Team { request } => self.team_request(request).await,
            DeskOp::ForgetCorrection { id } => self.forget_correction(id).await,
            DeskOp::Start { incident } => {
                let store = self.desk.opened.store.clone();
                let found = self
                    .scheduler
                    .as_ref()
                    .and_then(|s| s.find(store.as_ref(), &incident));
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

    /// Send `op` to its session; a session that does not run here (it ended, or belongs to
    /// an earlier run) is reopened from its log first.
    async fn session_op(&mut self, session_id: String, op: Op) {
        if let Some(running) = self.sessions.get_mut(&session_id)
            && running.handle.send(op.clone())
        {
            // A finished session taking up work again (a message, a retry) holds its
            // incident again.
            if std::mem::take(&mut running.finished)
                && let Some(incident) = running.incident.clone()
            {
                self.hold(&incident);
            }
            return;
        }
        let core = self.desk.core.clone();
        let (id, events) = (session_id.clone(), self.events_tx.clone());
        let resumed = tokio::task::spawn_blocking(move || session::resume(core, &id, events)).await;
        match resumed {
            Ok(Ok(resumed)) => {
                let sent = resumed.handle.send(op);
                let incident = session::incident_link::incident_of(&session_id);
                self.sessions.insert(
                    session_id.clone(),
                    Running {
                        handle: resumed.handle,
                        incident,
                        finished: false,
                    },
                );
                if !sent {
                    self.broadcast(DeskEvent::Failed {
                        message: format!("session {session_id} is not running: nothing sent"),
                    });
                }
            }
            Ok(Err(e)) => {
                tracing::warn!("desk: cannot resume session {session_id}: {e}");
                self.broadcast(DeskEvent::Failed {
                    message: format!("session {session_id} is not running: nothing sent"),
                });
            }
            Err(e) => self.broadcast(DeskEvent::Failed {
                message: format!("session {session_id}: the resume task failed: {e}"),
            }),
        }
    }

    /// A team key: claim, release or take over.
    async fn team_request(&mut self, request: TeamRequest) {
        // A session id names its inbox incident.
        let store = self.desk.opened.store.clone();
        let incident_of = |id: &str, scheduler: Option<&Scheduler>| {
            scheduler
                .and_then(|s| s.incident_of(store.as_ref(), id))
                .unwrap_or_else(|| id.to_string())
        };
        match request {
            TeamRequest::Claim { id } => {
                let id = incident_of(&id, self.scheduler.as_ref());
                let desk = self.desk.clone();
                let answer = {
                    let id = id.clone();
                    tokio::task::spawn_blocking(move || super::team::requests::claim(&desk, &id))
                        .await
                };
                if let Ok(answer) = answer {
                    if answer.holds == Some(true) {
                        self.claimed.insert(id);
                    }
                    self.broadcast(DeskEvent::Notice { line: answer.line });
                }
            }
            TeamRequest::Release { id } => {
                let id = incident_of(&id, self.scheduler.as_ref());
                let desk = self.desk.clone();
                let answer = {
                    let id = id.clone();
                    tokio::task::spawn_blocking(move || super::team::requests::release(&desk, &id))
                        .await
                };
                if let Ok(answer) = answer {
                    if answer.holds == Some(false) {
                        self.claimed.remove(&id);
                    }
                    self.broadcast(DeskEvent::Notice { line: answer.line });
                }
            }
            TeamRequest::TakeOver { incident, session } => {
                let desk = self.desk.clone();
                let events = self.events_tx.clone();
                let mut follow = self.team.as_mut().and_then(|t| t.follow.take());
                let done = {
                    let (incident, session) = (incident.clone(), session.clone());
                    tokio::task::spawn_blocking(move || {
                        let taken = super::team::requests::take_over(
                            &desk,
                            follow.as_mut(),
                            &incident,
                            &session,
                            events,
                        );
                        (taken, follow)
                    })
                    .await
                };
                let Ok((taken, follow)) = done else {
                    return;
                };
                if let Some(team) = self.team.as_mut() {
                    team.follow = follow;
                }
                for envelope in taken.caught_up {
                    self.broadcast(DeskEvent::Session {
                        envelope: Box::new(envelope),
                    });
                }
                if let Some(update) = taken.update {
                    self.broadcast(DeskEvent::Team { update });
                }
                if taken.holds {
                    self.claimed.insert(incident.clone());
                }
                if let Some(handle) = taken.handle {
                    session::incident_link::link(&session, &incident);
                    self.joined(handle, Some(incident));
                }
                self.broadcast(DeskEvent::Notice { line: taken.line });
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
        if let Some(line) = self.options.warning.clone()
            && sub.send(DeskEvent::Notice { line }).is_err()
        {
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
        if self.options.close_with_consoles {
            let (watch, gone) = (sub.clone(), self.gone_tx.clone());
            tokio::spawn(async move {
                watch.closed().await;
                let _ = gone.send(());
            });
        }
        self.subscribers.push(sub);
    }

    async fn session_event(&mut self, envelope: EventEnvelope) {
        if let Event::Finished { .. } = &envelope.event {
            if let Some(scheduler) = self.scheduler.as_mut() {
                scheduler.finished(&envelope.session_id);
            }
            if let Some(running) = self.sessions.get_mut(&envelope.session_id)
                && !std::mem::replace(&mut running.finished, true)
            {
                self.idle.push_back(envelope.session_id.clone());
                if let Some(incident) = running.incident.clone() {
                    let desk = self.desk.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        desk.opened.board.release(&incident, &desk.operator)
                    })
                    .await;
                }
            }
            while self.idle.len() > MAX_IDLE_SESSIONS {
                let Some(oldest) = self.idle.pop_front() else {
                    break;
                };
                if self.sessions.get(&oldest).is_some_and(|r| r.finished) {
                    self.sessions.remove(&oldest);
                }
            }
        }
        self.broadcast(DeskEvent::Session {
            envelope: Box::new(envelope),
        });
    }
}

fn waiting_rows(incidents: &Incidents, ids: &[String]) -> Vec<WaitingIncident> {
    ids.iter()
        .filter_map(|id| incidents.get(id))
        .map(|i| WaitingIncident {
            id: i.id.clone(),
            alert: Box::new((*i.alert).clone()),
        })
        .collect()
}

/// What one inbox poll tells the consoles: the waiting list when it changed since `listed`
/// (which is updated), and at most one status line, so a storm is a few events per poll,
/// never one per alert. Public for the console frame-time bench.
pub fn view_events(
    scheduler: &Scheduler,
    update: &Update,
    first: bool,
    listed: &mut Vec<String>,
) -> Vec<DeskEvent> {
    let incidents = scheduler.incidents();
    let mut out = Vec::new();
    let waiting: Vec<String> = incidents
        .iter()
        .filter(|i| i.is_pending())
        .take(MAX_WAITING)
        .map(|i| i.id.clone())
        .collect();
    if waiting != *listed {
        out.push(DeskEvent::Waiting {
            incidents: waiting_rows(incidents, &waiting),
        });
        *listed = waiting;
    }
    if let Some(line) = notice(scheduler, update, first) {
        out.push(DeskEvent::Notice { line });
    }
    out
}

/// One status line for what a poll found, or None when nothing worth saying happened.
fn notice(scheduler: &Scheduler, update: &Update, first: bool) -> Option<String> {
    let incidents = scheduler.incidents();
    let waiting = scheduler.waiting();
    if first {
        return (waiting > 0).then(|| format!("inbox: {waiting} incident(s) waiting"));
    }
    let resolved = match update.resolved.as_slice() {
        [] => String::new(),
        [one] => format!("; {one} resolved at source"),
        many => format!("; {} resolved at source", many.len()),
    };
    let opened = match update.opened.as_slice() {
        [] if resolved.is_empty() => return None,
        [] => String::new(),
        [one] => match incidents.get(one) {
            Some(i) if i.reopened > 0 => format!(
                "incident reopened (fired again after resolve): {}",
                crate::text::neutralize_line(&i.alert.summary_line())
            ),
            Some(i) => format!(
                "new incident from {}: {}",
                i.key.source,
                crate::text::neutralize_line(&i.alert.summary_line())
            ),
            None => format!("new incident {one}"),
        },
        many => format!("{} new incidents in the inbox", many.len()),
    };
    let queued = scheduler.queued();
    let tail = if queued > 0 {
        format!(" ({waiting} waiting, {queued} queued for investigation)")
    } else {
        format!(" ({waiting} waiting)")
    };
    let mut line = opened;
    if line.is_empty() {
        line = resolved.trim_start_matches("; ").to_string();
    } else {
        line.push_str(&resolved);
    }
    line.push_str(&tail);
    Some(line)
}

#[cfg(test)]
#[path = "room_tests.rs"]
mod tests;
