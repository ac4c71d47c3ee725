//! The session task: model turns, the FIFO approval queue, execution and tool results, driven
//! by operator ops. Every event is appended to the log before it is sent to front ends.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::conversation::Replay;
use super::gate::{Gate, Screen};
use super::log::SessionLog;
use super::{Core, SessionError, prompt};
use crate::alert::Alert;
use crate::audit::AuditEntry;
use crate::llm::{AssistantTurn, ChatMessage, ToolCall, ToolSpec};
use crate::policy::Classification;
use crate::protocol::{Decision, Event, EventEnvelope, Op, Proposal, SessionState, Verdict};
use crate::tools::ResolvedCall;

mod decide;
mod exec;
mod for_good;
mod learn;
mod mcp;
mod model;
mod notify;
mod ops;
mod resume;
mod verify;

use decide::Decided;

/// The note a session logs when every handle was dropped while it was open (the console
/// quit cleanly): recovery then knows opsassist did not die, and says so.
pub(crate) const CONSOLE_CLOSED: &str = "the console was closed while this session was open; it resumes here when opsassist starts again";

/// How a session task begins.
pub(crate) enum Start {
    /// A new alert: log it, render the prompts, investigate.
    Fresh(Box<Alert>),
    /// A replayed log: emit `warnings`, then pick up where it stopped.
    Resume {
        replay: Box<Replay>,
        alert: Box<Alert>,
        warnings: Vec<String>,
        /// Prefixes the log says are remembered for this incident.
        prefixes: Vec<(crate::protocol::Target, crate::policy::ApprovalPrefix)>,
    },
}

/// Whether the session goes on after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// The operator stopped the session: it is finished in the log.
    Stop,
    /// Every handle was dropped: end the task, leaving the log open for recovery.
    Abandon,
}

/// One call of a model turn on its way through the gate.
pub(super) enum Item {
    /// Its result is already known (refused, or known from a replayed log).
    Answered(String),
    /// Runs without asking.
    Auto {
        resolved: Box<ResolvedCall>,
        rule: String,
    },
    /// Waits for the operator.
    Ask {
        resolved: Box<ResolvedCall>,
        class: Classification,
        proposal: Box<Proposal>,
    },
}

pub(crate) struct Agent {
    core: Arc<Core>,
    id: String,
    log: SessionLog,
    events: mpsc::UnboundedSender<EventEnvelope>,
    ops: mpsc::UnboundedReceiver<Op>,
    ops_closed: bool,
    backlog: VecDeque<Op>,
    /// Operator messages that arrived while calls were pending; sent after the tool results.
    queued_messages: Vec<String>,
    messages: Vec<ChatMessage>,
    specs: Vec<ToolSpec>,
    gate: Gate,
    steps: u32,
    state: Option<SessionState>,
    executions: u32,
    /// Events appended since the last durability point, delivered by [`Agent::flush`].
    outbox: Vec<EventEnvelope>,
    /// The session's alert (for recording operator corrections).
    alert: Option<Alert>,
    /// Whether the model server was usable at the last turn (None: not tried yet).
    connected: Option<bool>,
    /// The nonce in this session's untrusted-data markers (alert, command output, past
    /// corrections). Set when the prompts are rendered, or read back from them on resume.
    nonce: String,
    /// `[notify]`: awaiting approval, failed and the diagnosis (None: no channel).
    notifier: Option<notify::SessionNotifier>,
    /// The last model turn failed or was interrupted: `Op::Retry` sends it again.
    retryable: bool,
    /// Ids of the calls recovered from the model's text (not native tool calls).
    recovered: std::collections::HashSet<String>,
    /// Whether the last change was checked (verified resolution, the verify-once hook).
    resolution: super::resolution::Tracker,
    /// The last request sent to the model (shown by front ends as "what the model saw").
    last_request: super::last_request::LastRequest,
    /// The operator resolved the incident and stops its work (`Op::ResolveAndStop`): the
    /// note, kept until the work in progress has stopped.
    stop_note: Option<String>,
    /// MCP servers whose being unusable was already shown (warned once while it lasts).
    mcp_warned: std::collections::HashSet<String>,
}

/// True when `text` is a complete JSON object (a call cut at the token limit is not).
fn is_json_object(text: &str) -> bool {
    matches!(
        serde_json::from_str::<serde_json::Value>(text),
        Ok(serde_json::Value::Object(_))
    )
}

