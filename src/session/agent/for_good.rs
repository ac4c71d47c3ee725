//! An approval "for good" (`A` → this host or tag): the gate writes the allow rule to the
//! operator's personal rules file, then the call runs like any approved one.

use super::Agent;
use super::decide::{Reask, Ruled};
use crate::audit::AuditEntry;
use crate::llm::ToolCall;
use crate::policy::Classification;
use crate::protocol::{Event, RuleScope, Verdict};
use crate::session::SessionError;
use crate::session::gate::{self, Ruling};
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
                return Ok(Ruled::Reask(Reask {
                    why,
                    command: resolved.command.clone(),
                    class: class.class,
                    class_reason: class.reason.clone(),
                    needs_confirm: gate::offer(class.class, &resolved.command).needs_confirm,
                    edit: None,
                }));
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
        self.emit(Event::Decided {
            call_id: call.id.clone(),
            verdict: Verdict::Approved,
        })?;
        self.audit(AuditEntry::Decision {
            call_id: call.id.clone(),
            decision: "approve".into(),
            reason: Some(format!("approved for good: {}", rule.label())),
        })?;
        Ok(Ruled::Done(self.execute(&call.id, resolved, None).await?))
    }
}
