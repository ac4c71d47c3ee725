//! The one protocol between the UI-free core and its front ends: `Op` goes in, `Event` comes out.
//!
//! Every `Event` is appended to the session log (as an [`EventEnvelope`]) before any front end
//! sees it, so a front end can always be rebuilt from the log alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::policy::Class;

/// Where a tool call runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// On the machine running opsassist.
    Local,
    /// On an inventory host, through the system `ssh`. `host` is the inventory name.
    Ssh { host: String },
    /// A watched Docker container, through the Engine API. `container` is its name.
    Docker { container: String },
    /// An `[[mcp]]` tool server, through its MCP connection. `server` is its config name.
    Mcp { server: String },
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Local => f.write_str("local"),
            Target::Ssh { host } => write!(f, "ssh: {host}"),
            Target::Docker { container } => write!(f, "docker: {container}"),
            Target::Mcp { server } => write!(f, "mcp: {server}"),
        }
    }
}

/// How the session is allowed to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Diagnose only: only `read-only` commands may run, even when approved.
    Check,
    /// Everything may run once approved (the default).
    #[default]
    Heal,
}

/// An operator's input to a running session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// The operator's decision on the pending tool call `call_id`.
    Decide { call_id: String, decision: Decision },
    /// A follow-up message to the model; resumes a session that has finished its turn.
    UserMessage { text: String },
    /// Stop the session: pending calls are rejected, nothing more runs.
    Shutdown,
    /// The operator marks the incident resolved with a note: the session logs it as
    /// [`Event::Resolved`] (front ends archive the incident) and goes on.
    Resolve { note: String },
    /// The operator resolves the incident and stops its work (`D` on a busy incident): the
    /// model turn is interrupted, a running command cancelled as [`Op::Cancel`] does, and the
    /// waiting calls are rejected with the note as the reason; then [`Event::Resolved`] and
    /// [`Event::Finished`]. The model gets no new request. On an idle session it is
    /// [`Op::Resolve`].
    ResolveAndStop { note: String },
    /// The alert's source changed its status (resolved, or fired again): the session logs
    /// it as [`Event::SourceStatus`] and goes on; the operator decides what to do.
    SourceStatus {
        status: SourceStatus,
        at: DateTime<Utc>,
        source: String,
    },
    /// Cancel the running command (`call_id`, or whichever runs when None): TERM to its
    /// process group, KILL after `[limits] cancel_grace_secs`. The model is told.
    Cancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
    },
    /// Interrupt the model turn that is streaming or waiting; the session waits for the
    /// operator (a message, or [`Op::Retry`]).
    Interrupt,
    /// Send the last turn again after it failed or was interrupted, without a new message.
    Retry,
    /// Forget a prefix remembered for this incident ([`Event::PrefixRemembered`]) on
    /// `target`: later calls it covered are asked again. Answered by
    /// [`Event::PrefixForgotten`] (or a warning when no such prefix is remembered).
    ForgetPrefix { prefix: String, target: Target },
}

/// What the alert's source said about it after the session started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// The source says the alert ended.
    Resolved,
    /// The alert fired again after it was resolved.
    FiredAgain,
}

impl SourceStatus {
    /// One transcript line: "✔ resolved at source at 03:12:04 (alertmanager)".
    pub fn line(self, at: DateTime<Utc>, source: &str) -> String {
        let time = at.format("%H:%M:%S");
        let source = crate::text::neutralize_line(source);
        match self {
            SourceStatus::Resolved => format!("✔ resolved at source at {time} ({source})"),
            SourceStatus::FiredAgain => format!("↺ fired again at {time} ({source})"),
        }
    }
}

/// What the operator decided about one proposed tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// Run the call as proposed. Destructive commands need `confirm == Some("yes")`.
    Approve { confirm: Option<String> },
    /// Run as proposed and approve later calls with the same normalized prefix in this incident.
    ApprovePrefix,
    /// Run as proposed and write an allow rule for its prefix, for good, to the operator's
    /// personal rules file (`scope` is one of the proposal's [`Proposal::scopes`] other than
    /// [`RuleScope::Incident`], which is [`Decision::ApprovePrefix`]).
    ApproveRule { scope: RuleScope },
    /// Run an edited version. For shell tools `replacement` is the new command line; for other
    /// tools it is the new JSON arguments. Destructive edits need `confirm == Some("yes")`.
    Edit {
        replacement: String,
        confirm: Option<String>,
    },
    /// Do not run; the model is told it was rejected and why.
    Reject { reason: String },
}

