//! Taking another operator's incident over in this console (`c` on an incident someone else
//! is on): the leased claim is won only once their lease lapsed (or they released it); the
//! session is then brought from the team database into this data dir and resumed here exactly
//! as crash recovery does (`session::materialize` + `session::resume`): the pending approval
//! is asked again in this console, a command that was running is marked interrupted and never
//! re-run. Its handle goes to the event loop like any session's. The other team keys go to
//! `team_watch::answer`.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::protocol::EventEnvelope;
use crate::session::{self, Core, SessionHandle};
use crate::store::{ClaimOutcome, Opened};
use crate::text::neutralize_line;

use super::app::AppEvent;
use super::team_follow::TeamFollow;
use super::team_keys::TeamRequest;
use super::team_watch::TeamWatch;

/// What a team request needs from the inbox watcher.
pub struct Link<'a> {
    pub core: &'a Arc<Core>,
    pub opened: &'a Opened,
    pub team: Option<&'a TeamWatch>,
    pub follow: Option<&'a mut TeamFollow>,
    pub claimant: &'a str,
    /// The sessions' event channel (the app applies what arrives there).
    pub events: &'a mpsc::UnboundedSender<EventEnvelope>,
    pub tasks: &'a mpsc::UnboundedSender<AppEvent>,
    pub handles: &'a mpsc::UnboundedSender<SessionHandle>,
}

/// Carry out a team key's request; the status line that says what happened.
pub fn answer(link: Link<'_>, request: TeamRequest) -> String {
    match request {
        TeamRequest::TakeOver { incident, session } => take_over(link, &incident, &session),
        other => super::team_watch::answer(link.core, link.opened, link.team, link.claimant, other),
    }
}

fn take_over(link: Link<'_>, incident: &str, session: &str) -> String {
    let Link {
        core,
        opened,
        team,
        follow,
        claimant,
        events,
        tasks,
        handles,
    } = link;
    let shown = neutralize_line(incident);
    let took_over_from = match opened.board.lease(incident, claimant, opened.lease) {
        Ok(ClaimOutcome::Won { took_over_from, .. }) => took_over_from,
        Ok(ClaimOutcome::Renewed { .. }) => None,
        Ok(ClaimOutcome::Held { claim }) => {
            return format!(
                "{} is on it: watching read-only (c takes over when the lease lapses)",
                neutralize_line(&claim.operator)
            );
        }
        Err(e) => return format!("cannot claim {shown}: {e}"),
    };
    if let Some(team) = team {
        team.hold(incident);
    }
    let action = if took_over_from.is_some() {
        "take_over"
    } else {
        "claim"
    };
    super::team_watch::audit_claim(core, incident, action, took_over_from.clone());
    // Everything the other console committed is on screen before this one's session speaks;
    // from now on the session runs here and is no longer watched.
    if let Some(follow) = follow {
        for envelope in follow.catch_up(session) {
            let _ = events.send(envelope);
        }
        let _ = tasks.send(AppEvent::Team(follow.taken_over(session)));
    }
    let from = match &took_over_from {
        Some(prev) => format!(
            " (took over from {}, whose lease lapsed)",
            neutralize_line(prev)
        ),
        None => String::new(),
    };
    let resumed = session::materialize(&core.paths, session)
        .and_then(|_| session::resume(core.clone(), session, events.clone()));
    match resumed {
        Ok(resumed) => {
            let _ = handles.send(resumed.handle);
            format!("you are on {shown}{from}: its session resumes in this console")
        }
        Err(e) => format!("you are on {shown}{from}, but its session cannot resume here: {e}"),
    }
}
