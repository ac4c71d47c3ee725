//! What a model can do, found with one short request offering a dummy read-only tool: native
//! tool calls, calls written as text, streaming, and the server's context length. Used by
//! `opsassist doctor` and the console's connect note.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::text_calls;
use super::{ChatMessage, LlmError, Provider, ToolSpec};

/// The dummy tool offered by the probe. It is never run.
pub const PROBE_TOOL: &str = "current_time";

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The model called the tool through the API's tool-call field.
    pub native_calls: bool,
    /// The model wrote a well-formed call as text (recovered by the text parser).
    pub text_calls: bool,
    /// The server rejected the request with a `tools` field; the probe retried in text mode.
    pub tools_field_rejected: Option<String>,
    /// The answer's text arrived in more than one piece; None when it had no text (only a
    /// native call), so there was nothing to see streaming.
    pub streaming: Option<bool>,
    /// Context length (tokens), when the server reports one.
    pub context_length: Option<u64>,
}

impl Capabilities {
    /// True when the console can work with this model in some `tool_calls` mode.
    pub fn usable(&self) -> bool {
        self.native_calls || self.text_calls
    }

    /// The one-line recommendation.
    pub fn recommendation(&self) -> String {
        match (
            self.native_calls,
            self.text_calls,
            &self.tools_field_rejected,
        ) {
            (true, _, _) => {
                "native tool calls work: keep [llm] tool_calls = \"auto\" (or \"native\")".into()
            }
            (false, true, Some(_)) => {
                "the server rejects the tools field but the model writes calls as text: set \
                 [llm] tool_calls = \"text\""
                    .into()
            }
            (false, true, None) => {
                "the model writes its calls as text: keep [llm] tool_calls = \"auto\", or set \
                 \"text\" if the server rejects the tools field"
                    .into()
            }
            (false, false, _) => "this model never called the tool: choose a larger one".into(),
        }
    }

    /// The verdict on one line: `native tool calls: yes; text tool calls: …; …`.
    pub fn summary(&self) -> String {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let context = self
            .context_length
            .map_or("not reported".to_string(), |n| format!("{n} tokens"));
        format!(
            "native tool calls: {}; text tool calls: {}; streaming: {}; context: {context}",
            yes_no(self.native_calls),
            if self.text_calls {
                "recovered"
            } else {
                "not recovered"
            },
            self.streaming
                .map_or("not seen (the answer was only a tool call)", yes_no),
        )
    }
}

fn probe_tool() -> ToolSpec {
    ToolSpec {
        name: PROBE_TOOL.into(),
        description: "Read-only: return the current time on the operator's machine.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "timezone": {"type": "string", "description": "IANA zone, e.g. UTC."}
            },
            "required": [],
            "additionalProperties": false,
        }),
    }
}

fn probe_messages() -> Vec<ChatMessage> {
    vec![
        ChatMessage::System {
            content: "You are a tool-using assistant. When a tool can answer, call it instead of \
                      guessing."
                .into(),
        },
        ChatMessage::User {
            content: format!(
                "What time is it in UTC? Call the `{PROBE_TOOL}` tool with timezone \"UTC\"."
            ),
        },
    ]
}

/// One probe request (plus one in text mode if the server refuses the `tools` field), and the
/// server's context length from its info endpoint.
pub async fn probe_capabilities(
    provider: &dyn Provider,
    http: &reqwest::Client,
) -> Result<Capabilities, LlmError> {
    let tools = vec![probe_tool()];
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut rejected = None;
    let turn = match provider.stream_turn(&probe_messages(), &tools, &tx).await {
        Ok(turn) => turn,
        Err(err @ (LlmError::Server { .. } | LlmError::Other { .. }))
            if err.to_string().to_ascii_lowercase().contains("tool") =>
        {
            rejected = Some(err.to_string());
            let messages = text_calls::text_mode_messages(&probe_messages(), &tools);
            provider.stream_turn(&messages, &[], &tx).await?
        }
        Err(err) => return Err(err),
    };
    drop(tx);
    let mut pieces = 0usize;
    while rx.recv().await.is_some() {
        pieces += 1;
    }
    let native_calls = turn.tool_calls.iter().any(|c| c.name == PROBE_TOOL);
    let text_calls = !native_calls
        && !text_calls::recover(&turn.content, &tools, 1)
            .calls
            .is_empty();
    let context_length = context_length(provider, http).await;
    Ok(Capabilities {
        native_calls,
        text_calls,
        tools_field_rejected: rejected,
        streaming: (!turn.content.is_empty()).then_some(pieces > 1),
        context_length,
    })
}

