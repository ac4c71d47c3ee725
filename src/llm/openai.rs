//! The OpenAI-compatible provider (OpenAI, llama.cpp, vLLM, LM Studio) through async-openai:
//! streamed chat completions with tools, tool-call deltas reassembled by index.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, CreateChatCompletionStreamResponse,
    FinishReason, FunctionCall, FunctionObject,
};
use futures::StreamExt;
use reqwest::header::HeaderValue;
use tokio::sync::mpsc;

use super::errors::{Family, body_message, from_status, from_transport, snippet};
use super::openai_transport::{KeyOptionalConfig, NOT_A_STREAM, StatusService};
use super::stream_guard::{Timeouts, within};
use super::{AssistantTurn, ChatMessage, LlmError, Provider, ToolCall, ToolSpec, Usage};

/// How long [`Provider::probe`] waits.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Talks to `{base_url}/chat/completions`.
pub struct OpenAiProvider {
    client: async_openai::Client<KeyOptionalConfig>,
    /// For the reachability probe (same client, same `Authorization` rule).
    http: reqwest::Client,
    auth: Option<HeaderValue>,
    model: String,
    base_url: String,
    timeouts: Timeouts,
    /// Cleared when the server rejects `stream_options` (some older compatible servers do).
    ask_usage: AtomicBool,
    /// Cap per turn; `None` sends no cap.
    max_tokens: Option<u32>,
    /// Set when the server refuses `max_tokens` and asks for `max_completion_tokens`
    /// (OpenAI's reasoning models do).
    completion_tokens_field: AtomicBool,
}

impl OpenAiProvider {
    /// `api_key` empty or `None` means no `Authorization` header at all.
    pub(crate) fn new(
        base_url: String,
        api_key: Option<String>,
        model: String,
        http: reqwest::Client,
        timeouts: Timeouts,
    ) -> Result<Self, LlmError> {
        let auth =
            match api_key.filter(|k| !k.trim().is_empty()) {
                None => None,
                Some(key) => {
                    let mut value = HeaderValue::from_str(&format!("Bearer {}", key.trim()))
                        .map_err(|_| LlmError::Auth {
                            status: 0,
                            detail:
                                "OPENAI_API_KEY contains characters not allowed in an HTTP header"
                                    .into(),
                        })?;
                    value.set_sensitive(true);
                    Some(value)
                }
            };
        let config = KeyOptionalConfig {
            inner: OpenAIConfig::default().with_api_base(base_url.clone()),
            base_url: base_url.clone(),
            auth: auth.clone(),
        };
        let service = StatusService {
            http: http.clone(),
            idle_secs: timeouts.idle_secs,
        };
        let client = async_openai::Client::build(http.clone(), config).with_http_service(service);
        Ok(OpenAiProvider {
            client,
            http,
            auth,
            model,
            base_url,
            timeouts,
            ask_usage: AtomicBool::new(true),
            max_tokens: None,
            completion_tokens_field: AtomicBool::new(false),
        })
    }

