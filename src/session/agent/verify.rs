//! The verify-once hook: when the model ends its turn after a change with no read-only call
//! since, ask it (once per session) to check the symptom before it concludes.

use super::Agent;
use crate::protocol::Event;
use crate::session::SessionError;
use crate::session::resolution::VERIFY_PROMPT;

impl Agent {
    /// A resumed session: learn from its log whether a change ran, was checked, and whether
    /// the model was already asked (so it is never asked twice). An unreadable log leaves the
    /// tracker empty: at worst the model is asked once more.
    pub(super) fn replay_resolution(&mut self) {
        if let Ok(events) = crate::session::read_log(&self.core.paths, &self.id) {
            for envelope in &events {
                self.resolution.observe(&envelope.event);
            }
        }
    }

    /// The model gave a final answer: true when the core asked it to verify (the loop goes on).
    pub(super) fn ask_to_verify(&mut self, truncated: bool) -> Result<bool, SessionError> {
        if truncated || !self.resolution.should_ask_to_verify() {
            return Ok(false);
        }
        self.emit(Event::Note {
            message: "a change ran and nothing has checked it since: asking the model to verify"
                .into(),
        })?;
        self.user_message(VERIFY_PROMPT)?;
        Ok(true)
    }
}
