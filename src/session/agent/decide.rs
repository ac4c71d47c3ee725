//! The approval queue's decisions: waiting for the operator (decisions may arrive in any
//! order; they are carried out in queue order), approvals, edits, rejections and refusals.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::{Agent, Item};
use crate::audit::AuditEntry;
use crate::llm::ToolCall;
use crate::policy::Classification;
use crate::protocol::{Decision, Event, Op, Proposal, SessionState, Verdict};
use crate::session::SessionError;
use crate::session::conversation;
use crate::session::gate::{self, Ruling};
use crate::tools::ResolvedCall;

/// The core's answer to one decision: a tool result, or the call is asked again.
pub(super) enum Ruled {
    Done(String),
    Reask(Reask),
}

/// Why a call is asked again and what an approval would now run and need.
pub(super) struct Reask {
    pub(super) why: String,
    pub(super) command: String,
    pub(super) class: crate::policy::Class,
    pub(super) class_reason: String,
    pub(super) needs_confirm: bool,
    pub(super) edit: Option<String>,
}

/// The end of one call's wait in the approval queue.
pub(super) enum Decided {
    Result(String),
    Stop,
    Abandon,
}

impl Agent {
    /// Wait for (or take from the stash) the operator's decision on `call` and carry it out.
    pub(super) async fn decide(
        &mut self,
        call: &ToolCall,
        resolved: &ResolvedCall,
        class: &Classification,
        proposal: &Proposal,
        stash: &mut HashMap<String, Decision>,
        waiting: &[String],
    ) -> Result<Decided, SessionError> {
        loop {
            let decision = match stash.remove(&call.id) {
                Some(decision) => decision,
                None => {
                    self.set_state(SessionState::AwaitingApproval)?;
                    match self.next_op().await? {
                        None => return Ok(Decided::Abandon),
                        Some(Op::Shutdown) => return Ok(Decided::Stop),
                        Some(Op::ResolveAndStop { note }) => {
                            self.stop_requested(&note, "the waiting calls are rejected")?;
                            return Ok(Decided::Stop);
                        }
                        // Logged by `next_op`.
                        Some(
                            Op::SourceStatus { .. } | Op::Resolve { .. } | Op::ForgetPrefix { .. },
                        ) => continue,
                        Some(Op::Cancel { .. }) => {
                            self.warn("no command is running: the call waits for approval".into())?;
                            continue;
                        }
                        Some(Op::Interrupt | Op::Retry) => {
                            self.warn(
                                "the model is not working: a call waits for approval".into(),
                            )?;
                            continue;
                        }
                        Some(Op::UserMessage { text }) => {
                            self.warn(
                                "message queued: it reaches the model after the pending calls are decided"
                                    .into(),
                            )?;
                            self.queued_messages.push(text);
                            continue;
                        }
                        Some(Op::Decide { call_id, decision }) => {
                            if call_id == call.id {
                                decision
                            } else if waiting.contains(&call_id) {
                                stash.insert(call_id, decision);
                                continue;
                            } else {
                                self.warn(format!("no pending tool call `{call_id}`"))?;
                                continue;
                            }
                        }
                    }
                }
            };
            let outcome = match decision {
                Decision::Approve { confirm } => {
                    self.approve(call, resolved, class, confirm.as_deref(), false)
                        .await?
                }
                Decision::ApprovePrefix => self.approve(call, resolved, class, None, true).await?,
                Decision::ApproveRule { scope } => {
                    self.approve_for_good(call, resolved, class, &scope).await?
                }
                Decision::Edit {
                    replacement,
                    confirm,
                } => {
                    self.edit(call, resolved, proposal, &replacement, confirm.as_deref())
                        .await?
                }
                Decision::Reject { reason } => Ruled::Done(self.reject(&call.id, reason)?),
            };
            match outcome {
                Ruled::Done(content) => return Ok(Decided::Result(content)),
                Ruled::Reask(reask) => {
                    let mut reasked = crate::protocol::Reask {
                        call_id: call.id.clone(),
                        why: reask.why,
                        command: reask.command,
                        class: reask.class,
                        class_reason: reask.class_reason,
                        needs_confirm: reask.needs_confirm,
                        edit: reask.edit,
                        offer: None,
                    };
                    // The whole call as the gate offers it now: front ends show and ask it
                    // as they would a new proposal.
                    reasked.offer = Some(Box::new(reasked.offer(proposal)));
                    self.emit(Event::ApprovalReasked(reasked))?
                }
            }
        }
    }

