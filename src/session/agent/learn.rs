//! The agent's side of learning from operator edits: similar past corrections go into the
//! system prompt at session start (announced with a `Note`), and each edit that ran is recorded
//! (in the team database in team mode, see `session::corrections`).

use super::Agent;
use crate::alert::Alert;
use crate::protocol::Event;
use crate::session::SessionError;
use crate::session::corrections;
use crate::session::learning::{self, Correction};

impl Agent {
    /// The system prompt for this session: the configured one, plus a labelled block of the
    /// most similar past operator corrections when learning is enabled and any match.
    pub(super) fn system_prompt_for(
        &mut self,
        alert: &Alert,
        nonce: &str,
    ) -> Result<String, SessionError> {
        let mut system = self.core.system_prompt.clone();
        let settings = &self.core.config.learning;
        if !settings.enabled || settings.max_examples == 0 {
            return Ok(system);
        }
        let sink = corrections::sink();
        let past = corrections::load(sink.as_deref(), &self.core.paths.data_dir);
        let examples = learning::matches(&past, alert, settings.max_examples);
        if examples.is_empty() {
            return Ok(system);
        }
        system.push_str(&learning::render_section(
            &examples,
            &self.core.redactor,
            nonce,
        ));
        self.emit(Event::CorrectionsUsed {
            examples: learning::used(&examples),
        })?;
        self.emit(Event::Note {
            message: learning::used_line(&examples),
        })?;
        Ok(system)
    }

    /// Remember that the operator ran `executed` instead of the proposed `proposed`. A failure
    /// to record is a warning, never a reason to stop the session.
    pub(super) fn learn_from_edit(
        &mut self,
        tool: &str,
        proposed: &str,
        executed: &str,
    ) -> Result<(), SessionError> {
        if !self.core.config.learning.enabled || proposed.trim() == executed.trim() {
            return Ok(());
        }
        let Some(alert) = &self.alert else {
            return Ok(());
        };
        let correction = Correction::new(
            &self.id,
            alert,
            tool,
            proposed,
            executed,
            &self.core.redactor,
        );
        let sink = corrections::sink();
        if let Err(err) =
            corrections::record(sink.as_deref(), &self.core.paths.data_dir, &correction)
        {
            tracing::warn!(session = %self.id, "{err}");
            self.warn(format!("the edit was not recorded for learning: {err}"))?;
        }
        Ok(())
    }
}