/// The decisions a front end may offer for one pending call (codex-rs's `available_decisions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// [`Decision::Approve`] (with `yes` when the proposal `needs_confirm`).
    Approve,
    /// [`Decision::ApprovePrefix`]: remembers [`Proposal::prefix`].
    ApprovePrefix,
    /// [`Decision::Edit`].
    Edit,
    /// [`Decision::Reject`].
    Reject,
}

/// How long and where a prefix approval holds, as the core offers it for one pending call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleScope {
    /// The rest of this incident (a remembered prefix, nothing written).
    Incident,
    /// This target for good: `host` is the rule target (`local`, an inventory host name or
    /// `docker:NAME`).
    Host { host: String },
    /// Every host with this inventory tag, for good.
    Tag { tag: String },
}

impl RuleScope {
    /// "this incident", "host web01 for good", "tag prod for good".
    pub fn label(&self) -> String {
        match self {
            RuleScope::Incident => "this incident".into(),
            RuleScope::Host { host } => {
                format!("host {} for good", crate::text::neutralize_line(host))
            }
            RuleScope::Tag { tag } => format!("tag {} for good", crate::text::neutralize_line(tag)),
        }
    }

    /// The rule target this scope writes (`None` for the incident scope).
    pub fn rule_target(&self) -> Option<String> {
        match self {
            RuleScope::Incident => None,
            RuleScope::Host { host } => Some(host.clone()),
            RuleScope::Tag { tag } => Some(format!("tag:{tag}")),
        }
    }
}

/// One approval rule in force, as a front end lists it (the rules view). `revocable` is
/// decided by the core: only the operator's personal rules can be revoked from a console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub name: String,
    /// `allow`, `ask` or `forbid`.
    pub action: String,
    /// `file:line` of its `[[rule]]` header.
    pub origin: String,
    /// Empty: every target.
    pub targets: Vec<String>,
    /// Empty: every tool.
    pub tools: Vec<String>,
    pub prefix: String,
    pub reason: String,
    pub revocable: bool,
}

fn default_decisions() -> Vec<DecisionKind> {
    vec![
        DecisionKind::Approve,
        DecisionKind::Edit,
        DecisionKind::Reject,
    ]
}

/// A tool call the model proposed, as the core classified it and what the operator may do about
/// it. Front ends render these fields; they never re-derive them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The model's tool-call id.
    pub call_id: String,
    /// Tool name from tools.toml.
    pub tool: String,
    /// Where it would run.
    pub target: Target,
    /// The exact command that would run: the shell string, or the argv rendered with shell quoting.
    pub command: String,
    /// The arguments as the model sent them (JSON text, possibly invalid).
    pub arguments: String,
    /// The model's stated reason, if it gave one.
    pub reason: Option<String>,
    /// Policy class of `command`.
    pub class: Class,
    /// Why the class was chosen (e.g. "chained commands", "unknown command `foo`").
    pub class_reason: String,
    /// True when `replacement` in an edit is a shell command line rather than JSON.
    pub shell: bool,
    /// Approving needs the typed word `yes` (decided by the core's gate).
    #[serde(default)]
    pub needs_confirm: bool,
    /// Exactly what [`Decision::ApprovePrefix`] would remember; None when it is not offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The decisions the core accepts for this call (logs older than this field: all but the
    /// prefix approval).
    #[serde(default = "default_decisions")]
    pub decisions: Vec<DecisionKind>,
    /// The scopes `A` may offer, decided by the core: [`RuleScope::Incident`] when a prefix
    /// is offered, then the "for good" ones whose rule the core would write and load (never
    /// for destructive or unprefixable calls). Empty in logs older than this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<RuleScope>,
    /// The call was recovered from the model's text, not a native tool call. Absent (false)
    /// in older logs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recovered_from_text: bool,
    /// Set when the alert names a host and this call runs elsewhere (decided by the core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_warning: Option<String>,
    /// What the offered prefix covers and what it does not (two commands each, checked with
    /// the gate's own coverage test), for the scope prompt; None when no prefix is offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_examples: Option<crate::policy::ScopeExamples>,
}

impl Proposal {
    /// Whether the core accepts `kind` for this call.
    pub fn allows(&self, kind: DecisionKind) -> bool {
        self.decisions.contains(&kind)
    }
}