impl Agent {
    pub(crate) fn new(
        core: Arc<Core>,
        id: String,
        log: SessionLog,
        events: mpsc::UnboundedSender<EventEnvelope>,
        ops: mpsc::UnboundedReceiver<Op>,
    ) -> Agent {
        let specs = core.tools.specs(&core.config.hosts);
        let gate = Gate::new(core.options.mode, core.options.auto_approve_read_only)
            .with_rules(Arc::clone(&core.config.rules));
        let notifier = notify::SessionNotifier::new(&core, &id);
        Agent {
            core,
            id,
            log,
            events,
            ops,
            ops_closed: false,
            backlog: VecDeque::new(),
            queued_messages: Vec::new(),
            messages: Vec::new(),
            specs,
            gate,
            steps: 0,
            state: None,
            executions: 0,
            outbox: Vec::new(),
            connected: None,
            alert: None,
            nonce: super::untrusted::fresh_nonce(),
            notifier,
            retryable: false,
            recovered: Default::default(),
            resolution: Default::default(),
            last_request: super::last_request::LastRequest::default(),
            stop_note: None,
            mcp_warned: Default::default(),
        }
    }

    /// The slot this session records its last model request in (shared with its handles).
    pub(crate) fn last_request_slot(&self) -> super::last_request::LastRequest {
        self.last_request.clone()
    }

    /// The task body. A log or audit failure stops the session with an (unlogged) error event.
    pub(crate) async fn run(mut self, start: Start) {
        let result = match self.drive(start).await {
            Ok(()) => self
                .closed_note()
                .and_then(|()| self.flush())
                .and_then(|()| self.log.sync()),
            Err(err) => {
                // Deliver what was logged before the failure, if it can still be made durable.
                let _ = self.flush();
                Err(err)
            }
        };
        if let Err(err) = result {
            tracing::error!(session = %self.id, "session stopped: {err}");
            let _ = self.events.send(EventEnvelope {
                session_id: self.id.clone(),
                seq: 0,
                at: chrono::Utc::now(),
                event: Event::Error {
                    message: format!("session stopped: {err}"),
                },
            });
        }
    }

    /// When the front end let go of an open session (a clean quit), say so in the log.
    fn closed_note(&mut self) -> Result<(), SessionError> {
        let finished = matches!(self.state, Some(SessionState::Done | SessionState::Failed));
        if self.ops_closed && !finished {
            self.emit(Event::Note {
                message: CONSOLE_CLOSED.into(),
            })?;
        }
        Ok(())
    }

    async fn drive(&mut self, start: Start) -> Result<(), SessionError> {
        let flow = match start {
            Start::Fresh(alert) => self.open(*alert).await?,
            Start::Resume {
                replay,
                alert,
                warnings,
                prefixes,
            } => {
                for (target, prefix) in prefixes {
                    self.gate.restore_prefix(target, prefix);
                }
                if let Some(n) = &mut self.notifier {
                    n.set_alert(&alert);
                }
                self.replay_resolution();
                self.resume(*replay, *alert, warnings).await?
            }
        };
        if flow != Flow::Continue {
            return Ok(());
        }
        loop {
            let Some(op) = self.next_op().await? else {
                return Ok(());
            };
            match op {
                Op::UserMessage { text } => {
                    self.user_message(&text)?;
                    self.steps = 0;
                    if self.investigate().await? != Flow::Continue {
                        return Ok(());
                    }
                }
                Op::Decide { call_id, .. } => {
                    self.warn(format!("no pending tool call `{call_id}`"))?;
                }
                Op::Retry if self.retryable => {
                    self.emit(Event::Note {
                        message: "retrying the last model turn".into(),
                    })?;
                    self.steps = 0;
                    if self.investigate().await? != Flow::Continue {
                        return Ok(());
                    }
                }
                Op::Retry => {
                    self.warn("nothing to retry: the last model turn did not fail".into())?
                }
                Op::Cancel { .. } => self.warn("no command is running".into())?,
                Op::Interrupt => {
                    self.warn("nothing to interrupt: the model is not working".into())?
                }
                // Logged by `next_op`.
                Op::SourceStatus { .. } | Op::Resolve { .. } | Op::ForgetPrefix { .. } => {}
                // Nothing is working: a plain resolution.
                Op::ResolveAndStop { note } => {
                    let note = crate::text::neutralize_line(note.trim());
                    self.emit(Event::Resolved { note })?;
                }
                Op::Shutdown => {
                    if !matches!(self.state, Some(SessionState::Done | SessionState::Failed)) {
                        self.finish(SessionState::Done, "stopped by the operator")?;
                    }
                    return Ok(());
                }
            }
        }
    }

