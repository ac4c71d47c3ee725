//! Optional conformance run against a real llama.cpp server through the openai provider.
//! Runs only when `OPSASSIST_LLAMA_URL` is set (e.g. `http://127.0.0.1:18090/v1`, printed by
//! `../shared/tools/llama-server.sh`); otherwise it prints a skip note and passes.

use opsassist::config::{LlmConfig, ProviderKind};
use opsassist::llm::{ChatMessage, build_provider_with_env};
use tokio::sync::mpsc;

/// One test at a time talks to the server: a request queued behind another test's session
/// gets no byte until a slot frees, and would hit the client's idle timeout (60 s).
static SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let _one_at_a_time = SERVER.lock().await;
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
    let _one_at_a_time = SERVER.lock().await;
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

/// A whole session in `tool_calls = "text"` mode against the tiny model: no `tools` field is
/// sent; whatever the model writes, the session must end cleanly (calls it proposes are
/// rejected, nothing runs). Then `opsassist doctor` probes the same server; both outcomes are
/// printed for the record, and doctor's verdict must be one of its three and agree with the
/// probe's own numbers.
#[tokio::test]
async fn llama_cpp_text_mode_session_ends_cleanly_and_doctor_reports_it() {
    use std::sync::{Arc, Mutex};

    use opsassist::audit::AuditLog;
    use opsassist::config::{Config, ToolCallMode};
    use opsassist::exec::Executor;
    use opsassist::paths::Paths;
    use opsassist::policy::Redactor;
    use opsassist::protocol::{Decision, Event, Mode, Op};
    use opsassist::session::prompt::{Prompts, render_system};
    use opsassist::session::{self, Core, SessionOptions};
    use opsassist::tools::ToolRegistry;

    let Some((url, provider)) = llama_provider() else {
        return;
    };
    let _one_at_a_time = SERVER.lock().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths::in_dir(dir.path());
    std::fs::create_dir_all(&paths.data_dir).expect("data dir");
    std::fs::create_dir_all(&paths.config_dir).expect("config dir");
    let mut config = Config::default();
    config.llm.provider = ProviderKind::Openai;
    config.llm.base_url = Some(url.clone());
    config.llm.model = Some("smollm2".into());
    config.llm.max_retries = 0;
    config.llm.max_tokens = 256;
    config.llm.tool_calls = ToolCallMode::Text;
    config.llm.request_timeout_secs = 120;
    // The session's provider is built from this config, so its turns are capped at 256
    // tokens (the default provider would let the tiny model ramble for 4096 per turn).
    drop(provider);
    let provider = build_provider_with_env(&config.llm, &|_| None).expect("provider");
    let prompts = Prompts::load(&paths.config_dir).expect("prompts");
    let core = Arc::new(Core {
        system_prompt: render_system(&prompts.system, Mode::Check, &config.hosts),
        user_template: prompts.user,
        provider,
        tools: ToolRegistry::load(&paths.config_dir).expect("tools"),
        executor: Executor::new(&config, &paths),
        audit: Arc::new(Mutex::new(
            AuditLog::open(&paths.audit_log()).expect("audit"),
        )),
        redactor: Redactor::new(Vec::new()),
        options: SessionOptions {
            mode: Mode::Check,
            auto_approve_read_only: false,
            max_steps: 3,
        },
        config,
        paths,
    });
    let payload = serde_json::json!({"title": "Disk almost full on web01",
        "description": "/ is 97% full", "host": "web01", "severity": "warning"});
    let alert = opsassist::alert::parse(payload.to_string().as_bytes(), &Default::default())
        .expect("alert")
        .remove(0);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(core, alert, tx).expect("session starts");
    let mut recovered = Vec::new();
    let mut finished = None;
    // A tiny model on a busy CPU takes minutes per turn: OPSASSIST_LLAMA_DEADLINE_SECS raises
    // the bound (default 600 s); each turn's time is printed for the record.
    let limit = std::env::var("OPSASSIST_LLAMA_DEADLINE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600u64);
    let started = tokio::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(limit);
    while finished.is_none() {
        let envelope = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("session against {url} did not end in {limit} s"))
            .unwrap_or_else(|| panic!("session against {url} ended without Finished"));
        match envelope.event {
            Event::ApprovalRequested { proposal } => {
                recovered.push(format!("{} {}", proposal.tool, proposal.command));
                assert!(handle.send(Op::Decide {
                    call_id: proposal.call_id,
                    decision: Decision::Reject {
                        reason: "conformance run: nothing is executed".into(),
                    },
                }));
            }
            Event::Note { message } if message.contains("recovered") => {
                eprintln!("note: {message}");
            }
            Event::Warning { message } => eprintln!("warning: {message}"),
            Event::ModelText { text, .. } => eprintln!(
                "turn at {:.0} s: {} chars of text",
                started.elapsed().as_secs_f64(),
                text.chars().count()
            ),
            Event::Finished { state, reason } => finished = Some((state, reason)),
            _ => {}
        }
    }
    eprintln!(
        "llama.cpp text mode: {} recoverable call(s) {:?}; finished {:?}",
        recovered.len(),
        recovered,
        finished
    );
    let (state, reason) = finished.expect("finished");
    assert_ne!(
        state,
        opsassist::protocol::SessionState::Failed,
        "session failed: {reason}"
    );

    // The real binary's verdict on the same server.
    let config_dir = dir.path().join("doctor-config");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    std::fs::write(
        config_dir.join("config.toml"),
        format!("[llm]\nprovider = \"openai\"\nbase_url = \"{url}\"\nmodel = \"smollm2\"\nmax_tokens = 256\n"),
    )
    .expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["doctor"])
        .env("OPSASSIST_CONFIG_DIR", &config_dir)
        .env("OPSASSIST_DATA_DIR", dir.path().join("doctor-data"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("doctor runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("doctor:\n{text}");
    let line = text
        .lines()
        .find(|l| l.contains("native tool calls:"))
        .unwrap_or_else(|| panic!("no model verdict in doctor's output:\n{text}"));
    // "text tool calls: not recovered;" also ends in "recovered;": match the whole field.
    let usable =
        line.contains("native tool calls: yes") || line.contains("text tool calls: recovered;");
    assert_eq!(line.starts_with("ok  model"), usable, "{line}");
    assert!(
        line.contains("context: 8192 tokens"),
        "llama.cpp /props n_ctx: {line}"
    );
    let advice = if usable {
        "tool_calls"
    } else {
        "this model never called the tool"
    };
    assert!(text.contains(advice), "{text}");
}
