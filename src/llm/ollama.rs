//! The Ollama provider: native `/api/chat` with tools, streamed as NDJSON.
//!
//! Request and response bodies are ollama-rs's types. The chat transport is reqwest directly:
//! ollama-rs's stream hides HTTP statuses, skips unparseable lines and prints to stderr, which
//! would garble the TUI and lose the errors we must report.

use std::time::Duration;

use futures::StreamExt;
use ollama_rs::generation::chat::request::ChatMessageRequest;
use ollama_rs::generation::chat::{ChatMessage as WireMessage, ChatMessageResponse, MessageRole};
use ollama_rs::generation::tools::{ToolCall as WireToolCall, ToolCallFunction, ToolInfo};
use ollama_rs::models::ModelOptions;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::errors::{Family, body_message, from_status, from_transport, snippet};
use super::stream_guard::{Timeouts, is_stream_type, not_a_stream, within};
use super::{AssistantTurn, ChatMessage, LlmError, Provider, ToolCall, ToolSpec, Usage};

/// How long [`Provider::probe`] waits.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Talks to `{base_url}/api/chat`.
pub struct OllamaProvider {
    http: reqwest::Client,
    model: String,
    base_url: String,
    timeouts: Timeouts,
    /// Sent as `options.num_predict`; `None` leaves the server's default.
    max_tokens: Option<u32>,
}

/// The token counts and stop reason on the final (`done: true`) line.
#[derive(Deserialize)]
struct FinalCounts {
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    done_reason: Option<String>,
}

impl OllamaProvider {
    pub(crate) fn new(
        base_url: String,
        model: String,
        http: reqwest::Client,
        timeouts: Timeouts,
    ) -> Self {
        OllamaProvider {
            http,
            model,
            base_url,
            timeouts,
            max_tokens: None,
        }
    }

