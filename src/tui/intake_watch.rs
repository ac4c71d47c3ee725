//! The console's link to the alert inbox: every console follows `<data dir>/inbox` (written
//! by `opsassist serve` or any `tui --listen`) four times a second, tells the operator what
//! arrived in one status line per poll (never one event per alert, so a storm cannot flood
//! the UI), and in `investigate = "auto"` starts the sessions the core scheduler hands out,
//! after claiming each incident so two consoles never start the same one. It also lists the
//! incidents that wait for the operator and starts the one the operator picks (the start
//! key), through the same claim: one winner across consoles. With a team database
//! (`[store] url`) the board is shared by every console, wakes on `LISTEN`/`NOTIFY`, and each
//! incident this console starts holds a leased claim (`team_watch`); incidents other
//! operators are on are followed read-only (`team_follow`) and taken over with `c`
//! (`team_takeover`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::desk::{Desk, DeskError};
use crate::intake::scheduler::{Scheduler, SchedulerOptions, Update};
use crate::protocol::{Event, EventEnvelope};
use crate::session::{self, Core, SessionHandle};
use crate::store::Store;

use super::app::AppEvent;
use super::inbox::{MAX_WAITING_ROWS, Waiting};
use super::intake_paste::PasteLink;

/// How often the inbox is read.
const POLL: Duration = Duration::from_millis(250);

/// Start following the inbox. Sessions it starts send their events to `events`; their
/// handles arrive on the returned channel for the event loop to keep.
/// Pasted alerts go through the returned link (see `intake_paste`); their sessions' handles
/// arrive on the same channel.
pub(super) fn start(
    core: Arc<Core>,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
    background: tokio::runtime::Handle,
) -> (mpsc::UnboundedReceiver<SessionHandle>, PasteLink) {
    let (handles_tx, handles_rx) = mpsc::unbounded_channel();
    let operator = crate::store::operator_from_env();
    let (desk, warning) = Desk::open(core.clone(), &operator, "console");
    if let Some(warning) = warning {
        let _ = tasks.send(AppEvent::Notice(warning));
    }
    let desk = Arc::new(desk);
    let paste = super::intake_paste::start(
        desk.clone(),
        events.clone(),
        tasks.clone(),
        handles_tx.clone(),
    );
    let options = match SchedulerOptions::from_config(&core.config.intake) {
        Ok(options) => options,
        Err(message) => {
            let _ = tasks.send(AppEvent::Notice(message));
            return (handles_rx, paste);
        }
    };
    tokio::spawn(follow(desk, options, events, tasks, handles_tx, background));
    (handles_rx, paste)
}