    /// Cap the tokens generated per turn. Sent as `max_tokens`, the field every
    /// OpenAI-compatible server understands (llama.cpp, vLLM, LM Studio, Ollama's `/v1`);
    /// switched to `max_completion_tokens` when the server rejects it.
    pub(crate) fn with_max_tokens(mut self, max_tokens: Option<u32>) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// After a 400, drop a request field the server refuses; `true` when a retry may succeed.
    /// Each switch happens once, so the caller's retries are bounded.
    fn adapt_to(&self, err: &OpenAIError) -> bool {
        if self.ask_usage.load(Ordering::Relaxed) && rejects_stream_options(err) {
            self.ask_usage.store(false, Ordering::Relaxed);
            return true;
        }
        if self.max_tokens.is_some()
            && !self.completion_tokens_field.load(Ordering::Relaxed)
            && rejects_max_tokens(err)
        {
            self.completion_tokens_field.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn map_error(&self, err: OpenAIError) -> LlmError {
        map_openai_error(err, &self.model, &self.base_url, self.timeouts.request_secs)
    }

    // `max_tokens` is deprecated by OpenAI but is the field compatible servers accept.
    #[allow(deprecated)]
    fn request(&self, messages: &[ChatMessage], tools: &[ToolSpec]) -> CreateChatCompletionRequest {
        let modern = self.completion_tokens_field.load(Ordering::Relaxed);
        CreateChatCompletionRequest {
            model: self.model.clone(),
            messages: messages.iter().map(to_wire_message).collect(),
            stream: Some(true),
            stream_options: self.ask_usage.load(Ordering::Relaxed).then_some(
                ChatCompletionStreamOptions {
                    include_usage: Some(true),
                    include_obfuscation: None,
                },
            ),
            tools: (!tools.is_empty()).then(|| tools.iter().map(to_wire_tool).collect()),
            max_tokens: self.max_tokens.filter(|_| !modern),
            max_completion_tokens: self.max_tokens.filter(|_| modern),
            ..Default::default()
        }
    }
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn base_url(&self) -> &str {
        &self.base_url
    }

    async fn stream_turn(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
        deltas: &mpsc::UnboundedSender<String>,
    ) -> Result<AssistantTurn, LlmError> {
        let (thinking, _) = mpsc::unbounded_channel();
        self.stream_turn_with_thinking(messages, tools, deltas, &thinking)
            .await
    }

    async fn stream_turn_with_thinking(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
        deltas: &mpsc::UnboundedSender<String>,
        thinking: &mpsc::UnboundedSender<String>,
    ) -> Result<AssistantTurn, LlmError> {
        let (secs, setting) = self.timeouts.next_chunk(false);
        let mut stream = loop {
            let chat = self.client.chat();
            // Chunks are read as JSON first: `reasoning_content` is not in async-openai's type.
            match within(
                secs,
                setting,
                chat.create_stream_byot::<_, serde_json::Value>(self.request(messages, tools)),
            )
            .await?
            {
                Ok(stream) => break stream,
                Err(e) if self.adapt_to(&e) => continue,
                Err(e) => return Err(self.map_error(e)),
            }
        };
        let mut turn = TurnBuilder::default();
        let mut begun = false;
        loop {
            let (secs, setting) = self.timeouts.next_chunk(begun);
            let Some(item) = within(secs, setting, stream.next()).await? else {
                break;
            };
            begun = true;
            let raw = item.map_err(|e| self.map_error(e))?;
            if let Some(text) = reasoning_of(&raw) {
                let _ = thinking.send(text);
            }
            let chunk = serde_json::from_value::<CreateChatCompletionStreamResponse>(raw.clone())
                .map_err(|e| {
                self.map_error(OpenAIError::JSONDeserialize(e, raw.to_string()))
            })?;
            if let Some(text) = turn.apply(chunk) {
                let _ = deltas.send(text);
            }
        }
        turn.finish()
    }

    /// `GET {base}/models`: any 2xx means reachable. The body is not parsed, because
    /// compatible servers differ in the fields they list (and the chat call is what matters).
    async fn probe(&self) -> Result<(), LlmError> {
        let url = format!("{}/models", self.base_url);
        let mut request = self.http.get(&url).timeout(PROBE_TIMEOUT);
        if let Some(auth) = &self.auth {
            request = request.header(reqwest::header::AUTHORIZATION, auth.clone());
        }
        let response = request.send().await.map_err(|e| {
            from_transport(
                Family::OpenAi,
                &e,
                &self.base_url,
                self.timeouts.request_secs,
            )
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.text().await.unwrap_or_default();
        Err(from_status(
            Family::OpenAi,
            status.as_u16(),
            &body,
            &self.model,
            &self.base_url,
        ))
    }
}

/// The reasoning a chunk carries: `reasoning_content` (llama.cpp, DeepSeek, vLLM before 0.9)
/// or `reasoning` (vLLM, OpenRouter, LM Studio).
fn reasoning_of(chunk: &serde_json::Value) -> Option<String> {
    let delta = chunk.pointer("/choices/0/delta")?;
    let text = delta
        .get("reasoning_content")
        .or_else(|| delta.get("reasoning"))?
        .as_str()?;
    (!text.is_empty()).then(|| text.to_string())
}

/// Accumulates one streamed turn: text, tool calls by index, usage, and whether it finished.
#[derive(Default)]
struct TurnBuilder {
    content: String,
    calls: BTreeMap<u32, ToolCall>,
    usage: Option<Usage>,
    finished: bool,
    truncated: bool,
}

impl TurnBuilder {
    /// Fold one chunk in; returns the text delta it carried, if any.
    fn apply(&mut self, chunk: CreateChatCompletionStreamResponse) -> Option<String> {
        if let Some(u) = chunk.usage {
            self.usage = Some(Usage {
                prompt_tokens: u.prompt_tokens.into(),
                completion_tokens: u.completion_tokens.into(),
            });
        }
        let mut text = String::new();
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            if let Some(piece) = choice.delta.content {
                text.push_str(&piece);
            }
            for part in choice.delta.tool_calls.unwrap_or_default() {
                let call = self.calls.entry(part.index).or_insert_with(|| ToolCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
                if let Some(id) = part.id.filter(|id| !id.is_empty()) {
                    call.id = id;
                }
                if let Some(function) = part.function {
                    if let Some(name) = function.name.filter(|n| !n.is_empty()) {
                        if call.name.is_empty() {
                            call.name = name;
                        } else if call.name != name {
                            call.name.push_str(&name);
                        }
                    }
                    if let Some(args) = function.arguments {
                        call.arguments.push_str(&args);
                    }
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finished = true;
                self.truncated = reason == FinishReason::Length;
            }
        }
        self.content.push_str(&text);
        (!text.is_empty()).then_some(text)
    }

    fn finish(self) -> Result<AssistantTurn, LlmError> {
        if !self.finished {
            return Err(LlmError::StreamCut {
                detail: "the server closed the stream before a finish_reason".into(),
            });
        }
        let mut tool_calls = Vec::with_capacity(self.calls.len());
        for (index, mut call) in self.calls {
            if call.name.is_empty() {
                return Err(LlmError::Malformed {
                    detail: format!("tool call #{index} has no function name"),
                });
            }
            if call.id.is_empty() {
                call.id = format!("call_{index}");
            }
            if call.arguments.trim().is_empty() && !self.truncated {
                call.arguments = "{}".into();
            }
            tool_calls.push(call);
        }
        Ok(AssistantTurn {
            content: self.content,
            tool_calls,
            usage: self.usage,
            truncated: self.truncated,
        })
    }
}

fn to_wire_message(message: &ChatMessage) -> ChatCompletionRequestMessage {
    match message {
        ChatMessage::System { content } => {
            ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
                content: content.clone().into(),
                name: None,
            })
        }
        ChatMessage::User { content } => {
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                content: content.clone().into(),
                name: None,
            })
        }
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
            content: (!content.is_empty() || tool_calls.is_empty()).then(|| content.clone().into()),
            tool_calls: (!tool_calls.is_empty()).then(|| {
                tool_calls
                    .iter()
                    .map(|c| {
                        ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                            id: c.id.clone(),
                            function: FunctionCall {
                                name: c.name.clone(),
                                arguments: c.arguments.clone(),
                            },
                        })
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        ChatMessage::Tool { call_id, content } => {
            ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
                content: content.clone().into(),
                tool_call_id: call_id.clone(),
            })
        }
    }
}

fn to_wire_tool(tool: &ToolSpec) -> ChatCompletionTools {
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: tool.name.clone(),
            description: Some(tool.description.clone()),
            parameters: Some(tool.parameters.clone()),
            strict: None,
        },
    })
}