    /// Cap the tokens generated per turn (`options.num_predict`).
    pub(crate) fn with_max_tokens(mut self, max_tokens: Option<u32>) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    fn request_body(
        &self,
        messages: &[ChatMessage],
        tools: &[ToolSpec],
    ) -> Result<Value, LlmError> {
        let tools = tools
            .iter()
            .map(|t| {
                serde_json::from_value::<ToolInfo>(json!({
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }))
                .map_err(|e| LlmError::Other {
                    detail: format!("tool `{}` has parameters Ollama cannot take: {e}", t.name),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut request =
            ChatMessageRequest::new(self.model.clone(), messages.iter().map(to_wire).collect())
                .tools(tools);
        if let Some(max) = self.max_tokens {
            let max = i32::try_from(max).unwrap_or(i32::MAX);
            request = request.options(ModelOptions::default().num_predict(max));
        }
        let mut body = serde_json::to_value(&request).map_err(|e| LlmError::Other {
            detail: format!("cannot encode the request: {e}"),
        })?;
        body["stream"] = Value::Bool(true);
        // Newer Ollama versions match tool results to calls by `tool_name`.
        if let Some(wire) = body.get_mut("messages").and_then(Value::as_array_mut) {
            for (wire_msg, msg) in wire.iter_mut().zip(messages) {
                if let ChatMessage::Tool { call_id, .. } = msg
                    && let Some(name) = tool_name_for(messages, call_id)
                {
                    wire_msg["tool_name"] = Value::String(name);
                }
            }
        }
        Ok(body)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

#[async_trait::async_trait]
impl Provider for OllamaProvider {
    fn name(&self) -> &str {
        "ollama"
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
        let body = self.request_body(messages, tools)?;
        let url = self.url("/api/chat");
        let transport = |e: reqwest::Error| {
            from_transport(
                Family::Ollama,
                &e,
                &self.base_url,
                self.timeouts.request_secs,
            )
        };
        let (secs, setting) = self.timeouts.next_chunk(false);
        let response = within(secs, setting, self.http.post(&url).json(&body).send())
            .await?
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(from_status(
                Family::Ollama,
                status.as_u16(),
                &text,
                &self.model,
                &self.base_url,
            ));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if !is_stream_type(Family::Ollama, content_type.as_deref()) {
            return Err(not_a_stream(Family::Ollama, response, self.timeouts.idle_secs).await);
        }
        let mut turn = OllamaTurn::new(prior_tool_calls(messages));
        let mut buf: Vec<u8> = Vec::new();
        let mut stream = response.bytes_stream();
        let mut begun = false;
        loop {
            let (secs, setting) = self.timeouts.next_chunk(begun);
            let Some(chunk) = within(secs, setting, stream.next()).await? else {
                break;
            };
            begun = true;
            buf.extend_from_slice(&chunk.map_err(transport)?);
            while let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                if let Some(text) = turn.apply_line(&line)? {
                    let _ = deltas.send(text);
                }
                if let Some(text) = turn.thinking.take() {
                    let _ = thinking.send(text);
                }
                if turn.done {
                    return Ok(turn.finish());
                }
            }
        }
        if !buf.iter().all(u8::is_ascii_whitespace)
            && let Ok(Some(text)) = turn.apply_line(&buf)
        {
            let _ = deltas.send(text);
        }
        if let Some(text) = turn.thinking.take() {
            let _ = thinking.send(text);
        }
        if turn.done {
            return Ok(turn.finish());
        }
        Err(LlmError::StreamCut {
            detail: format!("{} closed the stream before `done: true`", self.base_url),
        })
    }

    async fn probe(&self) -> Result<(), LlmError> {
        let client = ollama_rs::Ollama::try_new(format!("{}/", self.base_url)).map_err(|e| {
            LlmError::Other {
                detail: format!("invalid Ollama URL {}: {e}", self.base_url),
            }
        })?;
        match tokio::time::timeout(PROBE_TIMEOUT, client.list_local_models()).await {
            Err(_) => Err(LlmError::Connect {
                url: self.base_url.clone(),
                detail: format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
            }),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(ollama_rs::error::OllamaError::ReqwestError(e))) if e.is_connect() => {
                Err(LlmError::Connect {
                    url: self.base_url.clone(),
                    detail: "connection refused; is Ollama running? start it with `ollama serve`, or pass --base-url / set OLLAMA_HOST".into(),
                })
            }
            Ok(Err(e)) => Err(LlmError::Other {
                detail: format!("{} did not answer /api/tags: {}", self.base_url, snippet(&e.to_string())),
            }),
        }
    }
}

/// Accumulates one streamed Ollama turn.
struct OllamaTurn {
    content: String,
    tool_calls: Vec<ToolCall>,
    usage: Option<Usage>,
    done: bool,
    truncated: bool,
    next_id: usize,
    /// Reasoning carried by the last line (`message.thinking`), taken by the stream loop.
    thinking: Option<String>,
}

impl OllamaTurn {
    fn new(prior_calls: usize) -> Self {
        OllamaTurn {
            content: String::new(),
            tool_calls: Vec::new(),
            usage: None,
            done: false,
            truncated: false,
            next_id: prior_calls + 1,
            thinking: None,
        }
    }

    /// Fold one NDJSON line in; returns the text delta it carried, if any.
    fn apply_line(&mut self, line: &[u8]) -> Result<Option<String>, LlmError> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let chunk: ChatMessageResponse = match serde_json::from_str(text) {
            Ok(chunk) => chunk,
            Err(e) => return Err(malformed_or_error(text, &e)),
        };
        for call in chunk.message.tool_calls {
            let arguments = match call.function.arguments {
                Value::String(s) => s,
                Value::Null => "{}".into(),
                other => other.to_string(),
            };
            self.tool_calls.push(ToolCall {
                id: format!("call_{}", self.next_id),
                name: call.function.name,
                arguments,
            });
            self.next_id += 1;
        }
        if chunk.done {
            self.done = true;
            if let Ok(counts) = serde_json::from_str::<FinalCounts>(text) {
                self.truncated = counts.done_reason.as_deref() == Some("length");
                if counts.prompt_eval_count.is_some() || counts.eval_count.is_some() {
                    self.usage = Some(Usage {
                        prompt_tokens: counts.prompt_eval_count.unwrap_or(0),
                        completion_tokens: counts.eval_count.unwrap_or(0),
                    });
                }
            }
        }
        self.thinking = chunk.message.thinking.filter(|t| !t.is_empty());
        let piece = chunk.message.content;
        if piece.is_empty() {
            return Ok(None);
        }
        self.content.push_str(&piece);
        Ok(Some(piece))
    }

    fn finish(self) -> AssistantTurn {
        AssistantTurn {
            content: self.content,
            tool_calls: self.tool_calls,
            usage: self.usage,
            truncated: self.truncated,
        }
    }
}

/// Ollama reports failures mid-stream as `{"error": "…"}`; anything else unparseable is malformed.
fn malformed_or_error(line: &str, err: &serde_json::Error) -> LlmError {
    if let Ok(value) = serde_json::from_str::<Value>(line)
        && value.get("error").is_some()
    {
        return LlmError::Server {
            status: 200,
            detail: format!("in-stream error: {}", snippet(&body_message(line))),
        };
    }
    LlmError::Malformed {
        detail: format!("{err}; line: {}", snippet(line)),
    }
}

fn to_wire(message: &ChatMessage) -> WireMessage {
    match message {
        ChatMessage::System { content } => WireMessage::system(content.clone()),
        ChatMessage::User { content } => WireMessage::user(content.clone()),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            let mut msg = WireMessage::new(MessageRole::Assistant, content.clone());
            msg.tool_calls = tool_calls
                .iter()
                .map(|c| WireToolCall {
                    function: ToolCallFunction {
                        name: c.name.clone(),
                        arguments: serde_json::from_str(&c.arguments)
                            .unwrap_or_else(|_| Value::String(c.arguments.clone())),
                    },
                })
                .collect();
            msg
        }
        ChatMessage::Tool { content, .. } => WireMessage::tool(content.clone()),
    }
}

fn tool_name_for(messages: &[ChatMessage], call_id: &str) -> Option<String> {
    messages.iter().find_map(|m| match m {
        ChatMessage::Assistant { tool_calls, .. } => tool_calls
            .iter()
            .find(|c| c.id == call_id)
            .map(|c| c.name.clone()),
        _ => None,
    })
}

/// Tool calls already in the conversation: new ids continue after them, so ids are unique in
/// a session and identical when a turn is retried.
fn prior_tool_calls(messages: &[ChatMessage]) -> usize {
    messages
        .iter()
        .map(|m| match m {
            ChatMessage::Assistant { tool_calls, .. } => tool_calls.len(),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_continue_after_prior_calls_and_usage_is_mapped() {
        let mut turn = OllamaTurn::new(2);
        let line = br#"{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"df","arguments":{"path":"/"}}}]},"done":false}"#;
        assert_eq!(turn.apply_line(line).unwrap(), None);
        let last = br#"{"model":"m","created_at":"t","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":3}"#;
        turn.apply_line(last).unwrap();
        let t = turn.finish();
        assert_eq!(t.tool_calls[0].id, "call_3");
        assert_eq!(t.tool_calls[0].arguments, r#"{"path":"/"}"#);
        assert_eq!(
            t.usage,
            Some(Usage {
                prompt_tokens: 5,
                completion_tokens: 3
            })
        );
    }

    #[test]
    fn thinking_is_taken_apart_from_the_content() {
        let mut turn = OllamaTurn::new(0);
        let line = br#"{"model":"m","created_at":"t","message":{"role":"assistant","content":"","thinking":"disk is full?"},"done":false}"#;
        assert_eq!(turn.apply_line(line).unwrap(), None);
        assert_eq!(turn.thinking.take().as_deref(), Some("disk is full?"));
        let line = br#"{"model":"m","created_at":"t","message":{"role":"assistant","content":"Disk."},"done":true}"#;
        assert_eq!(turn.apply_line(line).unwrap().as_deref(), Some("Disk."));
        assert_eq!(turn.thinking, None);
        assert_eq!(turn.finish().content, "Disk.");
    }

    #[test]
    fn in_stream_error_is_a_server_error() {
        let mut turn = OllamaTurn::new(0);
        let e = turn
            .apply_line(br#"{"error":"model runner crashed"}"#)
            .unwrap_err();
        assert!(matches!(e, LlmError::Server { .. }), "{e}");
        let e = turn.apply_line(b"{not json").unwrap_err();
        assert!(matches!(e, LlmError::Malformed { .. }), "{e}");
    }
}
