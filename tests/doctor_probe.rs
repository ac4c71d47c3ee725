//! `opsassist doctor` (the real binary) against the fake server scripted as a native-capable
//! model, a model that writes its calls as text, and one that never calls the tool.

mod support;

use std::process::Command;

use serde_json::json;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn doctor(fake: &FakeLlm, flavor: Flavor) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    let provider = match flavor {
        Flavor::OpenAi => "openai",
        Flavor::Ollama => "ollama",
    };
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[llm]\nprovider = \"{provider}\"\nbase_url = \"{}\"\nmodel = \"fake\"\nmax_retries = 0\n",
            fake.base_url
        ),
    )
    .expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .arg("doctor")
        .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", &config)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn doctor_prints_the_three_verdicts() {
    for flavor in [Flavor::OpenAi, Flavor::Ollama] {
        let native = FakeLlm::spawn_blocking(
            flavor,
            vec![Reply::ToolCalls(vec![(
                "current_time".into(),
                json!({"timezone": "UTC"}),
            )])],
        );
        let (ok, text) = doctor(&native, flavor);
        assert!(ok, "{flavor:?}: {text}");
        assert!(
            text.contains("ok  model native tool calls: yes; text tool calls: not recovered; streaming: not seen"),
            "{flavor:?}: {text}"
        );
        assert!(
            text.contains("recommendation: native tool calls work"),
            "{text}"
        );

        let texty = FakeLlm::spawn_blocking(
            flavor,
            vec![Reply::Text(
                "Let me check.\n<tool_call>\n{\"name\": \"current_time\", \"arguments\": {\"timezone\": \"UTC\"}}\n</tool_call>".into(),
            )],
        );
        let (ok, text) = doctor(&texty, flavor);
        assert!(ok, "{flavor:?}: {text}");
        assert!(
            text.contains(
                "ok  model native tool calls: no; text tool calls: recovered; streaming: yes"
            ),
            "{flavor:?}: {text}"
        );
        assert!(
            text.contains("the model writes its calls as text"),
            "{text}"
        );

        let none = FakeLlm::spawn_blocking(flavor, vec![Reply::Text("It is about noon.".into())]);
        let (ok, text) = doctor(&none, flavor);
        assert!(!ok, "{flavor:?}: {text}");
        assert!(
            text.contains("FAIL model: native tool calls: no; text tool calls: not recovered; streaming: yes; context: not reported"),
            "{flavor:?}: {text}"
        );
        assert!(
            text.contains("this model never called the tool: choose a larger one"),
            "{text}"
        );
    }
}

#[test]
fn doctor_retries_in_text_mode_when_the_server_refuses_tools() {
    let fake = FakeLlm::spawn_blocking(
        Flavor::OpenAi,
        vec![
            Reply::Status(
                500,
                r#"{"error":{"message":"tools param requires --jinja flag"}}"#.into(),
            ),
            Reply::Text(
                "<tool_call>{\"name\": \"current_time\", \"arguments\": {}}</tool_call>".into(),
            ),
        ],
    );
    let (ok, text) = doctor(&fake, Flavor::OpenAi);
    assert!(ok, "{text}");
    assert!(text.contains("refused the tools field"), "{text}");
    assert!(text.contains("set [llm] tool_calls = \"text\""), "{text}");
    let requests = fake.requests();
    assert!(requests[0].get("tools").is_some());
    assert!(requests[1].get("tools").is_none());
}