/// A 400 that blames `stream_options`: the server predates usage in streams.
fn rejects_stream_options(err: &OpenAIError) -> bool {
    matches!(err, OpenAIError::ApiError(resp)
        if resp.status_code.as_u16() == 400 && resp.api_error.message.contains("stream_options"))
}

/// A 400 that asks for `max_completion_tokens` instead of `max_tokens` (OpenAI o-series).
fn rejects_max_tokens(err: &OpenAIError) -> bool {
    matches!(err, OpenAIError::ApiError(resp)
        if resp.status_code.as_u16() == 400
            && resp.api_error.message.contains("max_tokens")
            && resp.api_error.message.contains("max_completion_tokens"))
}

/// Map async-openai's error to ours. Non-success statuses arrive as `ApiError` from
/// [`StatusService`] with the real status code.
fn map_openai_error(err: OpenAIError, model: &str, url: &str, timeout_secs: u64) -> LlmError {
    match err {
        OpenAIError::ApiError(resp) if resp.api_error.r#type.as_deref() == Some(NOT_A_STREAM) => {
            LlmError::Malformed {
                detail: resp.api_error.message,
            }
        }
        OpenAIError::ApiError(resp) => {
            let body = serde_json::json!({"error": {
                "message": resp.api_error.message,
                "code": resp.api_error.code,
            }})
            .to_string();
            from_status(Family::OpenAi, resp.status_code.as_u16(), &body, model, url)
        }
        OpenAIError::Reqwest(e) => from_transport(Family::OpenAi, &e, url, timeout_secs),
        OpenAIError::StreamError(e) => LlmError::StreamCut {
            detail: format!("the stream from {url} broke: {}", snippet(&e.to_string())),
        },
        OpenAIError::JSONDeserialize(e, content) => {
            // Some servers report failures as an in-stream `{"error": …}` event.
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&content)
                && value.get("error").is_some()
            {
                return LlmError::Server {
                    status: 200,
                    detail: format!("in-stream error: {}", snippet(&body_message(&content))),
                };
            }
            LlmError::Malformed {
                detail: format!("{e}; chunk: {}", snippet(&content)),
            }
        }
        other => LlmError::Other {
            detail: snippet(&other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_is_read_from_either_field_and_kept_out_of_the_content() {
        let chunk = serde_json::json!({"id": "c", "object": "chat.completion.chunk", "created": 1,
            "model": "m", "choices": [{"index": 0, "delta": {"reasoning_content": "hmm, disk"}}]});
        assert_eq!(reasoning_of(&chunk).as_deref(), Some("hmm, disk"));
        let mut turn = TurnBuilder::default();
        let parsed: CreateChatCompletionStreamResponse =
            serde_json::from_value(chunk).expect("chunk parses");
        assert_eq!(turn.apply(parsed), None);
        assert!(turn.content.is_empty());
        let vllm = serde_json::json!({"choices": [{"index": 0, "delta": {"reasoning": "r"}}]});
        assert_eq!(reasoning_of(&vllm).as_deref(), Some("r"));
        let plain = serde_json::json!({"choices": [{"index": 0, "delta": {"content": "x"}}]});
        assert_eq!(reasoning_of(&plain), None);
    }
}