    /// An approved call: the decision is logged and audited (`reason` says why, when it is
    /// more than a plain approval), then it runs.
    pub(super) async fn run_approved(
        &mut self,
        call: &ToolCall,
        resolved: &ResolvedCall,
        reason: Option<String>,
    ) -> Result<Ruled, SessionError> {
        self.emit(Event::Decided {
            call_id: call.id.clone(),
            verdict: Verdict::Approved,
        })?;
        self.audit(AuditEntry::Decision {
            call_id: call.id.clone(),
            decision: "approve".into(),
            reason,
        })?;
        Ok(Ruled::Done(self.execute(&call.id, resolved, None).await?))
    }

    /// Carry out an approval, or say why the call is asked again.
    pub(super) async fn approve(
        &mut self,
        call: &ToolCall,
        resolved: &ResolvedCall,
        class: &Classification,
        confirm: Option<&str>,
        remember: bool,
    ) -> Result<Ruled, SessionError> {
        match self.gate.approve_call(
            class.class,
            Some(&resolved.tool),
            &resolved.target,
            &resolved.command,
            confirm,
            remember,
        ) {
            Ruling::AskAgain(why) => Ok(asked_again(resolved, class, why)),
            Ruling::Refuse(reason) => {
                self.refuse(&call.id, &reason)?;
                Ok(Ruled::Done(reason))
            }
            Ruling::Run { note } => {
                if let Some(note) = note {
                    self.warn(note)?;
                }
                let remembered = remember
                    .then(|| {
                        gate::remembered_prefix(
                            class.class,
                            Some(&resolved.tool),
                            &resolved.target,
                            &resolved.command,
                        )
                    })
                    .flatten();
                let reason = remembered
                    .as_ref()
                    .map(|p| format!("approved prefix `{}` for this incident", p.text));
                if let Some(prefix) = remembered {
                    self.emit(Event::PrefixRemembered {
                        call_id: call.id.clone(),
                        prefix: prefix.text,
                        class: prefix.class,
                        target: resolved.target.clone(),
                    })?;
                }
                self.run_approved(call, resolved, reason).await
            }
        }
    }

    /// Carry out an edit: re-resolve, re-classify, confirm, run; or say why the call is asked
    /// again (an edit the core cannot resolve leaves the proposal pending as it was).
    pub(super) async fn edit(
        &mut self,
        call: &ToolCall,
        original: &ResolvedCall,
        proposal: &Proposal,
        replacement: &str,
        confirm: Option<&str>,
    ) -> Result<Ruled, SessionError> {
        let core = Arc::clone(&self.core);
        let edited = match if let crate::tools::Program::Mcp(_) = &original.program {
            crate::mcp::resolve_edit(core.executor.mcp(), original, replacement)
        } else {
            core.tools
                .resolve_edit(original, replacement, &core.config.hosts)
        } {
            Ok(edited) => edited,
            Err(err) => {
                return Ok(Ruled::Reask(Reask {
                    why: format!("edit not accepted: {err}"),
                    command: proposal.command.clone(),
                    class: proposal.class,
                    class_reason: proposal.class_reason.clone(),
                    needs_confirm: proposal.needs_confirm,
                    edit: None,
                }));
            }
        };
        let class = crate::session::edit::classify_call(&edited);
        match self.gate.approve_call(
            class.class,
            Some(&edited.tool),
            &edited.target,
            &edited.command,
            confirm,
            false,
        ) {
            Ruling::AskAgain(warning) => Ok(Ruled::Reask(Reask {
                why: format!("the edited command is {}: {warning}", class.class.as_str()),
                command: edited.command.clone(),
                class: class.class,
                class_reason: class.reason.clone(),
                needs_confirm: gate::offer(class.class, &edited.command).needs_confirm,
                edit: Some(replacement.to_string()),
            })),
            Ruling::Refuse(reason) => {
                self.audit(AuditEntry::Edit {
                    call_id: call.id.clone(),
                    before: original.command.clone(),
                    after: edited.command.clone(),
                })?;
                let reason = format!(
                    "The operator edited your command to `{}`, but it was {reason}",
                    edited.command
                );
                self.refuse(&call.id, &reason)?;
                Ok(Ruled::Done(reason))
            }
            Ruling::Run { .. } => {
                self.audit(AuditEntry::Edit {
                    call_id: call.id.clone(),
                    before: original.command.clone(),
                    after: edited.command.clone(),
                })?;
                self.emit(Event::Decided {
                    call_id: call.id.clone(),
                    verdict: Verdict::Edited {
                        before: original.command.clone(),
                        after: edited.command.clone(),
                        class: Some(class.class),
                    },
                })?;
                self.audit(AuditEntry::Decision {
                    call_id: call.id.clone(),
                    decision: "approve".into(),
                    reason: Some(format!("edited ({})", class.class.as_str())),
                })?;
                // The tool result is redacted as a whole before it reaches the model.
                let result = self
                    .execute(
                        &call.id,
                        &edited,
                        Some((&original.command, &edited.command)),
                    )
                    .await?;
                self.learn_from_edit(&original.tool, &original.command, &edited.command)?;
                Ok(Ruled::Done(result))
            }
        }
    }