    async fn open(&mut self, alert: Alert) -> Result<Flow, SessionError> {
        let core = Arc::clone(&self.core);
        self.emit(Event::SessionStarted {
            alert: Box::new(alert.clone()),
            provider: core.provider.name().to_string(),
            model: core.provider.model().to_string(),
            mode: core.options.mode,
        })?;
        let nonce = self.nonce.clone();
        let (user, redactions) =
            prompt::render_user(&core.user_template, &alert, &core.redactor, &nonce);
        let system = self.system_prompt_for(&alert, &nonce)?;
        self.alert = Some(alert);
        self.emit(Event::Prompt {
            system: system.clone(),
            user: user.clone(),
            redactions,
        })?;
        if redactions > 0 {
            self.warn(format!(
                "{redactions} secret value(s) in the alert were masked before it reached the model"
            ))?;
        }
        self.messages = vec![
            ChatMessage::System { content: system },
            ChatMessage::User { content: user },
        ];
        self.investigate().await
    }

    /// Model turns until the model answers without tool calls, the step limit, a failure, or
    /// a stop.
    async fn investigate(&mut self) -> Result<Flow, SessionError> {
        loop {
            let max = self.core.options.max_steps.max(1);
            if self.steps >= max {
                self.finish(
                    SessionState::Done,
                    &format!("step limit ({max} model turns); send a message to continue"),
                )?;
                return Ok(Flow::Continue);
            }
            // Team mode: no model turn while another operator holds the claim.
            super::claim_guard::check(&self.id)?;
            self.steps += 1;
            self.set_state(SessionState::Investigating)?;
            self.retryable = false;
            self.refresh_mcp().await?;
            let turn = match self.model_turn().await? {
                model::TurnOutcome::Turn(turn) => turn,
                model::TurnOutcome::Interrupted(after) => {
                    self.retryable = true;
                    let after = format!("{:.1} s", after.as_secs_f64());
                    self.emit(Event::Warning {
                        message: format!("⏹ model turn interrupted by operator after {after}"),
                    })?;
                    self.audit(AuditEntry::Decision {
                        call_id: format!("model-turn-{}", self.steps),
                        decision: "interrupt".into(),
                        reason: Some(format!("model turn interrupted by operator after {after}")),
                    })?;
                    self.finish(
                        SessionState::Done,
                        "interrupted by the operator; send a message (m) or retry the turn (R)",
                    )?;
                    return Ok(Flow::Continue);
                }
                model::TurnOutcome::Failed(err) => {
                    self.retryable = true;
                    self.emit(Event::Error {
                        message: format!("model turn failed: {err}"),
                    })?;
                    self.finish(
                        SessionState::Failed,
                        &format!("{err}; retry the turn (R) or send a message"),
                    )?;
                    return Ok(Flow::Continue);
                }
                model::TurnOutcome::Stopped => {
                    self.finish_stopped()?;
                    return Ok(Flow::Stop);
                }
                model::TurnOutcome::Abandoned => return Ok(Flow::Abandon),
            };
            let AssistantTurn {
                content,
                tool_calls,
                usage,
                truncated,
            } = turn;
            self.emit(Event::ModelText {
                text: content.clone(),
                tool_calls: tool_calls.clone(),
            })?;
            if let Some(usage) = usage {
                self.emit(Event::Usage {
                    prompt_tokens: usage.prompt_tokens,
                    completion_tokens: usage.completion_tokens,
                })?;
            }
            self.messages.push(ChatMessage::Assistant {
                content,
                tool_calls: tool_calls.clone(),
            });
            if truncated {
                self.warn(format!(
                    "the model's answer was cut at max_tokens = {} (raise [llm] max_tokens in \
                     config.toml); calls with incomplete arguments are refused",
                    self.core.config.llm.max_tokens
                ))?;
            }
            if tool_calls.is_empty() {
                if self.ask_to_verify(truncated)? {
                    continue;
                }
                let reason = if truncated {
                    "the model's answer was cut at max_tokens; send a message to continue"
                } else {
                    "the model finished"
                };
                self.finish(SessionState::Done, reason)?;
                return Ok(Flow::Continue);
            }
            let mut items = Vec::with_capacity(tool_calls.len());
            for call in tool_calls {
                let known = if truncated && !is_json_object(&call.arguments) {
                    let reason = "refused: your answer was cut at the token limit and this \
                                  call's arguments are incomplete; propose it again"
                        .to_string();
                    self.refuse_unresolved(&call, &reason)?;
                    Some(reason)
                } else {
                    None
                };
                items.push((call, known));
            }
            match self.answer_calls(items).await? {
                Flow::Continue => {}
                other => return Ok(other),
            }
        }
    }

