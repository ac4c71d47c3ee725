//! Verified resolution in the real session loop: after an approved change and a final answer
//! with no check since, the core asks the model to verify exactly once; the incident is
//! "verified" only once a read-only call ran after the change.

mod session_harness;
mod support;

#[path = "support/hooks.rs"]
mod hooks;

use serde_json::json;

use opsassist::protocol::{Event, EventEnvelope};
use opsassist::session::resolution::{self, Resolution, VERIFY_PROMPT};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};

fn shell(command: &str) -> Reply {
    Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({"command": command, "reason": "test step"}),
    )])
}

fn asks(events: &[EventEnvelope]) -> usize {
    events
        .iter()
        .filter(|e| matches!(&e.event, Event::UserMessage { text } if text == VERIFY_PROMPT))
        .count()
}

fn state(events: &[EventEnvelope]) -> Option<Resolution> {
    resolution::of_events(events.iter().map(|e| &e.event))
}

fn prompt_in_requests(fake: &FakeLlm) -> Vec<usize> {
    fake.requests()
        .iter()
        .map(|body| {
            body["messages"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .filter(|m| m["role"] == "user" && m["content"] == VERIFY_PROMPT)
                        .count()
                })
                .unwrap_or(0)
        })
        .collect()
}

#[tokio::test]
async fn a_change_then_a_final_answer_is_asked_to_verify_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("flag");
    let fake = FakeLlm::openai(vec![
        shell(&format!("touch {}", target.display())),
        Reply::Text("Fixed.".into()),
        // Asked to verify, the model concludes again without checking: not asked twice.
        Reply::Text("I am sure it is fixed.".into()),
    ])
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    assert!(target.exists());
    assert_eq!(asks(&events), 1);
    assert_eq!(fake.chat_count(), 3);
    assert_eq!(prompt_in_requests(&fake), vec![0, 0, 1]);
    assert_eq!(state(&events), Some(Resolution::Unverified));
    assert!(matches!(
        events.last().map(|e| &e.event),
        Some(Event::Finished { .. })
    ));
}

#[tokio::test]
async fn the_incident_is_verified_only_after_a_read_only_call_ran_after_the_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("flag");
    let fake = FakeLlm::openai(vec![
        shell(&format!("touch {}", target.display())),
        Reply::Text("Fixed.".into()),
        shell(&format!("ls -l {}", target.display())),
        Reply::Text("Verified: the flag is there.".into()),
    ])
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    assert_eq!(asks(&events), 1);
    let ask_at = events
        .iter()
        .position(|e| matches!(&e.event, Event::UserMessage { text } if text == VERIFY_PROMPT))
        .expect("asked");
    assert_eq!(state(&events[..ask_at]), Some(Resolution::Unverified));
    assert_eq!(state(&events), Some(Resolution::Verified));
    assert_eq!(fake.chat_count(), 4);
}

#[tokio::test]
async fn read_only_sessions_and_checked_changes_are_never_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("flag");
    let fake = FakeLlm::openai(vec![
        shell("uptime"),
        shell(&format!("touch {}", target.display())),
        shell(&format!("ls -l {}", target.display())),
        Reply::Text("Done and checked.".into()),
    ])
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    assert_eq!(asks(&events), 0);
    assert_eq!(fake.chat_count(), 4);
    assert_eq!(state(&events), Some(Resolution::Verified));
}

#[tokio::test]
async fn a_resumed_session_remembers_the_unchecked_change_and_asks_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("flag");
    let fake = FakeLlm::openai(vec![
        shell(&format!("touch {}", target.display())),
        // After the resume: a final answer with the change still unchecked.
        Reply::Text("Fixed.".into()),
    ])
    .await;
    let setup = Setup {
        max_steps: 1,
        ..Setup::default()
    };
    let core = core(dir.path(), &fake, &setup);
    // The step limit ends the first run right after the change: nobody was asked yet.
    let (handle, _rx, events) = run_session(core.clone(), alert("t", "d"), |_| approve()).await;
    assert!(target.exists());
    assert_eq!(asks(&events), 0);
    handle.send(opsassist::protocol::Op::Shutdown);
    for _ in 0..200 {
        if handle.is_closed() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let resumed = opsassist::session::resume(core.clone(), &handle.id, tx).expect("resume");
    resumed.handle.send(opsassist::protocol::Op::UserMessage {
        text: "go on".into(),
    });
    let more = drive(&resumed.handle, &mut rx, |_| approve(), finished).await;
    assert_eq!(asks(&more), 1, "the resumed session knows a change ran");
    let log = opsassist::session::read_log(&core.paths, &handle.id).expect("log");
    assert_eq!(asks(&log), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_resolved_notification_carries_the_resolution_state() {
    let hooks = hooks::HttpHooks::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("flag");
    let fake = FakeLlm::openai(vec![
        shell(&format!("touch {}", target.display())),
        Reply::Text("Fixed.".into()),
        shell(&format!("ls -l {}", target.display())),
        Reply::Text("Verified: the flag is there.".into()),
    ])
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let mut core = std::sync::Arc::try_unwrap(core).unwrap_or_else(|_| panic!("core is shared"));
    core.config.notify = opsassist::notify::NotifyConfig {
        webhook: Some(opsassist::notify::config::WebhookConfig {
            url: format!("{}/generic", hooks.base),
            token_file: None,
        }),
        ..opsassist::notify::NotifyConfig::default()
    };
    let core = std::sync::Arc::new(core);
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    assert_eq!(state(&events), Some(Resolution::Verified));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let resolved = loop {
        let found = hooks
            .bodies("generic")
            .into_iter()
            .find(|b| b["trigger"] == "resolved");
        if let Some(body) = found {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "no resolved notice");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let verification = resolved["verification"].as_str().unwrap_or_default();
    assert!(
        verification.starts_with("resolution: verified"),
        "{resolved}"
    );
}