    /// Record the operator's rejection of `call_id` and return the model's tool result.
    pub(super) fn reject(&mut self, call_id: &str, reason: String) -> Result<String, SessionError> {
        let verdict = Verdict::Rejected {
            reason: reason.clone(),
        };
        self.emit(Event::Decided {
            call_id: call_id.to_string(),
            verdict: verdict.clone(),
        })?;
        self.audit(AuditEntry::Decision {
            call_id: call_id.to_string(),
            decision: "reject".into(),
            reason: Some(reason),
        })?;
        Ok(conversation::verdict_result(&verdict).unwrap_or_default())
    }

    /// Record a refusal by the core (not the operator).
    pub(super) fn refuse(&mut self, call_id: &str, reason: &str) -> Result<(), SessionError> {
        self.emit(Event::Decided {
            call_id: call_id.to_string(),
            verdict: Verdict::Refused {
                reason: reason.to_string(),
            },
        })?;
        self.audit(AuditEntry::Decision {
            call_id: call_id.to_string(),
            decision: "refused".into(),
            reason: Some(reason.to_string()),
        })
    }

    /// The operator stopped the session with calls pending: each still gets its one result.
    pub(super) fn stop_remaining(
        &mut self,
        current: &ToolCall,
        rest: VecDeque<(ToolCall, Item)>,
    ) -> Result<(), SessionError> {
        let reason = self.stop_reason();
        let content = self.reject(&current.id, reason)?;
        self.tool_result(&current.id, content)?;
        self.stop_rest(rest)
    }

    /// Why calls are rejected when the operator stops the session.
    fn stop_reason(&self) -> String {
        match &self.stop_note {
            Some(note) => format!("the operator resolved the incident: {note}; not run"),
            None => "the operator stopped the session; not run".to_string(),
        }
    }

    /// The calls of the turn that were not reached when the operator stopped the session:
    /// each gets its one result (rejected unless already known), then the session finishes.
    pub(super) fn stop_rest(
        &mut self,
        rest: VecDeque<(ToolCall, Item)>,
    ) -> Result<(), SessionError> {
        let reason = self.stop_reason();
        for (call, item) in rest {
            let content = match item {
                Item::Answered(content) => content,
                _ => self.reject(&call.id, reason.clone())?,
            };
            self.tool_result(&call.id, content)?;
        }
        self.finish_stopped()
    }
}

/// The call is asked again, unedited, and `why` says why.
pub(super) fn asked_again(resolved: &ResolvedCall, class: &Classification, why: String) -> Ruled {
    Ruled::Reask(Reask {
        why,
        command: resolved.command.clone(),
        class: class.class,
        class_reason: class.reason.clone(),
        needs_confirm: gate::offer(class.class, &resolved.command).needs_confirm,
        edit: None,
    })
}
