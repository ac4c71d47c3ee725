//! A call recovered from the model's text is marked as such by an explicit field, in the
//! proposal event and in the audit record, not only by its `text_call_N` id; a native call is
//! not marked, and its audit record keeps the bytes it had before the field existed.

mod session_harness;
mod support;

use std::sync::Arc;

use opsassist::config::ToolCallMode;
use opsassist::paths::Paths;
use opsassist::protocol::{Event, EventEnvelope, Proposal};
use opsassist::session::Core;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn with_mode(core: Arc<Core>, mode: ToolCallMode) -> Arc<Core> {
    let mut core = Arc::try_unwrap(core).unwrap_or_else(|_| panic!("core is shared"));
    core.config.llm.tool_calls = mode;
    Arc::new(core)
}

fn asked(events: &[EventEnvelope]) -> Vec<Proposal> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => Some(proposal.clone()),
            _ => None,
        })
        .collect()
}

fn proposal_records(root: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(Paths::in_dir(root).audit_log()).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["entry"]["kind"] == "proposal")
        .collect()
}

#[tokio::test]
async fn a_text_call_is_marked_in_the_proposal_and_the_audit_record() {
    for flavor in [Flavor::OpenAi, Flavor::Ollama] {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "<tool_call>\n{\"name\": \"local_shell\", \"arguments\": {\"command\": \"echo marked\", \"reason\": \"look\"}}\n</tool_call>";
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::Text(text.into()), Reply::Text("ok.".into())],
        )
        .await;
        let core = with_mode(
            core(dir.path(), &fake, &Setup::default()),
            ToolCallMode::Auto,
        );
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
        let asked = asked(&events);
        assert_eq!(asked.len(), 1, "{flavor:?}");
        assert!(asked[0].recovered_from_text, "{flavor:?}: {asked:?}");
        let records = proposal_records(dir.path());
        assert_eq!(records.len(), 1, "{flavor:?}");
        assert_eq!(
            records[0]["entry"]["recovered_from_text"], true,
            "{records:?}"
        );
    }
}

#[tokio::test]
async fn a_native_call_is_not_marked_and_its_record_has_no_new_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![(
                "local_shell".into(),
                serde_json::json!({"command": "echo native", "reason": "look"}),
            )]),
            Reply::Text("ok.".into()),
        ],
    )
    .await;
    let core = with_mode(
        core(dir.path(), &fake, &Setup::default()),
        ToolCallMode::Auto,
    );
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    let asked = asked(&events);
    assert_eq!(asked.len(), 1);
    assert!(!asked[0].recovered_from_text);
    let logged = serde_json::to_string(&asked[0]).unwrap_or_default();
    assert!(!logged.contains("recovered_from_text"), "{logged}");
    let records = proposal_records(dir.path());
    assert_eq!(records.len(), 1);
    assert!(records[0]["entry"].get("recovered_from_text").is_none());
}

#[test]
fn an_old_proposal_line_reads_as_not_recovered() {
    let line = r#"{"type":"approval_requested","proposal":{"call_id":"text_call_1","tool":"local_shell","target":{"kind":"local"},"command":"uptime","arguments":"{}","reason":null,"class":"read-only","class_reason":"r","shell":true}}"#;
    let event: Event = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
    let Event::ApprovalRequested { proposal } = event else {
        panic!("not an approval request");
    };
    assert!(!proposal.recovered_from_text);
    assert!(proposal.scopes.is_empty());
}

/// A recovered call still pending when the front end went away is asked again after the
/// resume with its mark (read back from the log, not from its id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mark_survives_a_resume() {
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "<tool_call>\n{\"name\": \"local_shell\", \"arguments\": {\"command\": \"echo resumed\", \"reason\": \"look\"}}\n</tool_call>";
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![Reply::Text(text.into()), Reply::Text("ok.".into())],
    )
    .await;
    let core = with_mode(
        core(dir.path(), &fake, &Setup::default()),
        ToolCallMode::Auto,
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = opsassist::session::start(core.clone(), alert("t", "d"), tx).expect("start");
    let id = handle.id.clone();
    drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::ApprovalRequested { .. }),
    )
    .await;
    drop(handle);
    drop(rx);
    let log = core.paths.sessions_dir().join(format!("{id}.jsonl"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while opsassist::session::log::is_locked(&log) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "lock never released"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = opsassist::session::recover(core.clone(), tx).expect("recover");
    assert_eq!(recovered.len(), 1);
    let handle = recovered[0].handle.clone();
    let events = drive(&handle, &mut rx, |_| approve(), finished).await;
    handle.send(opsassist::protocol::Op::Shutdown);
    let asked = asked(&events);
    assert_eq!(asked.len(), 1, "{events:#?}");
    assert!(asked[0].recovered_from_text, "{asked:?}");
}