/// The outcome of the gate for one call, as recorded in the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// The operator approved ("✔ approved").
    Approved,
    /// Approved without asking: `auto` read-only mode, or a remembered prefix.
    AutoApproved { rule: String },
    /// The operator edited the call before running it ("✎ edited"); `class` is the class of
    /// `after`, what actually ran (absent in logs written before it existed).
    Edited {
        before: String,
        after: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<Class>,
    },
    /// The operator rejected the call ("✘ rejected: reason").
    Rejected { reason: String },
    /// The core refused it: check mode, unknown host, invalid arguments, missing confirmation…
    Refused { reason: String },
}

/// The process group a call runs in, as `ExecStarted` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessGroup {
    /// The process group id (its leader's pid).
    pub pgid: i32,
    /// The leader's start time in clock ticks after boot (`/proc/PID/stat`), telling the
    /// group from a later process that got the same pid (0: unknown).
    #[serde(default)]
    pub start_ticks: u64,
    /// The kernel's boot id at the start (a group cannot outlive a reboot; empty: unknown).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub boot_id: String,
}

/// Final state of one execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecSummary {
    pub call_id: String,
    pub target: Target,
    /// The command that actually ran.
    pub command: String,
    /// Exit code, when the process exited normally.
    pub exit_code: Option<i32>,
    /// Signal number, when it was killed by one.
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub timed_out: bool,
    /// Set when ssh itself failed (exit 255: auth, host key, unreachable), not the command.
    pub connection_error: Option<String>,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// sha256 (hex) of the full captured output as stored on disk.
    pub output_sha256: String,
    /// Where the full output is kept (mode 0600).
    pub output_path: String,
    /// Number of secrets masked before the output reached the model.
    pub redactions: usize,
    /// The capped, redacted text sent to the model.
    pub model_output: String,
    /// The command was running when opsassist died (crash, kill): crash recovery recorded
    /// this summary, the outcome is unknown and the command was not re-run. `exit_code`,
    /// `signal` and `connection_error` are `None`, `duration_ms` is 0, `stdout_bytes` is the
    /// size of the output file found at recovery (stdout and stderr as captured, interleaved),
    /// `stderr_bytes` is 0, `output_sha256` is that file's hash (empty when there was none),
    /// and `model_output` is "interrupted: outcome unknown". Absent (false) in older logs.
    #[serde(default)]
    pub interrupted: bool,
    /// The operator cancelled the command while it ran (absent, false, in older logs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// Bytes of output left out of the output file by `[limits] max_output_file_bytes`
    /// (its head and tail are kept). Absent (0) in older logs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_bytes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_no_count(n: &usize) -> bool {
    *n == 0
}

/// Coarse state of an incident, as shown in the incident list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    New,
    Investigating,
    AwaitingApproval,
    Running,
    /// The model finished its answer; a follow-up message resumes it.
    Done,
    Failed,
    /// The process died while this session was open; a command may have been interrupted.
    Interrupted,
}

impl SessionState {
    /// Lower-case label used in lists ("awaiting approval").
    pub fn label(self) -> &'static str {
        match self {
            SessionState::New => "new",
            SessionState::Investigating => "investigating",
            SessionState::AwaitingApproval => "awaiting approval",
            SessionState::Running => "running",
            SessionState::Done => "done",
            SessionState::Failed => "failed",
            SessionState::Interrupted => "interrupted",
        }
    }
}

