//! One model turn: stream it with bounded retries, log and forward deltas, and stay
//! responsive to `Shutdown` while the model is talking. Calls printed as text are recovered
//! here (`[llm] tool_calls`), and a turn with neither a call nor an answer gets one nudge.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Agent;
use crate::config::ToolCallMode;
use crate::llm::text_calls;
use crate::llm::{AssistantTurn, ChatMessage, LlmError, Provider, ToolCall, ToolSpec};
use crate::protocol::{Event, Op};
use crate::session::SessionError;

/// How a model turn ended.
pub(crate) enum TurnOutcome {
    Turn(AssistantTurn),
    /// Failed after retries (or at once for non-transient errors).
    Failed(LlmError),
    /// The operator sent `Shutdown` during the turn.
    Stopped,
    /// The operator interrupted the turn (`Op::Interrupt`) after this long.
    Interrupted(Duration),
    /// Every handle was dropped during the turn.
    Abandoned,
}

/// A retry about to happen, reported to the operator.
struct Retry {
    attempt: u32,
    max: u32,
    delay: Duration,
    error: LlmError,
}

async fn stream_with_retry(
    provider: Arc<dyn Provider>,
    messages: Vec<ChatMessage>,
    specs: Vec<ToolSpec>,
    max_retries: u32,
    deltas: mpsc::UnboundedSender<String>,
    thinking: mpsc::UnboundedSender<String>,
    retries: mpsc::UnboundedSender<Retry>,
) -> Result<AssistantTurn, LlmError> {
    crate::llm::stream_with_retry_thinking(
        provider.as_ref(),
        &messages,
        &specs,
        &deltas,
        &thinking,
        max_retries,
        |error, attempt, delay| {
            let _ = retries.send(Retry {
                attempt,
                max: max_retries,
                delay,
                error: error.clone(),
            });
        },
    )
    .await
}

impl Agent {
    /// Run one model turn over the current messages, with calls recovered from its text and
    /// at most one corrective nudge (one extra request) when it held neither a call nor an answer.
    pub(super) async fn model_turn(&mut self) -> Result<TurnOutcome, SessionError> {
        let mut turn = match self.stream_turn().await? {
            TurnOutcome::Turn(turn) => turn,
            other => return Ok(other),
        };
        let Some(problem) = self.take_text_calls(&mut turn)? else {
            return Ok(TurnOutcome::Turn(turn));
        };
        self.nudge(turn, &problem)?;
        let mut turn = match self.stream_turn().await? {
            TurnOutcome::Turn(turn) => turn,
            other => return Ok(other),
        };
        if let Some(problem) = self.take_text_calls(&mut turn)? {
            self.warn(format!(
                "the model still made no usable call after one reminder ({problem})"
            ))?;
        }
        Ok(TurnOutcome::Turn(turn))
    }

    /// Stream one request over the current messages (rewritten for text mode when configured).
    async fn stream_turn(&mut self) -> Result<TurnOutcome, SessionError> {
        self.flush()?;
        let (messages, specs) = if self.core.config.llm.tool_calls == ToolCallMode::Text {
            (
                text_calls::text_mode_messages(&self.messages, &self.specs),
                Vec::new(),
            )
        } else {
            (self.messages.clone(), self.specs.clone())
        };
        self.last_request.record(&messages, &specs);
        let (delta_tx, mut delta_rx) = mpsc::unbounded_channel::<String>();
        let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Retry>();
        let (thinking_tx, mut thinking_rx) = mpsc::unbounded_channel::<String>();
        let task = tokio::spawn(stream_with_retry(
            Arc::clone(&self.core.provider),
            messages,
            specs,
            self.core.config.llm.max_retries,
            delta_tx,
            thinking_tx,
            retry_tx,
        ));
        let abort = task.abort_handle();
        let mut task = task;
        let started = std::time::Instant::now();
        let result = loop {
            self.flush()?;
            tokio::select! {
                biased;
                Some(text) = delta_rx.recv() => {
                    self.emit(Event::ModelDelta { text })?;
                }
                Some(text) = thinking_rx.recv() => {
                    self.emit(Event::ThinkingDelta { text })?;
                }
                Some(retry) = retry_rx.recv() => {
                    if self.connected != Some(false) {
                        self.connected = Some(false);
                        self.emit(Event::Connection {
                            connected: false,
                            detail: retry.error.to_string(),
                        })?;
                    }
                    self.emit(Event::Warning {
                        message: format!(
                            "model request failed ({}); retry {}/{} in {:.1} s",
                            retry.error, retry.attempt, retry.max, retry.delay.as_secs_f64()
                        ),
                    })?;
                }
                joined = &mut task => {
                    break joined;
                }
                op = self.ops.recv(), if !self.ops_closed => match op {
                    Some(Op::Shutdown) => {
                        abort.abort();
                        return Ok(TurnOutcome::Stopped);
                    }
                    Some(Op::ResolveAndStop { note }) => {
                        abort.abort();
                        self.stop_requested(&note, "the model turn is interrupted")?;
                        self.emit(Event::Warning {
                            message: format!(
                                "⏹ model turn interrupted after {:.1} s: the incident was resolved",
                                started.elapsed().as_secs_f64()
                            ),
                        })?;
                        return Ok(TurnOutcome::Stopped);
                    }
                    Some(Op::Interrupt) => {
                        abort.abort();
                        return Ok(TurnOutcome::Interrupted(started.elapsed()));
                    }
                    Some(Op::Retry) => {
                        self.warn("the model is working: interrupt it first (Esc)".into())?;
                    }
                    Some(op) => self.queue_op(op)?,
                    None => {
                        self.ops_closed = true;
                        abort.abort();
                        return Ok(TurnOutcome::Abandoned);
                    }
                },
            }
        };
        while let Ok(text) = thinking_rx.try_recv() {
            self.emit(Event::ThinkingDelta { text })?;
        }
        while let Ok(text) = delta_rx.try_recv() {
            self.emit(Event::ModelDelta { text })?;
        }
        let outcome = match result {
            Ok(Ok(turn)) => TurnOutcome::Turn(turn),
            Ok(Err(err)) => TurnOutcome::Failed(err),
            Err(join) => TurnOutcome::Failed(LlmError::Other {
                detail: format!("model task ended: {join}"),
            }),
        };
        self.report_connection(&outcome)?;
        Ok(outcome)
    }

