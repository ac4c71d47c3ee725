//! How the core's word on one tool call changes an incident: announced, asked, asked again,
//! decided. The queue and the panel follow the core; nothing here re-derives its rules.

use crate::protocol::{Proposal, Verdict};
use crate::text::{neutralize, neutralize_line};

use super::incident::Incident;
use super::transcript_store::{CallEntry, Entry};
use crate::protocol::Reask;

impl Incident {
    /// The transcript entry of a call, added the first time the call is seen.
    pub(super) fn call_proposed(&mut self, proposal: &Proposal) {
        if self.transcript.find_call(&proposal.call_id).is_some() {
            return;
        }
        self.calls.total += 1;
        self.transcript.push(Entry::Call(Box::new(CallEntry {
            call_id: proposal.call_id.clone(),
            tool: neutralize_line(&proposal.tool),
            target: proposal.target.clone(),
            command: super::apply_event::split_lines(&proposal.command),
            reason: proposal.reason.as_deref().map(super::apply_event::one_line),
            class: proposal.class,
            verdict: None,
            running: false,
            summary: None,
            output: None,
            live: None,
            started_path: None,
            started_at: None,
            remembered: None,
            asked_again: Vec::new(),
        })));
    }

    /// A call waits for the operator. A request for a call already queued is the core asking
    /// again (logs written before `ApprovalReasked`): it is pending again.
    pub(super) fn call_requested(&mut self, proposal: Proposal) {
        self.call_proposed(&proposal);
        self.decided.remove(&proposal.call_id);
        self.reasks.remove(&proposal.call_id);
        match self
            .queue
            .iter_mut()
            .find(|p| p.call_id == proposal.call_id)
        {
            Some(queued) => *queued = proposal,
            None => self.queue.push_back(proposal),
        }
    }

    /// The core did not accept a decision: the call is pending again, as the re-ask describes it.
    /// True when the operator should be asked for `yes` for an edit now.
    pub(super) fn call_reasked(&mut self, call_id: &str, reask: Reask) -> bool {
        if !self.queue.iter().any(|p| p.call_id == call_id) {
            return false;
        }
        self.decided.remove(call_id);
        let ask_yes = reask.edit.is_some() && reask.needs_confirm;
        self.reasks.insert(call_id.to_string(), reask);
        ask_yes
    }

    /// The gate decided a call: it leaves the queue and its verdict goes into the transcript.
    pub(super) fn call_decided(&mut self, call_id: &str, verdict: Verdict) {
        let before = self.queue.len();
        self.queue.retain(|p| p.call_id != call_id);
        self.batch_done = if self.queue.is_empty() {
            0
        } else {
            self.batch_done + before - self.queue.len()
        };
        self.decided.remove(call_id);
        self.reasks.remove(call_id);
        self.edit_drafts.remove(call_id);
        let verdict = match verdict {
            Verdict::AutoApproved { rule } => {
                self.calls.auto += 1;
                Verdict::AutoApproved {
                    rule: neutralize_line(&rule),
                }
            }
            Verdict::Refused { reason } => {
                self.calls.refused += 1;
                Verdict::Refused {
                    reason: neutralize_line(&reason),
                }
            }
            Verdict::Edited {
                before,
                after,
                class,
            } => Verdict::Edited {
                before: neutralize(&before),
                after: neutralize(&after),
                class,
            },
            Verdict::Rejected { reason } => Verdict::Rejected {
                reason: neutralize_line(&reason),
            },
            Verdict::Approved => Verdict::Approved,
        };
        if let Some(i) = self.transcript.find_call(call_id) {
            self.transcript.update(i, |entry| {
                if let Entry::Call(call) = entry {
                    call.verdict = Some(verdict);
                }
            });
        }
    }
}
