//! The team keys: `c` claims the selected incident for `$USER` with a lease, `C` releases it.
//! The request travels to the inbox watcher over its link (the watcher owns the store), which
//! answers with a notice: "you are on it", or "alice is on it" when someone else holds it.
//! On an incident another operator is on, `c` asks to take it over: it wins once their lease
//! has lapsed, and the session then resumes in this console (`team_takeover`).

use super::app::{App, Command};
use super::transcript_store::NoteKind;

/// Marks a team request on the inbox watcher's link (incident ids never hold a NUL).
const TAG: char = '\u{0}';

/// What a team key asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamRequest {
    Claim(String),
    Release(String),
    /// Claim `incident` from another operator and resume its `session` here.
    TakeOver {
        incident: String,
        session: String,
    },
}

impl TeamRequest {
    /// The request as it goes over the watcher's link.
    pub fn encode(&self) -> String {
        match self {
            TeamRequest::Claim(id) => format!("{TAG}claim:{id}"),
            TeamRequest::Release(id) => format!("{TAG}release:{id}"),
            TeamRequest::TakeOver { incident, session } => {
                format!("{TAG}takeover:{incident}{TAG}{session}")
            }
        }
    }

    /// A team request from the link, or None for a plain start request.
    pub fn decode(text: &str) -> Option<TeamRequest> {
        let rest = text.strip_prefix(TAG)?;
        if let Some(pair) = rest.strip_prefix("takeover:") {
            let (incident, session) = pair.split_once(TAG)?;
            return Some(TeamRequest::TakeOver {
                incident: incident.to_string(),
                session: session.to_string(),
            });
        }
        if let Some(id) = rest.strip_prefix("claim:") {
            return Some(TeamRequest::Claim(id.to_string()));
        }
        rest.strip_prefix("release:")
            .map(|id| TeamRequest::Release(id.to_string()))
    }
}

impl TeamRequest {
    /// The request keyed as the board keys it: a claim or release of one of this console's
    /// sessions started from the inbox is on its inbox incident (the id its lease is renewed
    /// under and the core's claim guard checks), not on the session id.
    pub fn on_inbox_incident(self, incidents: &crate::store::Incidents) -> TeamRequest {
        let incident_of = |session: &str| {
            incidents
                .iter()
                .find(|i| i.sessions.iter().any(|s| s == session))
                .map(|i| i.id.clone())
        };
        match self {
            TeamRequest::Claim(id) => TeamRequest::Claim(incident_of(&id).unwrap_or(id)),
            TeamRequest::Release(id) => TeamRequest::Release(incident_of(&id).unwrap_or(id)),
            other => other,
        }
    }
}

impl App {
    /// `c`: claim the selected incident.
    pub(super) fn team_claim(&mut self) -> Vec<Command> {
        self.team_request(true)
    }

    /// `C`: release the selected incident.
    pub(super) fn team_release(&mut self) -> Vec<Command> {
        self.team_request(false)
    }

    fn team_request(&mut self, claim: bool) -> Vec<Command> {
        let Some(row) = self.incidents.get(self.selected) else {
            self.notify(NoteKind::Error, "no incident selected");
            return Vec::new();
        };
        let session = row.session_id.clone();
        let request = match (self.team.other(&session), claim) {
            // Another operator's incident: the claim is on its inbox incident.
            (Some(other), true) => TeamRequest::TakeOver {
                incident: other.incident.clone(),
                session,
            },
            (Some(other), false) => TeamRequest::Release(other.incident.clone()),
            (None, true) => TeamRequest::Claim(session),
            (None, false) => TeamRequest::Release(session),
        };
        vec![Command::Intake(request.encode())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_plain_ids_are_not_requests() {
        for r in [
            TeamRequest::Claim("inc-1".into()),
            TeamRequest::Release("20261125-1".into()),
            TeamRequest::TakeOver {
                incident: "inc-1".into(),
                session: "20261125-1".into(),
            },
        ] {
            assert_eq!(TeamRequest::decode(&r.encode()), Some(r));
        }
        assert_eq!(TeamRequest::decode("inc-1"), None);
        assert_eq!(TeamRequest::decode("claim:inc-1"), None);
    }

    #[test]
    fn claims_of_a_session_started_from_the_inbox_are_on_its_incident() {
        use crate::alert::{Alert, Source, Status};
        use crate::store::{Change, DedupKey, InboxRecord, Incidents};
        let alert = Alert {
            source: Source::Alertmanager,
            title: "disk".into(),
            severity: None,
            status: Status::Firing,
            host: None,
            description: None,
            starts_at: None,
            url: None,
            labels: Default::default(),
            fingerprint: Some("fp".into()),
            raw: serde_json::Value::Null,
        };
        let mut incidents = Incidents::default();
        for change in [
            Change::Opened {
                key: DedupKey {
                    source: Source::Alertmanager,
                    fingerprint: "fp".into(),
                },
                alert: Box::new(alert),
            },
            Change::Started {
                session: "20261125-1".into(),
            },
        ] {
            incidents.apply(&InboxRecord {
                at: chrono::Utc::now(),
                incident: "inc-1".into(),
                change,
            });
        }
        let on = |r: TeamRequest| r.on_inbox_incident(&incidents);
        assert_eq!(
            on(TeamRequest::Release("20261125-1".into())),
            TeamRequest::Release("inc-1".into())
        );
        assert_eq!(
            on(TeamRequest::Claim("20261125-1".into())),
            TeamRequest::Claim("inc-1".into())
        );
        // A pasted session (no inbox incident) and an incident id stay as they are.
        assert_eq!(
            on(TeamRequest::Claim("20261125-9".into())),
            TeamRequest::Claim("20261125-9".into())
        );
        assert_eq!(
            on(TeamRequest::Claim("inc-1".into())),
            TeamRequest::Claim("inc-1".into())
        );
    }
}