/// Something that happened in a session. Front ends render these; the log stores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A session opened for an alert.
    SessionStarted {
        alert: Box<Alert>,
        provider: String,
        model: String,
        mode: Mode,
    },
    /// The exact system and first user prompt sent to the model (logged right after
    /// `SessionStarted` so a resumed session rebuilds the same conversation). Front ends may
    /// ignore it. `redactions`: secret values masked in the alert before it reached the model
    /// (absent in older logs), counted with the ones masked in command output.
    Prompt {
        system: String,
        user: String,
        #[serde(default, skip_serializing_if = "is_no_count")]
        redactions: usize,
    },
    /// The session changed state.
    State { state: SessionState },
    /// A streamed piece of model text.
    ModelDelta { text: String },
    /// The model's complete text for one turn (may be empty when it only calls tools).
    /// `tool_calls` are the calls exactly as the model made them, kept so a resumed session
    /// can rebuild the conversation; front ends show them through `ApprovalRequested`.
    ModelText {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<crate::llm::ToolCall>,
    },
    /// The operator's follow-up message.
    UserMessage { text: String },
    /// A tool call the model made, resolved and classified, before the gate rules on it. Every
    /// call gets one (auto-approved and refused ones too), so every front end can show it.
    /// Calls the core could not resolve carry the raw arguments as `command`.
    CallProposed { proposal: Proposal },
    /// A tool call waits for the operator.
    ApprovalRequested { proposal: Proposal },
    /// The core did not accept a decision on `call_id`; the call is pending again, as the
    /// gate offers it now ([`Reask::offer`]).
    ApprovalReasked(Reask),
    /// The gate decided a call.
    Decided { call_id: String, verdict: Verdict },
    /// An approval of `call_id` remembered `prefix` on `target` for the rest of this incident
    /// (logged just before its `Decided`): later calls it covers run without asking.
    PrefixRemembered {
        call_id: String,
        prefix: String,
        class: Class,
        target: Target,
    },
    /// The operator revoked a remembered prefix ([`Op::ForgetPrefix`]).
    PrefixForgotten { prefix: String, target: Target },
    /// A call started running.
    ExecStarted {
        call_id: String,
        target: Target,
        command: String,
        /// The file the executor streams the call's output to while it runs (front ends may
        /// tail it for live output). Absent in logs written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output_path: Option<String>,
        /// The process group the command was started in (for ssh: the local `ssh`'s), so a
        /// restarted opsassist can find a command that outlived it. The command is held at a
        /// gate until this event is durable. Absent for Docker calls, when the spawn failed,
        /// and in logs written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<ProcessGroup>,
    },
    /// A call finished (or failed to start, or timed out).
    ExecFinished { summary: Box<ExecSummary> },
    /// The tool-result message sent to the model for `call_id` (exactly one per call).
    ToolResult { call_id: String, content: String },
    /// Token usage reported by the provider for a turn.
    Usage {
        prompt_tokens: u64,
        completion_tokens: u64,
    },
    /// Provider connectivity changed (`connected == false` carries the reason).
    Connection { connected: bool, detail: String },
    /// Something the operator should know that is not a problem (e.g. past corrections on
    /// similar alerts were added to the prompt). Front ends may show it as an info line.
    Note { message: String },
    /// The past operator corrections added to this session's prompt as examples (logged just
    /// before the [`Event::Note`] that names them): a console lists them and can forget one
    /// ([`DeskOp::ForgetCorrection`]).
    CorrectionsUsed { examples: Vec<UsedCorrection> },
    /// A recoverable problem the operator should see (retrying, torn log line cut, …).
    Warning { message: String },
    /// A problem that stopped the current turn; the session stays usable.
    Error { message: String },
    /// The model finished, the step limit was hit, or the operator stopped the session.
    Finished { state: SessionState, reason: String },
    /// A streamed piece of the model's reasoning (Ollama `thinking`, OpenAI-compatible
    /// `reasoning_content`). Logged and shown collapsed; never sent back to the model.
    ThinkingDelta {
        #[serde(default)]
        text: String,
    },
    /// The operator marked the incident resolved, with a note. Later activity reopens it.
    Resolved { note: String },
    /// The alert's source resolved it, or it fired again (sent by a console that follows
    /// the inbox). The session is not stopped.
    SourceStatus {
        status: SourceStatus,
        at: DateTime<Utc>,
        source: String,
    },
}

