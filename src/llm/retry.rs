//! Bounded retries with exponential backoff around one provider turn.

use std::time::Duration;

use tokio::sync::mpsc;

use super::{AssistantTurn, ChatMessage, LlmError, Provider, ToolSpec};

/// How often and how patiently to retry transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`[llm] max_retries`).
    pub max_retries: u32,
    /// Wait before the first retry; doubled each time.
    pub base_delay: Duration,
    /// Upper bound on one wait.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// 500 ms, 1 s, 2 s, … capped at 8 s. `OPSASSIST_RETRY_BASE_MS` overrides the base delay
    /// (tests of the binary use it to stay fast).
    pub fn new(max_retries: u32) -> Self {
        let base_ms = std::env::var("OPSASSIST_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(500);
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(base_ms),
            max_delay: Duration::from_secs(8),
        }
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Stream one turn, retrying transient errors ([`LlmError::is_transient`]) up to
/// `max_retries` times with exponential backoff. `on_retry(error, attempt, delay)` is called
/// before each wait; `attempt` counts retries from 1. Text already sent to `deltas` by a
/// failed attempt is not taken back: front ends should mark it as discarded on retry.
pub async fn stream_with_retry(
    provider: &dyn Provider,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
    deltas: &mpsc::UnboundedSender<String>,
    max_retries: u32,
    on_retry: impl FnMut(&LlmError, u32, Duration),
) -> Result<AssistantTurn, LlmError> {
    stream_with_policy(
        provider,
        messages,
        tools,
        deltas,
        RetryPolicy::new(max_retries),
        on_retry,
    )
    .await
}

/// [`stream_with_retry`] with an explicit [`RetryPolicy`].
pub async fn stream_with_policy(
    provider: &dyn Provider,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
    deltas: &mpsc::UnboundedSender<String>,
    policy: RetryPolicy,
    mut on_retry: impl FnMut(&LlmError, u32, Duration),
) -> Result<AssistantTurn, LlmError> {
    let mut attempt = 0u32;
    loop {
        match provider.stream_turn(messages, tools, deltas).await {
            Ok(turn) => return Ok(turn),
            Err(e) if e.is_transient() && attempt < policy.max_retries => {
                attempt += 1;
                let delay = policy.delay(attempt);
                on_retry(&e, attempt, delay);
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// [`stream_with_retry`] that also streams the model's reasoning to `thinking`.
pub async fn stream_with_retry_thinking(
    provider: &dyn Provider,
    messages: &[ChatMessage],
    tools: &[ToolSpec],
    deltas: &mpsc::UnboundedSender<String>,
    thinking: &mpsc::UnboundedSender<String>,
    max_retries: u32,
    mut on_retry: impl FnMut(&LlmError, u32, Duration),
) -> Result<AssistantTurn, LlmError> {
    let policy = RetryPolicy::new(max_retries);
    let mut attempt = 0u32;
    loop {
        match provider
            .stream_turn_with_thinking(messages, tools, deltas, thinking)
            .await
        {
            Ok(turn) => return Ok(turn),
            Err(e) if e.is_transient() && attempt < policy.max_retries => {
                attempt += 1;
                let delay = policy.delay(attempt);
                on_retry(&e, attempt, delay);
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        };
        let d: Vec<u64> = (1..=7).map(|a| p.delay(a).as_millis() as u64).collect();
        assert_eq!(d, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(p.delay(100), Duration::from_secs(8));
    }
}
