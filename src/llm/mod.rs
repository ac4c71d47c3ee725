//! LLM providers: the [`Provider`] trait, the chat types the session speaks, and the two
//! real backends (OpenAI-compatible via async-openai, Ollama via ollama-rs).

mod build;
mod errors;
pub mod ollama;
pub mod openai;
mod openai_transport;
pub mod probe;
pub mod retry;
mod stream_guard;
pub mod text_calls;

pub use build::{
    DEFAULT_OLLAMA_BASE_URL, DEFAULT_OLLAMA_MODEL, DEFAULT_OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL,
    build_provider, build_provider_with_env, ollama_host_url, resolve_base_url, resolved_model,
};
pub use retry::{RetryPolicy, stream_with_policy, stream_with_retry, stream_with_retry_thinking};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// One message in the conversation, provider-neutral.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ChatMessage {
    System {
        content: String,
    },
    User {
        content: String,
    },
    Assistant {
        content: String,
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call.
    Tool {
        call_id: String,
        content: String,
    },
}

/// A tool call the model made. `arguments` is the raw JSON text as streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// Token counts for one turn, when the server reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// The model's complete answer for one turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssistantTurn {
    pub content: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Option<Usage>,
    /// The server stopped the turn at the `max_tokens` cap: `content` is cut short and the
    /// last tool call's arguments may be incomplete JSON (returned as streamed, never repaired).
    #[serde(default)]
    pub truncated: bool,
}

/// Why a turn failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("authentication failed ({status}): {detail}")]
    Auth { status: u16, detail: String },
    #[error("model `{model}` not found on the server: {detail}")]
    UnknownModel { model: String, detail: String },
    #[error("server error {status}: {detail}")]
    Server { status: u16, detail: String },
    #[error("stream ended before the turn was complete: {detail}")]
    StreamCut { detail: String },
    #[error("malformed response from the server: {detail}")]
    Malformed { detail: String },
    #[error("request failed: {detail}")]
    Other { detail: String },
}

impl LlmError {
    /// Transient errors are retried with backoff; the others are reported at once.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LlmError::Connect { .. } | LlmError::Server { .. } | LlmError::StreamCut { .. }
        )
    }
}

/// A chat backend that streams one turn at a time.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// `openai` or `ollama`.
    fn name(&self) -> &str;
    /// The model name sent to the server.
    fn model(&self) -> &str;
    /// The server address, for banners and errors.
    fn base_url(&self) -> &str;
    /// Stream one assistant turn. Text deltas go to `deltas` as they arrive; tool-call deltas
    /// are reassembled and returned complete. One attempt: the caller owns retries.
    async fn stream_turn(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
        deltas: &mpsc::UnboundedSender<String>,
    ) -> Result<AssistantTurn, LlmError>;
    /// [`Provider::stream_turn`], with the model's reasoning (Ollama `thinking`,
    /// OpenAI-compatible `reasoning_content`) streamed to `thinking`. It is never part of the
    /// turn's content, so it is never sent back to the model. The default streams no thinking.
    async fn stream_turn_with_thinking(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
        deltas: &mpsc::UnboundedSender<String>,
        thinking: &mpsc::UnboundedSender<String>,
    ) -> Result<AssistantTurn, LlmError> {
        let _ = thinking;
        self.stream_turn(messages, tools, deltas).await
    }
    /// Cheap reachability check used for the "no LLM" banner.
    async fn probe(&self) -> Result<(), LlmError>;
}
