//! The export's one model of a session: built once from the session log and the audit log,
//! with every text redacted, then rendered by each format.

use serde::Serialize;

use super::views::{audit_view, call_view, decision_view, exec_view};
use crate::audit::Record;
use crate::policy::Redactor;
use crate::protocol::{Event, EventEnvelope};

/// `schema` of the JSON export.
pub const SCHEMA: &str = "opsassist.export.v1";

/// One session as a postmortem timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub schema: &'static str,
    pub session_id: String,
    pub started_at: String,
    pub provider: String,
    pub model: String,
    pub mode: String,
    pub alert: AlertView,
    pub entries: Vec<Entry>,
    pub outcome: Option<Outcome>,
    /// `verified`, `unverified` or `resolved by operator` (None: nothing was changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The operator's note when they declared it resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<String>,
    pub audit: AuditView,
}

/// The alert, normalized and raw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertView {
    pub source: String,
    pub title: String,
    pub severity: Option<String>,
    pub status: String,
    pub host: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<String>,
    pub url: Option<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// The original payload, pretty-printed and redacted.
    pub raw: String,
}

/// How the session ended.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub at: String,
    pub state: String,
    pub reason: String,
}

/// One step of the timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// Text the model wrote (thinking is never included).
    ModelMessage { at: String, text: String },
    /// A follow-up message from the operator.
    OperatorMessage { at: String, text: String },
    /// A proposed tool call, its decision and its execution.
    Call(Box<CallView>),
    /// A note, warning or error the session raised.
    Note {
        at: String,
        level: String,
        text: String,
    },
}

/// One tool call from proposal to result.
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub call_id: String,
    pub at: String,
    pub tool: String,
    pub target: String,
    pub command: String,
    pub class: String,
    pub class_reason: String,
    pub reason: Option<String>,
    /// Each time the core did not accept a decision and asked again: why.
    pub reasked: Vec<String>,
    pub decision: Option<DecisionView>,
    pub execution: Option<ExecView>,
}

/// The gate's verdict on a call, with who decided and when (from the audit log).
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    /// `approved`, `auto_approved`, `edited`, `rejected` or `refused`.
    pub kind: String,
    /// Why: the auto-approval rule, the rejection or refusal reason.
    pub detail: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Line diff of an edit (`- ` before, `+ ` after).
    pub diff: Option<String>,
    pub class_after: Option<String>,
    pub at: String,
    /// The operator recorded in the audit log for this call's decision.
    pub operator: Option<String>,
    pub audit_time: Option<String>,
}

/// One execution's result.
#[derive(Debug, Clone, Serialize)]
pub struct ExecView {
    pub at: String,
    pub command: String,
    /// Human summary: `exit 0`, `killed by signal 9`, `timed out`, `interrupted: outcome unknown`…
    pub status: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub timed_out: bool,
    pub interrupted: bool,
    pub connection_error: Option<String>,
    pub output_bytes: u64,
    pub output_sha256: String,
    pub redactions: usize,
    pub excerpt: String,
    pub excerpt_truncated: bool,
}

/// The audit records of this session and the hashes that bound them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditView {
    pub first_hash: Option<String>,
    pub last_hash: Option<String>,
    pub records: Vec<AuditRef>,
}

/// One audit record of this session.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRef {
    pub seq: u64,
    pub time: String,
    pub operator: String,
    pub kind: String,
    pub call_id: Option<String>,
    pub hash: String,
}

fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Timeline {
    /// The timeline of session `id` from its events and every audit record (other sessions'
    /// records are ignored). Every text passes through `redactor`.
    pub fn build(
        id: &str,
        events: &[EventEnvelope],
        records: &[Record],
        redactor: &Redactor,
    ) -> Timeline {
        let r = |text: &str| redactor.redact(text).text;
        let own: Vec<&Record> = records.iter().filter(|rec| rec.session == id).collect();
        let mut t = Timeline {
            schema: SCHEMA,
            session_id: id.to_string(),
            started_at: String::new(),
            provider: String::new(),
            model: String::new(),
            mode: String::new(),
            alert: AlertView::default(),
            entries: Vec::new(),
            outcome: None,
            resolution: None,
            resolution_note: None,
            audit: audit_view(&own),
        };
        let resolution = crate::session::resolution::of_events(events.iter().map(|e| &e.event));
        if let Some(state) = resolution {
            t.resolution = Some(state.label().to_string());
            if let crate::session::resolution::Resolution::ResolvedByOperator { note } = &state {
                t.resolution_note = Some(r(note));
            }
        }
        for env in events {
            let at = time(&env.at);
            match &env.event {
                Event::SessionStarted {
                    alert,
                    provider,
                    model,
                    mode,
                } => {
                    t.started_at = at;
                    t.provider = r(provider);
                    t.model = r(model);
                    t.mode = format!("{mode:?}").to_lowercase();
                    let raw = serde_json::to_string_pretty(&alert.raw.value()).unwrap_or_default();
                    t.alert = AlertView {
                        source: alert.source.name().to_string(),
                        title: r(&alert.title),
                        severity: alert.severity.as_deref().map(r),
                        status: alert.status.name().to_string(),
                        host: alert.host.as_deref().map(r),
                        description: alert.description.as_deref().map(r),
                        starts_at: alert.starts_at.as_deref().map(r),
                        url: alert.url.as_deref().map(r),
                        labels: alert.labels.iter().map(|(k, v)| (r(k), r(v))).collect(),
                        raw: r(&raw),
                    };
                }
                Event::ModelText { text, .. } if !text.trim().is_empty() => {
                    t.entries.push(Entry::ModelMessage { at, text: r(text) });
                }
                Event::UserMessage { text } => {
                    t.entries.push(Entry::OperatorMessage { at, text: r(text) });
                }
                // Older logs have no CallProposed: there the approval request is the proposal.
                Event::CallProposed { proposal } | Event::ApprovalRequested { proposal }
                    if t.call_mut(&proposal.call_id).is_none() =>
                {
                    t.entries
                        .push(Entry::Call(Box::new(call_view(proposal, at, &r))));
                }
                Event::ApprovalReasked(crate::protocol::Reask { call_id, why, .. }) => {
                    if let Some(call) = t.call_mut(call_id) {
                        call.reasked.push(r(why));
                    }
                }
                Event::Decided { call_id, verdict } => {
                    let decision = decision_view(verdict, at, call_id, &own, &r);
                    if let Some(call) = t.call_mut(call_id) {
                        call.decision = Some(decision);
                    }
                }
                Event::ExecFinished { summary } => {
                    let exec = exec_view(summary, at, redactor);
                    if let Some(call) = t.call_mut(&summary.call_id) {
                        call.execution = Some(exec);
                    }
                }
                Event::Note { message } => t.note(at, "note", r(message)),
                Event::Warning { message } => t.note(at, "warning", r(message)),
                Event::Error { message } => t.note(at, "error", r(message)),
                Event::Finished { state, reason } => {
                    t.outcome = Some(Outcome {
                        at,
                        state: state.label().to_string(),
                        reason: r(reason),
                    });
                }
                // Deltas repeat ModelText; thinking is omitted; the rest is plumbing.
                _ => {}
            }
        }
        t
    }

    fn note(&mut self, at: String, level: &str, text: String) {
        self.entries.push(Entry::Note {
            at,
            level: level.to_string(),
            text,
        });
    }

    fn call_mut(&mut self, call_id: &str) -> Option<&mut CallView> {
        self.entries.iter_mut().rev().find_map(|e| match e {
            Entry::Call(c) if c.call_id == call_id => Some(c.as_mut()),
            _ => None,
        })
    }
}