    /// Put one turn's calls through the gate and give each exactly one tool result, in the
    /// order the model made them. A `Some` content is a result already known.
    async fn answer_calls(
        &mut self,
        calls: Vec<(ToolCall, Option<String>)>,
    ) -> Result<Flow, SessionError> {
        // A resumed session's calls may name MCP tools no turn has listed yet.
        self.refresh_mcp().await?;
        let mut queue = VecDeque::new();
        for (call, known) in calls {
            let item = match known {
                Some(content) => Item::Answered(content),
                None => self.screen(&call)?,
            };
            queue.push_back((call, item));
        }
        let mut stash: HashMap<String, Decision> = HashMap::new();
        while let Some((call, item)) = queue.pop_front() {
            let waiting: Vec<String> = queue
                .iter()
                .filter(|(_, i)| matches!(i, Item::Ask { .. }))
                .map(|(c, _)| c.id.clone())
                .collect();
            let content = match item {
                Item::Answered(content) => content,
                Item::Auto { resolved, rule } => {
                    self.emit(Event::Decided {
                        call_id: call.id.clone(),
                        verdict: Verdict::AutoApproved { rule: rule.clone() },
                    })?;
                    self.audit(AuditEntry::Decision {
                        call_id: call.id.clone(),
                        decision: "auto".into(),
                        reason: Some(rule),
                    })?;
                    self.execute(&call.id, &resolved, None).await?
                }
                Item::Ask {
                    resolved,
                    class,
                    proposal,
                } => match self
                    .decide(&call, &resolved, &class, &proposal, &mut stash, &waiting)
                    .await?
                {
                    Decided::Result(content) => content,
                    Decided::Stop => {
                        self.stop_remaining(&call, queue)?;
                        return Ok(Flow::Stop);
                    }
                    Decided::Abandon => return Ok(Flow::Abandon),
                },
            };
            self.tool_result(&call.id, content)?;
            if self.stop_note.is_some() {
                // Resolved while this call ran: the rest never runs.
                self.stop_rest(queue)?;
                return Ok(Flow::Stop);
            }
        }
        for text in std::mem::take(&mut self.queued_messages) {
            self.user_message(&text)?;
        }
        Ok(Flow::Continue)
    }

