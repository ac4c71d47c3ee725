//! An approval "for good" (`A` → this host or tag): the gate writes the allow rule to the
//! operator's personal rules file, then the call runs like any approved one.

use super::Agent;
use super::decide::{Reask, Ruled, asked_again};
use crate::llm::ToolCall;
use crate::policy::Classification;
use crate::protocol::{Event, RuleScope};
use crate::session::SessionError;
use crate::session::gate::Ruling;
use crate::tools::ResolvedCall;

impl Agent {
    /// Carry out an approval for good in `scope`, or say why the call is asked again.
    pub(super) async fn approve_for_good(
        &mut self,
        call: &ToolCall,
        resolved: &ResolvedCall,
        class: &Classification,
        scope: &RuleScope,
    ) -> Result<Ruled, SessionError> {
        let rule = match self.gate.approve_for_good(
            class.class,
            &resolved.tool,
            &resolved.target,
            &resolved.command,
            scope,
        ) {
            Ok(rule) => rule,
            Err(Ruling::Refuse(reason)) => {
                self.refuse(&call.id, &reason)?;
                return Ok(Ruled::Done(reason));
            }
            Err(Ruling::AskAgain(why) | Ruling::Run { note: Some(why) }) => {
                return Ok(asked_again(resolved, class, why));
            }
            Err(Ruling::Run { note: None }) => {
                return Ok(Ruled::Reask(Reask {
                    why: "no rule was written".into(),
                    command: resolved.command.clone(),
                    class: class.class,
                    class_reason: class.reason.clone(),
                    needs_confirm: false,
                    edit: None,
                }));
            }
        };
        self.emit(Event::Note {
            message: format!(
                "✔ {} written: allow `{}` on {}",
                rule.label(),
                rule.prefix,
                scope.label()
            ),
        })?;
        let reason = format!("approved for good: {}", rule.label());
        self.run_approved(call, resolved, Some(reason)).await
    }
}