async fn follow(
    desk: Arc<Desk>,
    options: SchedulerOptions,
    events: mpsc::UnboundedSender<EventEnvelope>,
    tasks: mpsc::UnboundedSender<AppEvent>,
    handles: mpsc::UnboundedSender<SessionHandle>,
    background: tokio::runtime::Handle,
) {
    let core = desk.core.clone();
    // The desk's store: one connection for the inbox, the claims and the team views.
    let opened = desk.opened.clone();
    let store: Arc<dyn Store> = opened.store.clone();
    let mut follower = InboxFollower::new(options);
    // Team mode: the operator's name (`$USER`) marks what this console took up, and every
    // session it starts holds a leased claim, renewed while the console lives.
    let claimant = if opened.is_team() {
        crate::store::operator_from_env()
    } else {
        format!("console-{}", std::process::id())
    };
    if let Some(pg) = &opened.postgres {
        super::team_health::start(pg.clone(), tasks.clone());
    }
    let team = opened
        .is_team()
        .then(|| super::team_watch::start(&opened, &claimant));
    // Team mode: the incidents other operators are on, and their sessions' events.
    let mut team_follow = super::team_follow::TeamFollow::new(&opened, &core.paths, &claimant);
    let mut woke = false;
    // Auto-started sessions report here; `Finished` frees their slot.
    let (auto_tx, mut auto_rx) = mpsc::unbounded_channel::<EventEnvelope>();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The start key's requests (incident ids), from the app.
    let (start_tx, mut start_rx) = mpsc::unbounded_channel::<String>();
    if tasks.send(AppEvent::IntakeLink(start_tx)).is_err() {
        return;
    }
    let mut changed = team
        .as_ref()
        .map(|t| t.changes())
        .unwrap_or_else(|| mpsc::unbounded_channel().1);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            Some(()) = changed.recv() => woke = true,
            Some(id) = start_rx.recv() => {
                if let Some(request) = super::team_keys::TeamRequest::decode(&id) {
                    let request = request.on_inbox_incident(follower.scheduler.incidents());
                    let link = super::team_takeover::Link {
                        core: &core, opened: &opened, team: team.as_ref(), follow: team_follow.as_mut(),
                        claimant: &claimant, events: &events, tasks: &tasks, handles: &handles,
                    };
                    let line = super::team_takeover::answer(link, request);
                    let _ = tasks.send(AppEvent::Notice(line));
                    continue;
                }
                let scheduler = &mut follower.scheduler;
                let incident = scheduler.incidents().get(&id).cloned();
                let Some(incident) = incident else {
                    let _ = tasks.send(AppEvent::Notice(format!("incident {id} is not in the inbox")));
                    continue;
                };
                match desk.launch(&incident, auto_tx.clone()) {
                    Ok(Some(handle)) => {
                        scheduler.started(&handle.id);
                        if let Some(team) = &team {
                            team.hold(&incident.id);
                        }
                        if handles.send(handle).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {
                        let _ = tasks.send(AppEvent::Notice(format!(
                            "incident {id} was already taken up (another console or the auto scheduler)"
                        )));
                    }
                    Err(DeskError::Held(line)) => {
                        let _ = tasks.send(AppEvent::Notice(line));
                    }
                    Err(e) => {
                        let _ = tasks.send(AppEvent::SessionStartFailed(e.to_string()));
                    }
                }
                // The claim shows at the next poll, which drops the waiting row.
                continue;
            }
            Some(envelope) = auto_rx.recv() => {
                if matches!(envelope.event, Event::Finished { .. }) {
                    follower.scheduler.finished(&envelope.session_id);
                }
                if events.send(envelope).is_err() {
                    return;
                }
                continue;
            }
        }
        let polled = {
            let store = store.clone();
            let paths = core.paths.clone();
            let (mut follow, awake) = (team_follow.take(), std::mem::take(&mut woke));
            // On the background runtime: reading a storm's worth of inbox must not take the
            // core the next frame needs.
            background
                .spawn_blocking(move || {
                    let mut follower = follower;
                    let found = follower.poll(store.as_ref());
                    let team_found = follow
                        .as_mut()
                        .map(|f| f.poll(follower.scheduler.incidents(), awake));
                    // Sessions of inbox incidents recovered after a crash (or run by another
                    // console) hold slots of max_concurrent_investigations too.
                    follower
                        .scheduler
                        .adopt_running(&|session| session_open(&paths, session));
                    (follower, found, follow, team_found)
                })
                .await
        };
        let Ok((back, found, follow, team_found)) = polled else {
            return;
        };
        follower = back;
        team_follow = follow;
        if team_found.is_some_and(|found| !found.deliver(&tasks, &events)) {
            return;
        }
        for event in found {
            if tasks.send(event).is_err() {
                return;
            }
        }
        let scheduler = &mut follower.scheduler;
        for incident in scheduler.due() {
            match desk.launch(&incident, auto_tx.clone()) {
                Ok(Some(handle)) => {
                    scheduler.started(&handle.id);
                    if let Some(team) = &team {
                        team.hold(&incident.id);
                    }
                    if handles.send(handle).is_err() {
                        return;
                    }
                }
                Ok(None) => {}
                Err(DeskError::Held(line)) => {
                    let _ = tasks.send(AppEvent::Notice(line));
                }
                Err(e) => {
                    let _ = tasks.send(AppEvent::SessionStartFailed(e.to_string()));
                }
            }
        }
    }
}

