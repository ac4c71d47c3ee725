//! The verify-once hook: when the model ends its turn after a change with no read-only call
//! since, ask it (once per session) to check the symptom before it concludes.

use super::Agent;
use crate::protocol::Event;
use crate::session::SessionError;
use crate::session::resolution::VERIFY_PROMPT;

impl Agent {
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
