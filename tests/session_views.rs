//! What the core gives the console's views, in-process against the fake OpenAI server: the
//! host-mismatch warning on a proposal, the last request the model received (as sent,
//! redacted), and a resolution logged so the incident stays archived after a restart.

mod session_harness;
mod support;

use opsassist::llm::ChatMessage;
use opsassist::protocol::{Event, Op};
use opsassist::session;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn shell(command: &str) -> (String, serde_json::Value) {
    (
        "local_shell".to_string(),
        serde_json::json!({ "command": command }),
    )
}

#[tokio::test]
async fn proposals_warn_about_the_host_the_last_request_is_kept_and_a_resolution_is_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::TextThenTools("Let me look.".into(), vec![shell("echo views-check")]),
            Reply::Text("All good.".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    // The test alert names host web01; local_shell runs on this machine.
    let (handle, mut rx, events) = run_session(
        core.clone(),
        alert("Disk full", "token=hunter2-secret-value"),
        |_| approve(),
    )
    .await;
    let warning = events.iter().find_map(|e| match &e.event {
        Event::ApprovalRequested { proposal } => Some(proposal.host_warning.clone()),
        _ => None,
    });
    let warning = warning.flatten().unwrap_or_default();
    assert!(
        warning.contains("web01") && warning.contains("local"),
        "{warning:?}"
    );

    let sent = handle.last_request().expect("a request was recorded");
    assert!(matches!(
        sent.messages.first(),
        Some(ChatMessage::System { .. })
    ));
    let tool = sent.messages.iter().find_map(|m| match m {
        ChatMessage::Tool { content, .. } => Some(content.clone()),
        _ => None,
    });
    assert!(
        tool.unwrap_or_default().contains("views-check"),
        "{:?}",
        sent.messages
    );
    assert!(!sent.tools.is_empty(), "tools offered: {:?}", sent.tools);
    // Rebuilt from the log (a console that did not send it): the same messages.
    let rebuilt = session::last_request::rebuild(&core, &handle.id)
        .expect("log")
        .expect("an answered request");
    assert!(rebuilt.from_log);
    assert_eq!(rebuilt.messages, sent.messages);

    assert!(handle.send(Op::Resolve {
        note: "cleaned /var/log".into()
    }));
    let resolved = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::Resolved { .. }),
    )
    .await;
    assert!(matches!(
        &resolved.last().map(|e| &e.event),
        Some(Event::Resolved { note }) if note == "cleaned /var/log"
    ));
    let listed = session::list(&core.paths).expect("list");
    assert_eq!(listed[0].resolved.as_deref(), Some("cleaned /var/log"));
}
