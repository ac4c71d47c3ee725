//! Operator ops that arrive while the session is busy (a model turn, a running command):
//! kept for later in arrival order, with a message echoed at once as queued.

use super::Agent;
use crate::protocol::{Event, Op};
use crate::session::SessionError;

impl Agent {
    /// Keep `op` for when the session next waits for the operator. A message is shown at
    /// once as queued, so the operator knows it was received.
    pub(super) fn queue_op(&mut self, op: Op) -> Result<(), SessionError> {
        match &op {
            Op::UserMessage { text } => {
                let first = text.lines().next().unwrap_or_default();
                let shown: String = first.chars().take(120).collect();
                let more = if shown.len() < text.trim_end().len() {
                    "…"
                } else {
                    ""
                };
                self.emit(Event::Note {
                    message: format!(
                        "✉ queued: \"{}{more}\" (sent when the model is free)",
                        crate::text::neutralize_line(&shown)
                    ),
                })?;
            }
            Op::Interrupt => {
                self.warn("nothing to interrupt: the model is not working".into())?;
                return Ok(());
            }
            Op::Cancel { .. } => {
                self.warn("no command is running".into())?;
                return Ok(());
            }
            Op::ForgetPrefix { prefix, target } => {
                return self.forget_prefix(prefix, target.clone());
            }
            _ => {}
        }
        self.backlog.push_back(op);
        Ok(())
    }
}