/// llama.cpp's `/props` (`n_ctx`), or Ollama's `/api/show` (`*.context_length`, `num_ctx`).
async fn context_length(provider: &dyn Provider, http: &reqwest::Client) -> Option<u64> {
    let base = provider.base_url().trim_end_matches('/');
    let timeout = Duration::from_secs(5);
    let body: Value = if provider.name() == "ollama" {
        http.post(format!("{base}/api/show"))
            .json(&json!({"model": provider.model()}))
            .timeout(timeout)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?
    } else {
        let root = base.strip_suffix("/v1").unwrap_or(base);
        http.get(format!("{root}/props"))
            .timeout(timeout)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?
    };
    find_context(&body)
}

fn find_context(body: &Value) -> Option<u64> {
    if let Some(n) = body
        .pointer("/default_generation_settings/n_ctx")
        .or_else(|| body.get("n_ctx"))
        .and_then(Value::as_u64)
    {
        return Some(n);
    }
    if let Some(num_ctx) = body
        .get("parameters")
        .and_then(Value::as_str)
        .and_then(|p| {
            p.lines().find_map(|l| {
                let mut parts = l.split_whitespace();
                (parts.next() == Some("num_ctx")).then(|| parts.next()?.parse().ok())?
            })
        })
    {
        return Some(num_ctx);
    }
    body.get("model_info")?
        .as_object()?
        .iter()
        .find(|(k, _)| k.ends_with(".context_length"))
        .and_then(|(_, v)| v.as_u64())
}

/// The verdict `opsassist doctor` last printed for one server and model, kept in the data dir
/// so the console can show it when it connects (without a probe request of its own).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedVerdict {
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub summary: String,
    pub recommendation: String,
    /// RFC 3339 time of the probe.
    pub at: String,
}

impl SavedVerdict {
    /// The verdict for `provider` now.
    pub fn new(provider: &dyn Provider, caps: &Capabilities) -> Self {
        SavedVerdict {
            provider: provider.name().into(),
            base_url: provider.base_url().into(),
            model: provider.model().into(),
            summary: caps.summary(),
            recommendation: caps.recommendation(),
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// The file in `data_dir` that holds the last verdict.
    pub fn path(data_dir: &std::path::Path) -> std::path::PathBuf {
        data_dir.join("model-verdict.json")
    }

    /// Write it (best effort is the caller's choice).
    pub fn save(&self, data_dir: &std::path::Path) -> std::io::Result<()> {
        crate::paths::create_private_dir(data_dir)?;
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::io::Write::write_all(
            &mut crate::exec::output::private_file(&Self::path(data_dir))?,
            text.as_bytes(),
        )
    }

    /// The saved verdict, when there is one for this very server and model.
    pub fn load_for(data_dir: &std::path::Path, provider: &dyn Provider) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(data_dir)).ok()?;
        let saved: SavedVerdict = serde_json::from_str(&text).ok()?;
        (saved.provider == provider.name()
            && saved.base_url == provider.base_url()
            && saved.model == provider.model())
        .then_some(saved)
    }

    /// One line for the console's note.
    pub fn line(&self) -> String {
        crate::text::neutralize_line(&format!(
            "model check by opsassist doctor ({}): {}; {}",
            self.at, self.summary, self.recommendation
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_from_llama_props_and_ollama_show() {
        let props = json!({"default_generation_settings": {"n_ctx": 8192}});
        assert_eq!(find_context(&props), Some(8192));
        let show = json!({"parameters": "stop \"<|im_end|>\"\nnum_ctx 4096", "model_info": {"qwen2.context_length": 32768}});
        assert_eq!(find_context(&show), Some(4096));
        let show = json!({"model_info": {"llama.context_length": 131072}});
        assert_eq!(find_context(&show), Some(131072));
        assert_eq!(find_context(&json!({"models": []})), None);
    }

    #[test]
    fn a_saved_verdict_is_shown_only_for_the_same_server_and_model() {
        let cfg = |model: &str| crate::config::LlmConfig {
            provider: crate::config::ProviderKind::Openai,
            base_url: Some("http://127.0.0.1:9/v1".into()),
            model: Some(model.into()),
            ..Default::default()
        };
        let a = crate::llm::build_provider_with_env(&cfg("qwen"), &|_| None).expect("provider");
        let b = crate::llm::build_provider_with_env(&cfg("llama"), &|_| None).expect("provider");
        let dir = std::env::temp_dir().join(format!("opsassist-verdict-{}", std::process::id()));
        let caps = Capabilities {
            native_calls: false,
            text_calls: true,
            tools_field_rejected: None,
            streaming: Some(true),
            context_length: Some(8192),
        };
        SavedVerdict::new(a.as_ref(), &caps)
            .save(&dir)
            .expect("saved");
        let line = SavedVerdict::load_for(&dir, a.as_ref())
            .expect("same model")
            .line();
        assert!(line.contains("text tool calls: recovered"), "{line}");
        assert!(SavedVerdict::load_for(&dir, b.as_ref()).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