/// An [`Event`] with its place in the session log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub session_id: String,
    /// Position in the session log, starting at 1.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_started_from_an_old_log_parses_without_output_path() {
        let line = r#"{"session_id":"s1","seq":7,"at":"2024-05-01T03:00:00Z","event":{"type":"exec_started","call_id":"c1","target":{"kind":"local"},"command":"uptime"}}"#;
        let envelope: EventEnvelope = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => panic!("old ExecStarted line no longer parses: {e}"),
        };
        assert_eq!(
            envelope.event,
            Event::ExecStarted {
                call_id: "c1".into(),
                target: Target::Local,
                command: "uptime".into(),
                output_path: None,
                process: None,
            }
        );
    }

    #[test]
    fn exec_started_round_trips_its_output_path() {
        let event = Event::ExecStarted {
            call_id: "c1".into(),
            target: Target::Ssh {
                host: "web01".into(),
            },
            command: "journalctl -f".into(),
            output_path: Some("/data/outputs/s1/001-c1.log".into()),
            process: Some(ProcessGroup {
                pgid: 4242,
                start_ticks: 99,
                boot_id: "b".into(),
            }),
        };
        let text = serde_json::to_string(&event).unwrap_or_default();
        assert!(
            text.contains(r#""output_path":"/data/outputs/s1/001-c1.log""#),
            "{text}"
        );
        let back: Event = serde_json::from_str(&text).unwrap_or(Event::Note {
            message: String::new(),
        });
        assert_eq!(back, event);
    }

    #[test]
    fn a_reask_offers_the_core_s_offer_and_an_old_reask_is_derived_from_its_proposal() {
        let base = r#"{"call_id":"c1","tool":"local_shell","target":{"kind":"local"},"command":"systemctl restart nginx","arguments":"{}","reason":null,"class":"change","class_reason":"restarts","shell":true}"#;
        let base: Proposal = serde_json::from_str(base).unwrap_or_else(|e| panic!("{e}"));
        let original = Proposal {
            prefix: Some("systemctl restart".into()),
            scopes: vec![RuleScope::Incident],
            ..base
        };
        // A log line written before `offer`: the summary fields only.
        let line = r#"{"type":"approval_reasked","call_id":"c1","why":"type yes","command":"rm -rf /srv/x","class":"destructive","class_reason":"deletes","needs_confirm":true,"edit":"rm -rf /srv/x"}"#;
        let event: Event = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
        let Event::ApprovalReasked(reask) = event else {
            panic!("not a re-ask");
        };
        let offered = reask.offer(&original);
        assert_eq!(offered.command, "rm -rf /srv/x");
        assert_eq!(offered.class, Class::Destructive);
        assert!(offered.needs_confirm);
        // An edit's offer never carries the original's prefix or rule scopes.
        assert_eq!(offered.prefix, None);
        assert!(offered.scopes.is_empty());
        // Not an edit: the original's prefix stands.
        let plain = Reask {
            edit: None,
            ..reask.clone()
        };
        assert_eq!(
            plain.offer(&original).prefix.as_deref(),
            Some("systemctl restart")
        );
        // The core's offer wins over anything derived, and round-trips.
        let core_offer = Reask {
            offer: Some(Box::new(Proposal {
                command: "from the gate".into(),
                ..original.clone()
            })),
            ..reask
        };
        let text =
            serde_json::to_string(&Event::ApprovalReasked(core_offer.clone())).unwrap_or_default();
        assert!(text.contains(r#""type":"approval_reasked""#), "{text}");
        let back: Event = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, Event::ApprovalReasked(core_offer.clone()));
        assert_eq!(core_offer.offer(&original).command, "from the gate");
    }

    #[test]
    fn old_approval_and_edit_lines_parse_with_the_new_fields_defaulted() {
        let line = r#"{"type":"approval_requested","proposal":{"call_id":"c1","tool":"local_shell","target":{"kind":"local"},"command":"uptime","arguments":"{}","reason":null,"class":"read-only","class_reason":"uptime only reads","shell":true}}"#;
        let event: Event = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => panic!("old ApprovalRequested line no longer parses: {e}"),
        };
        let Event::ApprovalRequested { proposal } = event else {
            panic!("not an approval request");
        };
        assert!(!proposal.needs_confirm);
        assert_eq!(proposal.prefix, None);
        assert!(proposal.allows(DecisionKind::Approve));
        assert!(!proposal.allows(DecisionKind::ApprovePrefix));
        let line = r#"{"type":"decided","call_id":"c1","verdict":{"kind":"edited","before":"top","after":"top -b -n 1"}}"#;
        let event: Event = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => panic!("old Edited verdict no longer parses: {e}"),
        };
        assert!(matches!(
            event,
            Event::Decided {
                verdict: Verdict::Edited { class: None, .. },
                ..
            }
        ));
    }
}

/// A call asked again ([`Event::ApprovalReasked`]). `command`, `class` and `needs_confirm` are
/// what an approval would now run and need: for an edit that needs `yes`, the edited command,
/// with `edit` holding the replacement to send again (as [`Decision::Edit`] with `confirm`);
/// otherwise the proposal's own. `offer` is the whole call as the gate offers it now (prefix,
/// scopes and decisions included); logs older than it carry only the summary fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reask {
    pub call_id: String,
    pub why: String,
    pub command: String,
    pub class: Class,
    pub class_reason: String,
    pub needs_confirm: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Box<Proposal>>,
}

