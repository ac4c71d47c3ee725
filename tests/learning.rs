//! Learning from operator edits through the real loop against the fake LLM servers: an edit in
//! one session is recorded in `corrections.jsonl`; a later session on a similar alert sends it
//! to the model as a labelled few-shot example (and says so with a `Note`); an unrelated alert
//! or `[learning] enabled = false` does not.

mod session_harness;
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};

use opsassist::alert::Alert;
use opsassist::protocol::{Decision, Event, EventEnvelope, Op};
use opsassist::session::Core;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

const SECTION: &str = "Past operator corrections on similar alerts";
const EXAMPLE: &str = "you proposed `df -h`; the operator ran `df -h /var` instead";

fn fixture(name: &str) -> Vec<Alert> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alerts")
        .join(name);
    let bytes = std::fs::read(&path).expect("fixture");
    opsassist::alert::parse(&bytes, &Default::default()).expect("fixture parses")
}

/// The system message of the first request the server received.
fn system_message(fake: &FakeLlm) -> String {
    let requests = fake.requests();
    let first: &Value = requests.first().expect("a request");
    let messages = first["messages"].as_array().expect("messages");
    assert_eq!(messages[0]["role"], "system", "{first}");
    messages[0]["content"]
        .as_str()
        .expect("content")
        .to_string()
}

fn notes(events: &[EventEnvelope]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Note { message } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

fn with_learning(core: Arc<Core>, enabled: bool) -> Arc<Core> {
    match Arc::try_unwrap(core) {
        Ok(mut core) => {
            core.config.learning.enabled = enabled;
            Arc::new(core)
        }
        Err(_) => panic!("core is shared"),
    }
}

/// Session A: the model proposes `df -h`, the operator runs `df -h /var` instead.
async fn session_with_edit(dir: &Path, flavor: Flavor, alert: Alert, enabled: bool) {
    let fake = FakeLlm::start(
        flavor,
        vec![
            Reply::ToolCalls(vec![(
                "local_shell".into(),
                json!({"command": "df -h", "reason": "check disk usage"}),
            )]),
            Reply::Text("/var is at 97%.".into()),
        ],
    )
    .await;
    let core = with_learning(core(dir, &fake, &Setup::default()), enabled);
    let (handle, _rx, events) = run_session(core, alert, |_| {
        Some(Decision::Edit {
            replacement: "df -h /var".into(),
            confirm: None,
        })
    })
    .await;
    assert!(
        events.iter().any(|e| matches!(&e.event,
            Event::ExecStarted { command, .. } if command == "df -h /var")),
        "{events:#?}"
    );
    handle.send(Op::Shutdown);
}

/// A session that only answers; returns the system prompt the server saw and the notes.
async fn plain_session(
    dir: &Path,
    flavor: Flavor,
    alert: Alert,
    enabled: bool,
) -> (String, Vec<String>) {
    let fake = FakeLlm::start(flavor, vec![Reply::Text("Looked at it.".into())]).await;
    let core = with_learning(core(dir, &fake, &Setup::default()), enabled);
    let (handle, _rx, events) = run_session(core, alert, |_| approve()).await;
    handle.send(Op::Shutdown);
    (system_message(&fake), notes(&events))
}

#[tokio::test]
async fn an_edit_becomes_an_example_for_similar_alerts_only() {
    for flavor in [Flavor::OpenAi, Flavor::Ollama] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut disk = fixture("alertmanager-disk-full-var.json");
        let db02 = disk.remove(1);
        let db01 = disk.remove(0);
        let cpu = fixture("alertmanager-high-cpu.json").remove(0);

        let (before, _) = plain_session(dir.path(), flavor, db02.clone(), true).await;
        assert!(!before.contains(SECTION), "{flavor:?}: nothing learned yet");

        session_with_edit(dir.path(), flavor, db01, true).await;
        let path = dir.path().join("data/corrections.jsonl");
        let mode = std::fs::metadata(&path)
            .expect("corrections file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let record: Value = serde_json::from_str(
            std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .next()
                .expect("a record"),
        )
        .expect("json record");
        assert_eq!(record["proposed"], "df -h");
        assert_eq!(record["executed"], "df -h /var");
        assert_eq!(record["tool"], "local_shell");
        assert_eq!(record["source"], "alertmanager");
        assert_eq!(record["labels"]["mountpoint"], "/var");

        let (similar, similar_notes) = plain_session(dir.path(), flavor, db02.clone(), true).await;
        assert!(similar.contains(SECTION), "{flavor:?}: {similar}");
        assert!(similar.contains(EXAMPLE), "{flavor:?}: {similar}");
        let block = &similar[similar.find(SECTION).expect("section")..];
        let begin = block.find("<<<UNTRUSTED-DATA ").expect("begin marker");
        let end = block.find("<<<END UNTRUSTED-DATA ").expect("end marker");
        let example = block.find(EXAMPLE).expect("example");
        assert!(begin < example && example < end, "{block}");
        assert_eq!(similar_notes.len(), 1, "{flavor:?}");
        assert!(
            similar_notes[0].contains("df -h /var"),
            "{}",
            similar_notes[0]
        );

        let (unrelated, unrelated_notes) = plain_session(dir.path(), flavor, cpu, true).await;
        assert!(!unrelated.contains(SECTION), "{flavor:?}: {unrelated}");
        assert!(!unrelated.contains("df -h /var"));
        assert!(unrelated_notes.is_empty());

        let (off, off_notes) = plain_session(dir.path(), flavor, db02, false).await;
        assert!(!off.contains(SECTION), "{flavor:?}: learning disabled");
        assert!(off_notes.is_empty());
    }
}

#[tokio::test]
async fn with_learning_disabled_edits_are_not_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db01 = fixture("alertmanager-disk-full-var.json").remove(0);
    session_with_edit(dir.path(), Flavor::OpenAi, db01, false).await;
    assert!(!dir.path().join("data/corrections.jsonl").exists());
}

#[tokio::test]
async fn secrets_in_an_edit_never_reach_the_file_or_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut disk = fixture("alertmanager-disk-full-var.json");
    let db02 = disk.remove(1);
    let db01 = disk.remove(0);
    let secret = "AKIAIOSFODNN7EXAMPLE";
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "df -h", "reason": "check"}),
        )]),
        Reply::Text("ok".into()),
    ])
    .await;
    let (handle, _rx, _) = run_session(core(dir.path(), &fake, &Setup::default()), db01, |_| {
        Some(Decision::Edit {
            replacement: format!("AWS_ACCESS_KEY_ID={secret} df -h /var"),
            confirm: None,
        })
    })
    .await;
    handle.send(Op::Shutdown);
    let stored = std::fs::read_to_string(dir.path().join("data/corrections.jsonl"))
        .expect("corrections file");
    assert!(!stored.contains(secret), "{stored}");
    let (system, _) = plain_session(dir.path(), Flavor::OpenAi, db02, true).await;
    assert!(system.contains(SECTION), "{system}");
    assert!(!system.contains(secret), "{system}");
}