    /// Resolve, classify, audit and screen one proposed call.
    fn screen(&mut self, call: &ToolCall) -> Result<Item, SessionError> {
        let core = Arc::clone(&self.core);
        let resolved = match crate::mcp::resolve(core.executor.mcp(), call)
            .unwrap_or_else(|| core.tools.resolve(call, &core.config.hosts))
        {
            Ok(resolved) => resolved,
            Err(err) => {
                let reason = format!("refused before anything ran: {err}");
                self.refuse_unresolved(call, &reason)?;
                return Ok(Item::Answered(reason));
            }
        };
        let class = super::edit::classify_call(&resolved);
        let turn_text = match self.messages.last() {
            Some(ChatMessage::Assistant { content, .. }) => content.as_str(),
            _ => "",
        };
        let reason = super::reason::stated_reason(resolved.reason.as_deref(), turn_text);
        let offer = super::gate::offer_call(
            class.class,
            &resolved.tool,
            &resolved.target,
            &resolved.command,
        );
        // Shell commands only: an MCP call's prefix is its tool.
        let scope_examples = offer
            .prefix
            .as_ref()
            .filter(|_| !matches!(resolved.target, crate::protocol::Target::Mcp { .. }))
            .and_then(|_| crate::policy::scope_examples(&resolved.command));
        let proposal = Proposal {
            call_id: call.id.clone(),
            tool: resolved.tool.clone(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
            arguments: call.arguments.clone(),
            reason,
            class: class.class,
            class_reason: class.reason.clone(),
            shell: resolved.shell,
            needs_confirm: offer.needs_confirm,
            prefix: offer.prefix,
            decisions: offer.decisions,
            scopes: self.gate.scopes(
                class.class,
                &resolved.tool,
                &resolved.target,
                &resolved.command,
            ),
            recovered_from_text: self.recovered.contains(&call.id),
            host_warning: super::host_check::host_warning(
                self.alert.as_ref().and_then(|a| a.host.as_deref()),
                &resolved.target,
                &core.config.hosts,
            ),
            scope_examples,
        };
        self.emit(Event::CallProposed {
            proposal: proposal.clone(),
        })?;
        self.audit(AuditEntry::Proposal {
            call_id: call.id.clone(),
            tool: resolved.tool.clone(),
            target: resolved.target.clone(),
            command: resolved.command.clone(),
            class: class.class,
            recovered_from_text: self.recovered.contains(&call.id),
        })?;
        Ok(
            match self.gate.screen_call(
                class.class,
                Some(&resolved.tool),
                &resolved.target,
                &resolved.command,
            ) {
                Screen::Refuse(reason) => {
                    self.refuse(&call.id, &reason)?;
                    Item::Answered(reason)
                }
                Screen::Auto(rule) => Item::Auto {
                    resolved: Box::new(resolved),
                    rule,
                },
                Screen::Ask => {
                    self.emit(Event::ApprovalRequested {
                        proposal: proposal.clone(),
                    })?;
                    Item::Ask {
                        resolved: Box::new(resolved),
                        class,
                        proposal: Box::new(proposal),
                    }
                }
            },
        )
    }

    /// Show a call the core refused before it could be resolved (bad or incomplete arguments,
    /// unknown tool or host): its raw arguments stand in for the command.
    fn refuse_unresolved(&mut self, call: &ToolCall, reason: &str) -> Result<(), SessionError> {
        self.emit(Event::CallProposed {
            proposal: Proposal {
                call_id: call.id.clone(),
                tool: call.name.clone(),
                target: crate::protocol::Target::Local,
                command: format!("{} {}", call.name, call.arguments),
                arguments: call.arguments.clone(),
                reason: None,
                class: crate::policy::Class::Change,
                class_reason: "not classified: the call could not be resolved".into(),
                shell: false,
                needs_confirm: false,
                prefix: None,
                decisions: Vec::new(),
                scopes: Vec::new(),
                recovered_from_text: self.recovered.contains(&call.id),
                host_warning: None,
                scope_examples: None,
            },
        })?;
        self.refuse(&call.id, reason)
    }

    /// Send the one result for `call_id`. Everything in it is redacted once more (output was
    /// already; this covers edited commands and operator reasons), so no secret the operator
    /// typed reaches the model.
    fn tool_result(&mut self, call_id: &str, content: String) -> Result<(), SessionError> {
        let content = self.core.redactor.redact(&content).text;
        self.emit(Event::ToolResult {
            call_id: call_id.to_string(),
            content: content.clone(),
        })?;
        self.messages.push(ChatMessage::Tool {
            call_id: call_id.to_string(),
            content,
        });
        Ok(())
    }

    fn user_message(&mut self, text: &str) -> Result<(), SessionError> {
        self.emit(Event::UserMessage {
            text: text.to_string(),
        })?;
        let content = self.core.redactor.redact(text).text;
        self.messages.push(ChatMessage::User { content });
        Ok(())
    }

    /// Next op: the backlog first (ops that arrived during a model turn), then the channel
    /// (after a durability point: the operator has seen everything before waiting).
    /// A source status is logged here and never returned: it changes nothing in the flow.
    async fn next_op(&mut self) -> Result<Option<Op>, SessionError> {
        loop {
            let op = if let Some(op) = self.backlog.pop_front() {
                Some(op)
            } else {
                self.flush()?;
                if self.ops_closed {
                    return Ok(None);
                }
                let op = self.ops.recv().await;
                if op.is_none() {
                    self.ops_closed = true;
                }
                op
            };
            match op {
                Some(Op::SourceStatus { status, at, source }) => {
                    self.emit(Event::SourceStatus { status, at, source })?;
                }
                Some(Op::Resolve { note }) => {
                    let note = crate::text::neutralize_line(note.trim());
                    self.emit(Event::Resolved { note })?;
                    self.flush()?;
                }
                Some(Op::ForgetPrefix { prefix, target }) => {
                    self.forget_prefix(&prefix, target)?;
                    self.flush()?;
                }
                other => return Ok(other),
            }
        }
    }

    /// The operator stopped the session: with `Op::ResolveAndStop` the incident is resolved
    /// (after the state change, so front ends keep it resolved), then finished.
    fn finish_stopped(&mut self) -> Result<(), SessionError> {
        let Some(note) = self.stop_note.take() else {
            return self.finish(SessionState::Done, "stopped by the operator");
        };
        self.set_state(SessionState::Done)?;
        self.emit(Event::Resolved { note })?;
        self.emit(Event::Finished {
            state: SessionState::Done,
            reason: "resolved by the operator; the investigation was stopped".into(),
        })
    }

    /// `Op::ForgetPrefix`: applied at once, whatever the session is doing, so no later call
    /// is approved by it.
    pub(super) fn forget_prefix(
        &mut self,
        prefix: &str,
        target: crate::protocol::Target,
    ) -> Result<(), SessionError> {
        if self.gate.forget_prefix(&target, prefix) {
            self.audit(AuditEntry::Decision {
                call_id: String::new(),
                decision: "forget_prefix".into(),
                reason: Some(format!("remembered prefix `{prefix}` on {target} revoked")),
            })?;
            self.emit(Event::PrefixForgotten {
                prefix: prefix.to_string(),
                target,
            })
        } else {
            self.warn(format!(
                "no prefix `{}` is remembered on {target} for this incident",
                crate::text::neutralize_line(prefix)
            ))
        }
    }

    /// `Op::ResolveAndStop` arrived while the session works: keep the note, say what stops.
    fn stop_requested(&mut self, note: &str, what: &str) -> Result<(), SessionError> {
        if self.stop_note.is_none() {
            self.stop_note = Some(crate::text::neutralize_line(note.trim()));
            self.emit(Event::Note {
                message: format!("resolving the incident: {what}"),
            })?;
        }
        Ok(())
    }

    fn finish(&mut self, state: SessionState, reason: &str) -> Result<(), SessionError> {
        self.set_state(state)?;
        self.emit(Event::Finished {
            state,
            reason: reason.to_string(),
        })
    }

    fn set_state(&mut self, state: SessionState) -> Result<(), SessionError> {
        if self.state != Some(state) {
            self.state = Some(state);
            self.emit(Event::State { state })?;
        }
        Ok(())
    }

    fn warn(&mut self, message: String) -> Result<(), SessionError> {
        self.emit(Event::Warning { message })
    }

    /// Append an audit record; problems the audit log repaired on the way (a torn last record
    /// cut after a crash) are shown to the operator as warnings.
    fn audit(&mut self, entry: AuditEntry) -> Result<(), SessionError> {
        let (result, warnings) = {
            let mut audit = self
                .core
                .audit
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let result = audit.append(&self.id, entry);
            (result, audit.take_warnings())
        };
        for message in warnings {
            self.warn(message)?;
        }
        result.map_err(|e| SessionError::Audit(e.to_string()))
    }

    /// Append to the log (written at once, not yet fsync'd) and queue for the front end until
    /// the next [`Agent::flush`]. A streamed delta goes out at once when nothing is queued
    /// before it (deltas are never fsync'd on their own).
    fn emit(&mut self, event: Event) -> Result<(), SessionError> {
        let delta = matches!(event, Event::ModelDelta { .. });
        self.resolution.observe(&event);
        if let Some(n) = &mut self.notifier {
            n.on_event(&event);
        }
        let envelope = self.log.append(event)?;
        if delta && self.outbox.is_empty() {
            let _ = self.events.send(envelope);
        } else {
            self.outbox.push(envelope);
        }
        Ok(())
    }

    /// A durability point (group commit): one fdatasync for every event queued since the last
    /// one, then deliver them in order. Called before every wait that can take time.
    pub(super) fn flush(&mut self) -> Result<(), SessionError> {
        if self.outbox.is_empty() {
            return Ok(());
        }
        self.log.sync()?;
        for envelope in self.outbox.drain(..) {
            let _ = self.events.send(envelope);
        }
        Ok(())
    }
}