    /// Emit `Connection` when the model server becomes usable or unusable (not on every turn).
    fn report_connection(&mut self, outcome: &TurnOutcome) -> Result<(), SessionError> {
        let (connected, detail) = match outcome {
            TurnOutcome::Turn(_) => (
                true,
                format!(
                    "{} answered at {}",
                    self.core.provider.name(),
                    self.core.provider.base_url()
                ),
            ),
            TurnOutcome::Failed(err) => (false, err.to_string()),
            _ => return Ok(()),
        };
        if self.connected == Some(connected) {
            return Ok(());
        }
        self.connected = Some(connected);
        self.emit(Event::Connection { connected, detail })
    }
}

impl Agent {
    /// In `auto` and `text` modes, turn calls the model printed as text into tool calls (ids
    /// `text_call_N`, noted in the log and transcript). Returns why the turn needs a nudge: it
    /// holds no call and either a call-shaped text that was not taken, or nothing at all.
    fn take_text_calls(
        &mut self,
        turn: &mut AssistantTurn,
    ) -> Result<Option<String>, SessionError> {
        let llm = &self.core.config.llm;
        let mut rejected = None;
        if llm.tool_calls != ToolCallMode::Native && turn.tool_calls.is_empty() {
            let recovery = text_calls::recover(&turn.content, &self.specs, llm.max_text_calls);
            rejected = recovery.rejection_note();
            let prior: usize = self
                .messages
                .iter()
                .map(|m| match m {
                    ChatMessage::Assistant { tool_calls, .. } => tool_calls.len(),
                    _ => 0,
                })
                .sum();
            for (i, call) in recovery.calls.iter().enumerate() {
                let id = format!("text_call_{}", prior + i + 1);
                self.recovered.insert(id.clone());
                turn.tool_calls.push(ToolCall {
                    id,
                    name: call.name.clone(),
                    arguments: call.arguments.clone(),
                });
            }
            if !recovery.calls.is_empty() {
                let listed: Vec<String> = turn
                    .tool_calls
                    .iter()
                    .zip(&recovery.calls)
                    .map(|(c, r)| format!("{} {} ({})", c.id, c.name, r.format.as_str()))
                    .collect();
                self.emit(Event::Note {
                    message: format!(
                        "recovered from the model's text (not a native tool call): {}",
                        listed.join(", ")
                    ),
                })?;
            }
        }
        if !turn.tool_calls.is_empty() {
            if let Some(note) = rejected {
                // Some calls were taken: the rest are explained after their results.
                self.warn(format!("not taken from the model's text: {note}"))?;
                self.queued_messages
                    .push(format!("(opsassist) Not taken from your answer: {note}"));
            }
            return Ok(None);
        }
        if turn.truncated {
            return Ok(None);
        }
        Ok(match rejected {
            Some(note) => Some(note),
            None if turn.content.trim().is_empty() => {
                Some("the answer was empty: neither a tool call nor a final answer".into())
            }
            None => None,
        })
    }

    /// The one corrective nudge: log the turn that drifted, then tell the model why and how to
    /// call a tool (as a user message, so a resumed session rebuilds the same conversation).
    fn nudge(&mut self, turn: AssistantTurn, problem: &str) -> Result<(), SessionError> {
        self.emit(Event::ModelText {
            text: turn.content.clone(),
            tool_calls: Vec::new(),
        })?;
        if let Some(usage) = turn.usage {
            self.emit(Event::Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            })?;
        }
        self.messages.push(ChatMessage::Assistant {
            content: turn.content,
            tool_calls: Vec::new(),
        });
        self.warn(format!(
            "the model answered with neither a usable call nor an answer ({problem}); \
             reminding it of the call format once"
        ))?;
        let text = format!(
            "(opsassist) {problem}\n{}",
            text_calls::format_reminder(&self.specs)
        );
        self.emit(Event::UserMessage { text: text.clone() })?;
        self.messages.push(ChatMessage::User { content: text });
        Ok(())
    }
}
