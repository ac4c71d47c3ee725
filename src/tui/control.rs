//! Keys that stop or restart work in the selected incident: cancel its running command,
//! interrupt its model turn, retry a failed turn. The TUI only sends the op; the core acts
//! and records it.

use crate::protocol::{Op, SessionState};

use super::app::{App, Command};
use super::progress_note::Until;
use super::transcript_store::{Entry, NoteKind};

impl App {
    /// The call id of the selected incident's running command, if one runs.
    pub fn running_call(&self) -> Option<String> {
        let incident = self.current()?;
        if incident.state != SessionState::Running {
            return None;
        }
        incident
            .transcript
            .entries()
            .iter()
            .rev()
            .find_map(|e| match e {
                Entry::Call(call) if call.running && call.summary.is_none() => {
                    Some(call.call_id.clone())
                }
                _ => None,
            })
    }

    fn send_current(&self, op: Op) -> Vec<Command> {
        self.current()
            .map(|incident| Command::Send {
                session_id: incident.session_id.clone(),
                op,
            })
            .into_iter()
            .collect()
    }

    /// `x`: cancel the selected incident's running command.
    pub(super) fn cancel_running(&mut self) -> Vec<Command> {
        let Some(call_id) = self.running_call() else {
            self.notify(NoteKind::Info, "no command is running in this incident");
            return Vec::new();
        };
        if let Some(id) = self.current().map(|i| i.session_id.clone()) {
            self.progress(&id, "cancelling the running command…", Until::CommandEnded);
        }
        self.send_current(Op::Cancel {
            call_id: Some(call_id),
        })
    }

    /// `Esc` on the dashboard: interrupt the selected incident's model turn.
    pub(super) fn interrupt_model(&mut self) -> Vec<Command> {
        let working = self
            .current()
            .is_some_and(|i| matches!(i.state, SessionState::Investigating));
        if !working {
            return Vec::new();
        }
        if let Some(id) = self.current().map(|i| i.session_id.clone()) {
            self.progress(&id, "interrupting the model…", Until::ModelStopped);
        }
        self.send_current(Op::Interrupt)
    }

    /// `R`: send the last model turn again (after a failure or an interrupt).
    pub(super) fn retry_turn(&mut self) -> Vec<Command> {
        let idle = self
            .current()
            .is_some_and(|i| matches!(i.state, SessionState::Failed | SessionState::Done));
        if !idle {
            self.notify(NoteKind::Info, "nothing to retry: the incident is busy");
            return Vec::new();
        }
        self.send_current(Op::Retry)
    }
}