impl Reask {
    /// The call as it is offered now, for a front end to show and ask again: the core's
    /// `offer`, or (logs older than it) `original` with the re-ask's command, class and
    /// confirmation, and for an edit no prefix or rule scope (they were the original's).
    pub fn offer(&self, original: &Proposal) -> Proposal {
        if let Some(offer) = &self.offer {
            return (**offer).clone();
        }
        let edited = self.edit.is_some();
        Proposal {
            command: self.command.clone(),
            class: self.class,
            class_reason: self.class_reason.clone(),
            needs_confirm: self.needs_confirm,
            prefix: if edited {
                None
            } else {
                original.prefix.clone()
            },
            scopes: if edited {
                Vec::new()
            } else {
                original.scopes.clone()
            },
            ..original.clone()
        }
    }
}

/// A request to the desk (the room that owns incidents), from a console in the same process
/// or attached to the daemon over its socket (one JSON object per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "desk_op", rename_all = "snake_case")]
pub enum DeskOp {
    /// Record a pasted alert and start its session unless it repeats an open incident.
    Open { alert: Box<crate::alert::Alert> },
    /// Claim a waiting inbox incident and start its session (the start key).
    Start { incident: String },
    /// A session's own op (a decision, a message, cancel, resolve…). A session that does
    /// not run in the desk (it ended, or belongs to an earlier run) is reopened from its log.
    Session { session_id: String, op: Op },
    /// Team mode: claim, release or take over an incident on the shared board.
    Team { request: TeamRequest },
    /// Forget a past operator correction (by [`UsedCorrection::id`]): no later session is
    /// shown it. Sessions already running keep the prompt they have.
    ForgetCorrection { id: String },
}

/// A past operator correction shown to the model as an example, as a console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsedCorrection {
    /// The id `opsassist corrections list|forget` uses.
    pub id: String,
    /// The title of the alert the operator corrected.
    pub title: String,
    /// The session the correction was made in.
    pub session_id: String,
    /// How alike the two alerts are (0..=1).
    pub score: f64,
    /// The problem words both alerts share.
    pub shared: Vec<String>,
    pub proposed: String,
    pub executed: String,
}

/// A console's request on the team board (the claim and release keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "team", rename_all = "snake_case")]
pub enum TeamRequest {
    /// Lease this incident (or the incident of this session id) for the desk's operator.
    Claim { id: String },
    /// Give the lease back.
    Release { id: String },
    /// Take over another operator's incident: lease it (refused while their lease is live)
    /// and resume its session in this desk.
    TakeOver { incident: String, session: String },
}

/// An incident another operator holds, as a console watches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Other {
    /// The claim's key: the inbox incident id (or the session id when it has none).
    pub incident: String,
    /// Who is on it (neutralised).
    pub operator: String,
    /// Their lease is live; false once it lapsed (their console stopped renewing it).
    pub live: bool,
}

/// Sessions other operators are on, by session id (what the rows are keyed by).
pub type Others = std::collections::HashMap<String, Other>;

/// The team board as the desk read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamUpdate {
    pub others: Others,
    /// Sessions this desk took over: they run here now.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mine: Vec<String>,
}

/// An incident waiting for the operator, as the desk lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingIncident {
    /// The inbox incident id (`inc-…`).
    pub id: String,
    pub alert: Box<crate::alert::Alert>,
}

/// What the desk tells its consoles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "desk_event", rename_all = "snake_case")]
pub enum DeskEvent {
    /// The first line on an attached console's socket: the daemon and who it acts for.
    Hello {
        operator: String,
        pid: u32,
        data_dir: String,
    },
    /// A session runs in the desk (started, recovered after a crash, or already running when
    /// the console attached); `history` is what it logged before this event.
    SessionJoined {
        session_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        history: Vec<EventEnvelope>,
    },
    /// One session event, already durable in the session's log.
    Session { envelope: Box<EventEnvelope> },
    /// The incidents that wait for the operator now (oldest first, capped).
    Waiting { incidents: Vec<WaitingIncident> },
    /// A line for the status bar (what arrived, what was counted, who holds what).
    Notice { line: String },
    /// A request failed (the message says which and why).
    Failed { message: String },
    /// Team mode: who else is on which incident (their sessions' events follow as
    /// [`DeskEvent::Session`], read-only).
    Team { update: TeamUpdate },
    /// A past correction was forgotten ([`DeskOp::ForgetCorrection`]); `removed` records
    /// went (0: there was no such id).
    CorrectionForgotten { id: String, removed: usize },
}
