//! One model turn: stream it with bounded retries, log and forward deltas, and stay
//! responsive to `Shutdown` while the model is talking.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Agent;
use crate::llm::{AssistantTurn, ChatMessage, LlmError, Provider, ToolSpec};
use crate::protocol::{Event, Op};
use crate::session::SessionError;

/// How a model turn ended.
pub(crate) enum TurnOutcome {
    Turn(AssistantTurn),
    /// Failed after retries (or at once for non-transient errors).
    Failed(LlmError),
    /// The operator sent `Shutdown` during the turn.
    Stopped,
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
    retries: mpsc::UnboundedSender<Retry>,
) -> Result<AssistantTurn, LlmError> {
    crate::llm::stream_with_retry(
        provider.as_ref(),
        &messages,
        &specs,
        &deltas,
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
    /// Run one model turn over the current messages.
    pub(super) async fn model_turn(&mut self) -> Result<TurnOutcome, SessionError> {
        self.flush()?;
        let (delta_tx, mut delta_rx) = mpsc::unbounded_channel::<String>();
        let (retry_tx, mut retry_rx) = mpsc::unbounded_channel::<Retry>();
        let task = tokio::spawn(stream_with_retry(
            Arc::clone(&self.core.provider),
            self.messages.clone(),
            self.specs.clone(),
            self.core.config.llm.max_retries,
            delta_tx,
            retry_tx,
        ));
        let abort = task.abort_handle();
        let mut task = task;
        let result = loop {
            self.flush()?;
            tokio::select! {
                biased;
                Some(text) = delta_rx.recv() => {
                    self.emit(Event::ModelDelta { text })?;
                }
                Some(retry) = retry_rx.recv() => {
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
                    Some(op) => self.backlog.push_back(op),
                    None => {
                        self.ops_closed = true;
                        abort.abort();
                        return Ok(TurnOutcome::Abandoned);
                    }
                },
            }
        };
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
            TurnOutcome::Failed(
                err @ (LlmError::Connect { .. }
                | LlmError::Auth { .. }
                | LlmError::UnknownModel { .. }),
            ) => (false, err.to_string()),
            _ => return Ok(()),
        };
        if self.connected == Some(connected) {
            return Ok(());
        }
        self.connected = Some(connected);
        self.emit(Event::Connection { connected, detail })
    }
}
