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
