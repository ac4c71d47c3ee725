//! The team keys' requests, carried out by the desk ([`crate::protocol::TeamRequest`]): claim
//! and release a leased claim on the shared board (audited), and take another operator's
//! incident over. A take-over wins the lease only once their lease lapsed (or they released
//! it); the session is then brought from the team database into this data dir and resumed in
//! the desk exactly as crash recovery does (`session::materialize` + `session::resume`): the
//! pending approval is asked again, a command that was running is marked interrupted and never
//! re-run.

use tokio::sync::mpsc;

use crate::protocol::{EventEnvelope, TeamUpdate};
use crate::session::{self, SessionHandle};
use crate::store::ClaimOutcome;
use crate::text::neutralize_line;

use super::super::Desk;
use super::follow::TeamFollow;

/// What a claim or release did: the status line, and whether the desk now holds the incident
/// (so it renews the lease) or let it go.
pub struct Answer {
    pub line: String,
    pub holds: Option<bool>,
}

/// Lease `id` for the desk's operator.
pub fn claim(desk: &Desk, id: &str) -> Answer {
    let opened = &desk.opened;
    let shown = neutralize_line(id);
    match opened.board.lease(id, &desk.operator, opened.lease) {
        Ok(ClaimOutcome::Won { took_over_from, .. }) => {
            let action = if took_over_from.is_some() {
                "take_over"
            } else {
                "claim"
            };
            audit_claim(desk, id, action, took_over_from.clone());
            let line = match took_over_from {
                Some(prev) => format!(
                    "you are on {shown} (took over from {}, whose lease lapsed)",
                    neutralize_line(&prev)
                ),
                None => format!("you are on {shown}"),
            };
            Answer {
                line,
                holds: Some(true),
            }
        }
        Ok(ClaimOutcome::Renewed { .. }) => Answer {
            line: format!("you are on {shown}"),
            holds: Some(true),
        },
        Ok(ClaimOutcome::Held { claim }) => Answer {
            line: format!(
                "{} is on it: watching {shown} read-only",
                neutralize_line(&claim.operator)
            ),
            holds: None,
        },
        Err(e) => Answer {
            line: format!("cannot claim {shown}: {e}"),
            holds: None,
        },
    }
}

/// Give the desk operator's lease on `id` back.
pub fn release(desk: &Desk, id: &str) -> Answer {
    let shown = neutralize_line(id);
    match desk.opened.board.release(id, &desk.operator) {
        Ok(true) => {
            audit_claim(desk, id, "release", None);
            Answer {
                line: format!("released {shown}"),
                holds: Some(false),
            }
        }
        Ok(false) => Answer {
            line: format!("you do not hold {shown}"),
            holds: None,
        },
        Err(e) => Answer {
            line: format!("cannot release {shown}: {e}"),
            holds: None,
        },
    }
}

/// What a take-over did.
pub struct TakenOver {
    pub line: String,
    /// The session's events the desk had not shown yet (read from the team database).
    pub caught_up: Vec<EventEnvelope>,
    /// The board without the session (it is this desk's now).
    pub update: Option<TeamUpdate>,
    /// The resumed session, now run by the desk.
    pub handle: Option<SessionHandle>,
    /// The desk holds the incident now.
    pub holds: bool,
}

/// Take `incident` (whose session is `session`) over from another operator.
pub fn take_over(
    desk: &Desk,
    follow: Option<&mut TeamFollow>,
    incident: &str,
    session: &str,
    events: mpsc::UnboundedSender<EventEnvelope>,
) -> TakenOver {
    let opened = &desk.opened;
    let shown = neutralize_line(incident);
    let refused = |line: String| TakenOver {
        line,
        caught_up: Vec::new(),
        update: None,
        handle: None,
        holds: false,
    };
    let took_over_from = match opened.board.lease(incident, &desk.operator, opened.lease) {
        Ok(ClaimOutcome::Won { took_over_from, .. }) => took_over_from,
        Ok(ClaimOutcome::Renewed { .. }) => None,
        Ok(ClaimOutcome::Held { claim }) => {
            return refused(format!(
                "{} is on it: watching read-only (c takes over when the lease lapses)",
                neutralize_line(&claim.operator)
            ));
        }
        Err(e) => return refused(format!("cannot claim {shown}: {e}")),
    };
    let action = if took_over_from.is_some() {
        "take_over"
    } else {
        "claim"
    };
    audit_claim(desk, incident, action, took_over_from.clone());
    // Every event of theirs before this console's own turns.
    let (caught_up, update) = match follow {
        Some(follow) => (follow.catch_up(session), Some(follow.taken_over(session))),
        None => (Vec::new(), None),
    };
    let from = match &took_over_from {
        Some(prev) => format!(
            " (took over from {}, whose lease lapsed)",
            neutralize_line(prev)
        ),
        None => String::new(),
    };
    let core = &desk.core;
    let resumed = session::materialize(&core.paths, session)
        .and_then(|_| session::resume(core.clone(), session, events));
    let (line, handle) = match resumed {
        Ok(resumed) => (
            format!("you are on {shown}{from}: its session resumes in this console"),
            Some(resumed.handle),
        ),
        Err(e) => (
            format!("you are on {shown}{from}, but its session cannot resume here: {e}"),
            None,
        ),
    };
    TakenOver {
        line,
        caught_up,
        update,
        handle,
        holds: true,
    }
}

/// Record a claim, release or take-over in the audit chain (in team mode, the shared one).
pub fn audit_claim(desk: &Desk, incident: &str, action: &str, other: Option<String>) {
    let entry = crate::audit::AuditEntry::Claim {
        incident: incident.to_string(),
        action: action.to_string(),
        other,
    };
    let mut log = desk.core.audit.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = log.append("", entry) {
        tracing::warn!("team: the audit log did not record the {action}: {e}");
    }
}
