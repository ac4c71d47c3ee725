//! The one way an incident gets a session: [`Desk::open_incident`] records an alert through
//! the shared dedup rule (paste, `run`, the console's new-incident editor) and
//! [`Desk::launch`] claims an inbox incident and starts its session (the auto scheduler, the
//! start key). Both refuse, naming them, when another operator holds the incident's claim.

use tokio::sync::mpsc;

use crate::alert::Alert;
use crate::intake::OutcomeKind;
use crate::protocol::EventEnvelope;
use crate::session::{self, SessionHandle};
use crate::store::{Change, InboxRecord, Incident};

use super::{Desk, DeskError, claims};

/// What [`Desk::open_incident`] did with an alert.
#[derive(Debug)]
pub enum Opening {
    /// A session started; `incident` is the inbox incident it investigates (None when the
    /// inbox could not be written: the investigation still runs).
    Started {
        handle: SessionHandle,
        incident: Option<String>,
        /// Set when the alert repeated an open incident and was investigated anyway
        /// ([`OnRepeat::Investigate`]): the line says which incident it counted on.
        repeat_of: Option<String>,
    },
    /// It repeats an open incident (or resolves one): counted there, no session. The line
    /// says which.
    Counted { incident: String, line: String },
}

/// Whether a repeat of an open incident still gets a session (`run` was asked to
/// investigate; a paste in the console only counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRepeat {
    Count,
    Investigate,
}

impl Desk {
    /// Record `alert` in the inbox and start its session, unless it repeats an open incident
    /// (see [`OnRepeat`]) or another operator holds the incident ([`DeskError::Held`]).
    pub fn open_incident(
        &self,
        alert: Alert,
        on_repeat: OnRepeat,
        events: mpsc::UnboundedSender<EventEnvelope>,
    ) -> Result<Opening, DeskError> {
        let title = crate::text::neutralize_line(&alert.summary_line());
        // The inbox is the record of every incident; when it cannot be written the operator
        // still gets the session (an investigation matters more than its dedup).
        let outcome = match self.paste.accept(vec![alert.clone()], &self.claimant) {
            Ok(mut outcomes) if !outcomes.is_empty() => Some(outcomes.remove(0)),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("desk: cannot record the alert in the inbox: {e}");
                None
            }
        };
        let incident = outcome
            .as_ref()
            .map(|o| o.incident.clone())
            .filter(|id| !id.is_empty());
        let mut repeat_of = None;
        if let Some(outcome) = &outcome
            && matches!(outcome.kind, OutcomeKind::Repeated | OutcomeKind::Resolved)
        {
            let count = self
                .paste
                .incident(&outcome.incident)
                .map(|i| i.count)
                .unwrap_or(0);
            let what = if outcome.kind == OutcomeKind::Resolved {
                "marked it resolved at source"
            } else {
                "counted there, no new incident"
            };
            let line = format!(
                "the alert matches open incident {} ({title}; count {count}): {what}",
                outcome.incident
            );
            if on_repeat == OnRepeat::Count || outcome.kind == OutcomeKind::Resolved {
                return Ok(Opening::Counted {
                    incident: outcome.incident.clone(),
                    line,
                });
            }
            repeat_of = Some(line);
        }
        if let Some(id) = &incident {
            self.refuse_if_held(id)?;
        }
        let handle = session::start_for(self.core.clone(), alert, incident.as_deref(), events)
            .map_err(|e| DeskError::Start(format!("could not open the incident: {e}")))?;
        if let Some(id) = &incident {
            self.record_started(id, &handle.id);
            if repeat_of.is_none() {
                self.notify_opened(id);
            }
        }
        Ok(Opening::Started {
            handle,
            incident,
            repeat_of,
        })
    }

    /// Claim inbox incident `incident` and start its session. `Ok(None)` when someone took it
    /// up first (another console, the daemon's scheduler); [`DeskError::Held`] when another
    /// operator holds its claim.
    pub fn launch(
        &self,
        incident: &Incident,
        events: mpsc::UnboundedSender<EventEnvelope>,
    ) -> Result<Option<SessionHandle>, DeskError> {
        self.refuse_if_held(&incident.id)?;
        match self.opened.store.claim(&incident.id, &self.claimant) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                return Err(DeskError::Start(format!(
                    "cannot claim incident {}: {e}",
                    incident.id
                )));
            }
        }
        let handle = session::start_for(
            self.core.clone(),
            (*incident.alert).clone(),
            Some(&incident.id),
            events,
        )
        .map_err(|e| DeskError::Start(format!("could not open incident {}: {e}", incident.id)))?;
        self.record_started(&incident.id, &handle.id);
        Ok(Some(handle))
    }

    /// [`DeskError::Held`] when an operator other than this desk's holds `incident`.
    pub fn refuse_if_held(&self, incident: &str) -> Result<(), DeskError> {
        match claims::other_holder(self.opened.board.as_ref(), incident, &self.operator) {
            Ok(Some(claim)) => Err(DeskError::Held(claims::held_line(&claim, &self.operator))),
            Ok(None) => Ok(()),
            Err(e) => Err(DeskError::Start(format!(
                "cannot check who holds incident {incident}: {e}"
            ))),
        }
    }

    /// Record in the inbox that `session` investigates `incident`.
    fn record_started(&self, incident: &str, session: &str) {
        let started = InboxRecord {
            at: chrono::Utc::now(),
            incident: incident.to_string(),
            change: Change::Started {
                session: session.to_string(),
            },
        };
        if let Err(e) = self.opened.store.append(std::slice::from_ref(&started)) {
            tracing::warn!("desk: cannot record session {session}: {e}");
        }
    }
}
