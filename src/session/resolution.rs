//! Verified resolution: whether a change the model made was checked afterwards. The state is
//! derived from the session's events alone (so the log, the export, the eval report and
//! notifications agree), and the agent uses the same tracker to ask the model, once, to verify
//! when it ends a turn after a change with no read-only call since.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::policy::Class;
use crate::protocol::{Event, Verdict};

/// The message the core sends when the model ends its turn without checking its change.
pub const VERIFY_PROMPT: &str = "Before you conclude: a change ran and nothing has checked its \
effect since. Verify that the symptom is gone with a read-only command (for example the same \
check that showed the problem), then give your final answer.";

/// What an incident's resolution rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resolution {
    /// A read-only call ran after the last change.
    Verified,
    /// A change ran and nothing checked it since.
    Unverified,
    /// The operator declared it resolved, with a note (set by the console, not derived).
    ResolvedByOperator { note: String },
}

impl Resolution {
    /// "verified", "unverified", "resolved by operator".
    pub fn label(&self) -> &'static str {
        match self {
            Resolution::Verified => "verified",
            Resolution::Unverified => "unverified",
            Resolution::ResolvedByOperator { .. } => "resolved by operator",
        }
    }
}

/// Follows a session's events and knows whether its last change was checked.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    class: HashMap<String, Class>,
    changed: bool,
    checked_since: bool,
    verify_asked: bool,
    operator: Option<String>,
    /// The call id of the last change that ran.
    last_change: Option<String>,
}

impl Tracker {
    /// Feed one event, in log order.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::CallProposed { proposal } => {
                self.class.insert(proposal.call_id.clone(), proposal.class);
            }
            Event::Decided {
                call_id,
                verdict:
                    Verdict::Edited {
                        class: Some(class), ..
                    },
            } => {
                self.class.insert(call_id.clone(), *class);
            }
            Event::ExecFinished { summary } => {
                match self.class.get(&summary.call_id) {
                    Some(Class::ReadOnly) => {
                        if self.changed {
                            self.checked_since = true;
                        }
                    }
                    // Unknown calls (an old log) count as changes: nothing proves otherwise.
                    _ => {
                        self.changed = true;
                        self.checked_since = false;
                        self.last_change = Some(summary.call_id.clone());
                    }
                }
            }
            // A tool that checks its own effect (a Docker restart waits and reports
            // "✔ verified: running for 2 s") has verified its change.
            Event::ToolResult { call_id, content }
                if self.changed
                    && self.last_change.as_deref() == Some(call_id.as_str())
                    && content.lines().any(|l| l.starts_with("✔ verified")) =>
            {
                self.checked_since = true;
            }
            Event::UserMessage { text } if text == VERIFY_PROMPT => self.verify_asked = true,
            Event::Resolved { note } => self.resolve_by_operator(note),
            _ => {}
        }
    }

    /// The operator declared the incident resolved.
    pub fn resolve_by_operator(&mut self, note: &str) {
        self.operator = Some(note.to_string());
    }

    /// The state now; None while nothing changed and the operator said nothing.
    pub fn state(&self) -> Option<Resolution> {
        if let Some(note) = &self.operator {
            return Some(Resolution::ResolvedByOperator { note: note.clone() });
        }
        match (self.changed, self.checked_since) {
            (false, _) => None,
            (true, true) => Some(Resolution::Verified),
            (true, false) => Some(Resolution::Unverified),
        }
    }

    /// The model ended a turn: ask it to verify? Yes once per session, when a change ran and
    /// no read-only call since.
    pub fn should_ask_to_verify(&self) -> bool {
        self.changed && !self.checked_since && !self.verify_asked && self.operator.is_none()
    }
}

/// The resolution state of a whole log.
pub fn of_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Resolution> {
    let mut tracker = Tracker::default();
    for event in events {
        tracker.observe(event);
    }
    tracker.state()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ExecSummary, Proposal, Target};

    fn proposed(id: &str, class: Class) -> Event {
        Event::CallProposed {
            proposal: Proposal {
                call_id: id.into(),
                tool: "local_shell".into(),
                target: Target::Local,
                command: "x".into(),
                arguments: "{}".into(),
                reason: None,
                class,
                class_reason: String::new(),
                shell: true,
                needs_confirm: false,
                prefix: None,
                decisions: vec![],
                scopes: vec![],
                recovered_from_text: false,
                host_warning: None,
                scope_examples: None,
            },
        }
    }

    fn ran(id: &str) -> Event {
        Event::ExecFinished {
            summary: Box::new(ExecSummary {
                call_id: id.into(),
                target: Target::Local,
                command: "x".into(),
                exit_code: Some(0),
                signal: None,
                duration_ms: 1,
                timed_out: false,
                connection_error: None,
                stdout_bytes: 0,
                stderr_bytes: 0,
                output_sha256: String::new(),
                output_path: String::new(),
                redactions: 0,
                model_output: String::new(),
                interrupted: false,
                cancelled: false,
                dropped_bytes: 0,
            }),
        }
    }

    #[test]
    fn a_change_is_unverified_until_a_read_only_call_runs_after_it() {
        let mut t = Tracker::default();
        t.observe(&proposed("a", Class::ReadOnly));
        t.observe(&ran("a"));
        assert_eq!(t.state(), None);
        assert!(!t.should_ask_to_verify());
        t.observe(&proposed("b", Class::Change));
        t.observe(&ran("b"));
        assert_eq!(t.state(), Some(Resolution::Unverified));
        assert!(t.should_ask_to_verify());
        t.observe(&Event::UserMessage {
            text: VERIFY_PROMPT.into(),
        });
        assert!(!t.should_ask_to_verify(), "asked once only");
        t.observe(&proposed("c", Class::ReadOnly));
        t.observe(&ran("c"));
        assert_eq!(t.state(), Some(Resolution::Verified));
        // An edit to a destructive command is a change again.
        t.observe(&proposed("d", Class::ReadOnly));
        t.observe(&Event::Decided {
            call_id: "d".into(),
            verdict: Verdict::Edited {
                before: "x".into(),
                after: "y".into(),
                class: Some(Class::Destructive),
            },
        });
        t.observe(&ran("d"));
        assert_eq!(t.state(), Some(Resolution::Unverified));
        // A tool that verifies its own change (Docker restart) counts as the check.
        t.observe(&proposed("e", Class::Change));
        t.observe(&ran("e"));
        t.observe(&Event::ToolResult {
            call_id: "e".into(),
            content: "restarted web\n✔ verified: running for 2 s".into(),
        });
        assert_eq!(t.state(), Some(Resolution::Verified));
        assert!(!t.should_ask_to_verify());
        t.resolve_by_operator("restarted by hand");
        assert_eq!(t.state().map(|s| s.label()), Some("resolved by operator"));
    }

    #[test]
    fn the_operators_resolution_is_read_from_the_log() {
        let events = [
            proposed("c1", Class::Change),
            ran("c1"),
            Event::Resolved {
                note: "rolled back by hand".into(),
            },
        ];
        assert_eq!(
            of_events(events.iter()),
            Some(Resolution::ResolvedByOperator {
                note: "rolled back by hand".into()
            })
        );
    }
}
