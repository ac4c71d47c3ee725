//! The console's side of team mode: wakes the inbox poll when another process changes the
//! board (`LISTEN`/`NOTIFY` through [`Board::wait_for_change`]), and holds a leased claim on
//! every incident this console started, renewing it at a third of the lease while the console
//! lives. When the console dies the renewals stop and the lease lapses, so another operator's
//! console can take the incident over.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::store::{Board, ClaimOutcome, Opened};

/// Live while the console's inbox watcher runs.
pub struct TeamWatch {
    board: Arc<dyn Board>,
    operator: String,
    lease: Duration,
    held: Arc<Mutex<HashSet<String>>>,
    changes: Mutex<Option<mpsc::UnboundedReceiver<()>>>,
}

/// Start listening and renewing for `operator`.
pub fn start(opened: &Opened, operator: &str) -> TeamWatch {
    let (tx, rx) = mpsc::unbounded_channel();
    let board = opened.board.clone();
    let listener = board.clone();
    let _ = std::thread::Builder::new()
        .name("team-listen".into())
        .spawn(move || {
            loop {
                if listener.wait_for_change(Duration::from_secs(5)) && tx.send(()).is_err() {
                    return;
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
    let held: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::new()));
    let weak: Weak<Mutex<HashSet<String>>> = Arc::downgrade(&held);
    let (renewer, who, lease) = (board.clone(), operator.to_string(), opened.lease);
    let _ = std::thread::Builder::new()
        .name("team-lease".into())
        .spawn(move || {
            loop {
                std::thread::sleep(lease / 3);
                let Some(held) = weak.upgrade() else {
                    return;
                };
                let ids: Vec<String> = held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .cloned()
                    .collect();
                for id in ids {
                    match renewer.renew(&id, &who, lease) {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!("team: lost the claim on {id} (lease lapsed)");
                            held.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                        }
                        Err(e) => tracing::warn!("team: cannot renew the claim on {id}: {e}"),
                    }
                }
            }
        });
    TeamWatch {
        board,
        operator: operator.to_string(),
        lease: opened.lease,
        held,
        changes: Mutex::new(Some(rx)),
    }
}

impl TeamWatch {
    /// Wake-ups from other processes' changes (once; later calls get a closed channel).
    pub fn changes(&self) -> mpsc::UnboundedReceiver<()> {
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| mpsc::unbounded_channel().1)
    }

    /// Take (or renew) the leased claim on `incident` and keep it while the console lives.
    pub fn hold(&self, incident: &str) {
        match self.board.lease(incident, &self.operator, self.lease) {
            Ok(ClaimOutcome::Won { .. } | ClaimOutcome::Renewed { .. }) => {
                self.held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(incident.to_string());
            }
            Ok(ClaimOutcome::Held { claim }) => tracing::warn!(
                "team: {} is on {incident}; this console started it anyway",
                claim.operator
            ),
            Err(e) => tracing::warn!("team: cannot claim {incident}: {e}"),
        }
    }
}

/// Carry out a team key's request and say what happened, in one status line. The claim and
/// release are audited with the operator (`$USER`).
pub fn answer(
    core: &crate::session::Core,
    opened: &Opened,
    team: Option<&TeamWatch>,
    operator: &str,
    request: super::team_keys::TeamRequest,
) -> String {
    use super::team_keys::TeamRequest;
    use crate::text::neutralize_line;
    let audit = |incident: &str, action: &str, other: Option<String>| {
        audit_claim(core, incident, action, other)
    };
    match request {
        TeamRequest::Claim(id) => match opened.board.lease(&id, operator, opened.lease) {
            Ok(ClaimOutcome::Won { took_over_from, .. }) => {
                if let Some(team) = team {
                    team.hold(&id);
                }
                let action = if took_over_from.is_some() {
                    "take_over"
                } else {
                    "claim"
                };
                audit(&id, action, took_over_from.clone());
                match took_over_from {
                    Some(prev) => format!(
                        "you are on {} (took over from {}, whose lease lapsed)",
                        neutralize_line(&id),
                        neutralize_line(&prev)
                    ),
                    None => format!("you are on {}", neutralize_line(&id)),
                }
            }
            Ok(ClaimOutcome::Renewed { .. }) => format!("you are on {}", neutralize_line(&id)),
            Ok(ClaimOutcome::Held { claim }) => format!(
                "{} is on it: watching {} read-only",
                neutralize_line(&claim.operator),
                neutralize_line(&id)
            ),
            Err(e) => format!("cannot claim {}: {e}", neutralize_line(&id)),
        },
        // Handled by `team_takeover` (it needs the session channels).
        TeamRequest::TakeOver { incident, .. } => {
            answer(core, opened, team, operator, TeamRequest::Claim(incident))
        }
        TeamRequest::Release(id) => match opened.board.release(&id, operator) {
            Ok(true) => {
                if let Some(team) = team {
                    team.forget(&id);
                }
                audit(&id, "release", None);
                format!("released {}", neutralize_line(&id))
            }
            Ok(false) => format!("you do not hold {}", neutralize_line(&id)),
            Err(e) => format!("cannot release {}: {e}", neutralize_line(&id)),
        },
    }
}

impl TeamWatch {
    /// Stop renewing the claim on `incident` (released).
    pub fn forget(&self, incident: &str) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(incident);
    }
}

/// Record a claim, take-over or release in the audit chain, with the operator (`$USER`).
pub fn audit_claim(
    core: &crate::session::Core,
    incident: &str,
    action: &str,
    other: Option<String>,
) {
    let entry = crate::audit::AuditEntry::Claim {
        incident: incident.to_string(),
        action: action.to_string(),
        other,
    };
    let mut log = core.audit.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(e) = log.append("", entry) {
        tracing::warn!("team: the audit log did not record the {action}: {e}");
    }
}