/// The console's reading of the inbox, one poll at a time (on a blocking thread): the
/// scheduler's update turned into what the app shows, at most one status line, the waiting
/// rows when they changed and the source status of this console's sessions. A storm of
/// alerts is a few events per poll, never one per alert. Public for the frame-time bench.
pub struct InboxFollower {
    pub scheduler: Scheduler,
    first: bool,
    listed: Vec<Waiting>,
}

impl InboxFollower {
    pub fn new(options: SchedulerOptions) -> InboxFollower {
        InboxFollower {
            scheduler: Scheduler::new(options),
            first: true,
            listed: Vec::new(),
        }
    }

    /// Read what is new in `store`; the events for the app.
    pub fn poll(&mut self, store: &dyn Store) -> Vec<AppEvent> {
        let mut out = Vec::new();
        match self.scheduler.poll(store) {
            Ok(update) => {
                let scheduler = &self.scheduler;
                // Tell this console's sessions what their alert's source said (first poll:
                // history, already in their logs or from before they existed).
                for (id, status, at) in update.source_changes.iter().filter(|_| !self.first) {
                    let Some(incident) = scheduler.incidents().get(id) else {
                        continue;
                    };
                    let Some(session_id) = incident.sessions.last() else {
                        continue;
                    };
                    out.push(AppEvent::SourceStatus {
                        session_id: session_id.clone(),
                        status: *status,
                        at: *at,
                        source: incident.key.source.name().to_string(),
                    });
                }
                // In a storm the oldest waiting incidents rarely change: compare ids and
                // states first, and build (clone) the rows only when the list moved.
                // (Rows are built from the id and alert alone, so a list that is not the same
                // by those is a different list.)
                if !same_waiting(scheduler.incidents(), &self.listed) {
                    let waiting = waiting(scheduler.incidents());
                    self.listed = waiting.clone();
                    out.push(AppEvent::Waiting(waiting));
                }
                if let Some(line) = notice(scheduler, &update, self.first) {
                    out.push(AppEvent::Notice(line));
                }
            }
            Err(e) => tracing::warn!("intake watch: cannot read the inbox: {e}"),
        }
        self.first = false;
        out
    }
}

/// True when `session`'s log exists and does not end in `Finished`.
fn session_open(paths: &crate::paths::Paths, session: &str) -> bool {
    session::last_logged(paths, session)
        .is_some_and(|last| !matches!(last.event, Event::Finished { .. }))
}

/// The incidents that wait for the operator (oldest first, at most
/// [`MAX_WAITING_ROWS`]).
fn waiting(incidents: &crate::store::Incidents) -> Vec<Waiting> {
    if incidents.pending() == 0 {
        return Vec::new();
    }
    incidents
        .iter()
        .filter(|i| i.is_pending())
        .take(MAX_WAITING_ROWS)
        .map(Waiting::from_incident)
        .collect()
}

/// True when the incidents waiting now are exactly `listed` (same ids, in order, and the
/// same alert for each), without building the rows.
fn same_waiting(incidents: &crate::store::Incidents, listed: &[Waiting]) -> bool {
    let mut now = incidents
        .iter()
        .filter(|i| i.is_pending())
        .take(MAX_WAITING_ROWS);
    for row in listed {
        match now.next() {
            Some(incident) if incident.id == row.id && incident.alert == *row.alert => {}
            _ => return false,
        }
    }
    now.next().is_none()
}

/// One status line for what a poll found, or None when nothing worth saying happened.
fn notice(scheduler: &Scheduler, update: &Update, first: bool) -> Option<String> {
    let incidents = scheduler.incidents();
    let waiting = incidents.pending();
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
#[path = "intake_watch_tests.rs"]
mod tests;
