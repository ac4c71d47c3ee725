//! Optional conformance run against a real llama.cpp server through the openai provider.
//! Runs only when `OPSASSIST_LLAMA_URL` is set (e.g. `http://127.0.0.1:18090/v1`, printed by
//! `../shared/tools/llama-server.sh`); otherwise it prints a skip note and passes.

use opsassist::config::{LlmConfig, ProviderKind};
use opsassist::llm::{ChatMessage, build_provider_with_env};
use tokio::sync::mpsc;

/// The openai provider pointed at `OPSASSIST_LLAMA_URL`, with no API key (a local server must
/// work without one); None (with a skip note) when the variable is not set.
fn llama_provider() -> Option<(String, std::sync::Arc<dyn opsassist::llm::Provider>)> {
    let Some(url) = std::env::var("OPSASSIST_LLAMA_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("skipped: set OPSASSIST_LLAMA_URL (see ../shared/tools/llama-server.sh) to run");
        return None;
    };
    let cfg = LlmConfig {
        provider: ProviderKind::Openai,
        model: Some("smollm2".into()),
        base_url: Some(url.clone()),
        max_retries: 0,
        request_timeout_secs: 120,
        ..LlmConfig::default()
    };
    let provider = build_provider_with_env(&cfg, &|_| None).expect("provider");
    Some((url, provider))
}

#[tokio::test]
async fn llama_cpp_streams_text_through_the_openai_provider() {
    let Some((url, provider)) = llama_provider() else {
        return;
    };
    provider.probe().await.expect("probe GET /models");
    let messages = vec![
        ChatMessage::System {
            content: "You are a terse assistant.".into(),
        },
        ChatMessage::User {
            content: "Say hello in five words.".into(),
        },
    ];
    let (tx, mut rx) = mpsc::unbounded_channel();
    let turn = provider
        .stream_turn(&messages, &[], &tx)
        .await
        .unwrap_or_else(|e| panic!("streaming from {url}: {e}"));
    drop(tx);
    let mut deltas = Vec::new();
    while let Some(d) = rx.recv().await {
        deltas.push(d);
    }
    assert!(!turn.content.trim().is_empty(), "no text from {url}");
    assert!(!deltas.is_empty());
    assert_eq!(deltas.concat(), turn.content);
    eprintln!(
        "llama.cpp: {} deltas, {} chars, usage {:?}",
        deltas.len(),
        turn.content.len(),
        turn.usage
    );
}

#[tokio::test]
async fn llama_cpp_accepts_our_tool_definitions_and_history() {
    let Some((url, provider)) = llama_provider() else {
        return;
    };
    let tools = vec![opsassist::llm::ToolSpec {
        name: "disk_usage".into(),
        description: "Show disk usage of a path".into(),
        parameters: serde_json::json!({"type": "object",
            "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    }];
    let messages = vec![
        ChatMessage::User {
            content: "Is the disk full?".into(),
        },
        ChatMessage::Assistant {
            content: String::new(),
            tool_calls: vec![opsassist::llm::ToolCall {
                id: "call_1".into(),
                name: "disk_usage".into(),
                arguments: r#"{"path":"/"}"#.into(),
            }],
        },
        ChatMessage::Tool {
            call_id: "call_1".into(),
            content: "/dev/sda1 100G 97G 3G 97% /".into(),
        },
    ];
    let (tx, _rx) = mpsc::unbounded_channel();
    let turn = provider
        .stream_turn(&messages, &tools, &tx)
        .await
        .unwrap_or_else(|e| panic!("tools + tool history against {url}: {e}"));
    assert!(
        !turn.content.trim().is_empty() || !turn.tool_calls.is_empty(),
        "empty turn from {url}"
    );
    eprintln!(
        "llama.cpp tool turn: {} chars, calls {:?}, usage {:?}",
        turn.content.len(),
        turn.tool_calls,
        turn.usage
    );
    for call in &turn.tool_calls {
        assert!(!call.id.is_empty() && !call.name.is_empty());
    }
}
