//! The team keys: `c` claims the selected incident for `$USER` with a lease, `C` releases it.
//! The request goes to the desk as [`DeskOp::Team`] (the desk owns the board), which answers
//! with a notice: "you are on it", or "alice is on it" when someone else holds it. On an
//! incident another operator is on, `c` asks to take it over: it wins once their lease has
//! lapsed, and the session then resumes in the desk (`desk::team::requests`).

use super::app::{App, Command};
use super::transcript_store::NoteKind;
use crate::protocol::{DeskOp, TeamRequest};

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
            (Some(other), false) => TeamRequest::Release {
                id: other.incident.clone(),
            },
            (None, true) => TeamRequest::Claim { id: session },
            (None, false) => TeamRequest::Release { id: session },
        };
        vec![Command::Desk(DeskOp::Team { request })]
    }
}
