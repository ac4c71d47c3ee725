//! Session notifications through `[notify]`: "awaiting approval" (rate-limited per session by
//! the notifier), "failed", and the diagnosis (the model's final text) when the model
//! finishes. Sends run in the background and never block or fail the session.

use crate::alert::Alert;
use crate::notify::{Notice, Notifier, Ran, Trigger};
use crate::protocol::{Event, SessionState, Target, Verdict};
use crate::session::Core;

/// Reason `finish` gives when the model answered without tool calls.
const MODEL_FINISHED: &str = "the model finished";

/// What one session has told its notifier so far.
pub(crate) struct SessionNotifier {
    notifier: Notifier,
    incident: String,
    title: String,
    severity: String,
    what_happened: String,
    /// Who approved the call about to run (by call id order: the last verdict).
    last_verdict: Option<String>,
    ran: Vec<Ran>,
    /// The model's latest text (the diagnosis when it finishes).
    last_text: String,
    /// The call running now is on a Docker container (its result carries a verdict).
    docker_call: bool,
    /// Verified / unverified resolution, carried by the "resolved" notice.
    resolution: crate::session::resolution::Tracker,
}

impl SessionNotifier {
    /// None when `[notify]` has no channel.
    pub(crate) fn new(core: &Core, session_id: &str) -> Option<SessionNotifier> {
        core.notifier().map(|notifier| SessionNotifier {
            notifier,
            incident: session_id.to_string(),
            title: String::new(),
            severity: String::new(),
            what_happened: String::new(),
            last_verdict: None,
            ran: Vec::new(),
            last_text: String::new(),
            docker_call: false,
            resolution: Default::default(),
        })
    }

    /// The incident the notices are about (a resumed session has no SessionStarted event).
    pub(crate) fn set_alert(&mut self, alert: &Alert) {
        self.title = alert.title.clone();
        self.severity = alert.severity.clone().unwrap_or_default();
        self.what_happened = alert
            .description
            .clone()
            .unwrap_or_else(|| alert.title.clone());
    }

    fn notice(&self, trigger: Trigger, diagnosis: Option<String>) -> Notice {
        Notice {
            trigger,
            incident: crate::session::incident_link::notice_id(&self.incident),
            severity: self.severity.clone(),
            title: self.title.clone(),
            what_happened: self.what_happened.clone(),
            ran: self.ran.clone(),
            verification: self
                .ran
                .iter()
                .rev()
                .filter_map(|r| r.result.as_deref())
                .find_map(|r| r.lines().find(|l| l.starts_with('✔') || l.starts_with('✘')))
                .map(str::to_string),
            diagnosis,
        }
    }

    /// Look at one session event before it is logged; send what it calls for.
    pub(crate) fn on_event(&mut self, event: &Event) {
        self.resolution.observe(event);
        match event {
            Event::SessionStarted { alert, .. } => self.set_alert(alert),
            Event::ModelText { text, .. } => self.last_text = text.clone(),
            Event::ApprovalRequested { proposal } => {
                let mut notice = self.notice(Trigger::AwaitingApproval, None);
                notice.what_happened = format!(
                    "{}\nwaiting for approval ({:?}): {} on {}",
                    self.what_happened, proposal.class, proposal.command, proposal.target
                );
                self.notifier.notify(notice);
            }
            Event::Decided { verdict, .. } => {
                self.last_verdict = match verdict {
                    Verdict::Approved | Verdict::Edited { .. } => Some("operator".into()),
                    Verdict::AutoApproved { rule } => Some(rule.clone()),
                    _ => None,
                };
            }
            Event::ExecStarted {
                command, target, ..
            } => {
                self.docker_call = matches!(target, Target::Docker { .. });
                self.ran.push(Ran {
                    command: command.clone(),
                    approved_by: self
                        .last_verdict
                        .take()
                        .unwrap_or_else(|| "operator".into()),
                    result: None,
                })
            }
            Event::ToolResult { content, .. } => {
                if let Some(last) = self.ran.last_mut()
                    && last.result.is_none()
                {
                    last.result = Some(content.chars().take(2000).collect());
                }
                // A restart or start on a container whose verification failed.
                if std::mem::take(&mut self.docker_call)
                    && content.lines().any(|l| l.starts_with("✘ "))
                {
                    let notice = self.notice(Trigger::VerificationFailed, None);
                    self.notifier.notify(notice);
                }
            }
            Event::Finished { state, reason } => {
                let notice = match state {
                    SessionState::Failed => {
                        let mut n = self.notice(Trigger::Failed, None);
                        n.what_happened =
                            format!("{}\nthe session failed: {reason}", n.what_happened);
                        n
                    }
                    SessionState::Done if reason == MODEL_FINISHED => {
                        let diagnosis = self.last_text.trim().to_string();
                        let mut n = self.notice(
                            Trigger::Resolved,
                            (!diagnosis.is_empty()).then_some(diagnosis),
                        );
                        // A tool's own verdict (a Docker restart's "✔ verified") stays as is.
                        if n.verification.is_none()
                            && let Some(state) = self.resolution.state()
                        {
                            n.verification = Some(format!("resolution: {}", state.label()));
                        }
                        n
                    }
                    _ => return,
                };
                self.notifier.notify(notice);
            }
            _ => {}
        }
    }
}
