//! `Op::ResolveAndStop` (the console's `D` on a busy incident) stops the work in the core:
//! a waiting call is rejected with the note and never runs, a model turn is interrupted, a
//! running command is cancelled, the session is resolved and finished, and the model server
//! gets no new request. Also the prefixes remembered for an incident: reported, revocable.

mod session_harness;
mod support;

use std::time::Duration;

use serde_json::json;

use opsassist::protocol::{Decision, Event, EventEnvelope, Op, Verdict};
use opsassist::session;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn shell(command: &str) -> (String, serde_json::Value) {
    (
        "local_shell".into(),
        json!({"command": command, "reason": "test"}),
    )
}

fn has(events: &[EventEnvelope], pred: impl Fn(&Event) -> bool) -> bool {
    events.iter().any(|e| pred(&e.event))
}

/// The resolved-and-finished tail every stop ends with, in this order.
fn assert_resolved_then_finished(events: &[EventEnvelope], note: &str) {
    let resolved = events
        .iter()
        .position(|e| matches!(&e.event, Event::Resolved { note: n } if n == note))
        .unwrap_or_else(|| panic!("no Resolved: {events:#?}"));
    let finished = events
        .iter()
        .position(|e| matches!(e.event, Event::Finished { .. }))
        .unwrap_or_else(|| panic!("no Finished: {events:#?}"));
    assert!(resolved < finished, "{events:#?}");
    assert!(
        !events[resolved..]
            .iter()
            .any(|e| matches!(e.event, Event::State { .. })),
        "a state change after Resolved would bring the incident back: {events:#?}"
    );
}

#[tokio::test]
async fn a_waiting_call_is_rejected_with_the_note_and_never_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("changed-file");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![
                shell(&format!("touch {}", marker.display())),
                shell("uptime"),
            ]),
            Reply::Text("should never be asked for".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("disk", "full"), tx).expect("start");
    let mut events = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::ApprovalRequested { .. }),
    )
    .await;
    assert!(handle.send(Op::ResolveAndStop {
        note: "fixed by hand".into()
    }));
    events.extend(drive(&handle, &mut rx, |_| None, finished).await);
    assert!(!marker.exists(), "the waiting call ran");
    assert!(!has(&events, |e| matches!(e, Event::ExecStarted { .. })));
    let rejected: Vec<&String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Decided {
                verdict: Verdict::Rejected { reason },
                ..
            } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(rejected.len(), 2, "{events:#?}");
    assert!(
        rejected.iter().all(|r| r.contains("fixed by hand")),
        "{rejected:?}"
    );
    assert_resolved_then_finished(&events, "fixed by hand");
    assert_one_result_per_call_in_log(&events);
    // The session task has ended: nothing more reaches the model server.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while rx.recv().await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "the session is still running");
    assert_eq!(fake.chat_count(), 1);
    assert!(!handle.send(Op::Decide {
        call_id: "whatever".into(),
        decision: Decision::Approve { confirm: None },
    }));
}

#[tokio::test]
async fn a_streaming_model_turn_is_interrupted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::Text("a long answer that takes its time to arrive in many pieces".into()),
            Reply::Text("never".into()),
        ],
    )
    .await;
    fake.set_chunk_delay(Duration::from_millis(400));
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("cpu", "high"), tx).expect("start");
    let mut events = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::ModelDelta { .. }),
    )
    .await;
    assert!(handle.send(Op::ResolveAndStop {
        note: "false alarm".into()
    }));
    events.extend(drive(&handle, &mut rx, |_| None, finished).await);
    assert!(has(&events, |e| matches!(
        e,
        Event::Warning { message } if message.contains("model turn interrupted")
    )));
    assert!(!has(&events, |e| matches!(e, Event::ModelText { .. })));
    assert_resolved_then_finished(&events, "false alarm");
    assert_eq!(fake.chat_count(), 1);
}

#[tokio::test]
async fn a_running_command_is_cancelled_and_the_rest_of_the_turn_never_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("second-ran");
    let sleep = format!("sleep 40.{}", std::process::id() % 1000);
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![
                shell(&sleep),
                shell(&format!("touch {}", marker.display())),
            ]),
            Reply::Text("never".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("cpu", "high"), tx).expect("start");
    let mut events = drive(
        &handle,
        &mut rx,
        |p| (p.command.starts_with("sleep")).then(approve).flatten(),
        |e| matches!(e, Event::ExecStarted { .. }),
    )
    .await;
    assert!(handle.send(Op::ResolveAndStop {
        note: "done elsewhere".into()
    }));
    events.extend(drive(&handle, &mut rx, |_| None, finished).await);
    let summary = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ExecFinished { summary } => Some(summary.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ExecFinished: {events:#?}"));
    assert!(summary.cancelled, "{summary:?}");
    assert!(!marker.exists(), "the second call ran");
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.event, Event::ExecStarted { .. }))
            .count(),
        1
    );
    assert_resolved_then_finished(&events, "done elsewhere");
    assert_one_result_per_call_in_log(&events);
    assert_eq!(fake.chat_count(), 1);
}

#[tokio::test]
async fn a_remembered_prefix_is_reported_and_revoking_it_asks_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell("df -h /")]),
            Reply::ToolCalls(vec![shell("df -h /tmp")]),
            Reply::ToolCalls(vec![shell("df -k /")]),
            Reply::Text("Disk is fine.".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("disk", "full"), tx).expect("start");
    // `A` on the first call; the second runs without asking.
    let mut events = drive(
        &handle,
        &mut rx,
        |_| Some(Decision::ApprovePrefix),
        |e| {
            matches!(
                e,
                Event::Decided {
                    verdict: Verdict::AutoApproved { .. },
                    ..
                }
            )
        },
    )
    .await;
    let remembered = events
        .iter()
        .position(|e| matches!(&e.event, Event::PrefixRemembered { prefix, .. } if prefix.starts_with("df")))
        .unwrap_or_else(|| panic!("no PrefixRemembered: {events:#?}"));
    let Event::PrefixRemembered { prefix, .. } = events[remembered].event.clone() else {
        unreachable!()
    };
    assert!(matches!(
        &events[remembered + 1].event,
        Event::Decided {
            verdict: Verdict::Approved,
            ..
        }
    ));
    assert!(handle.send(Op::ForgetPrefix {
        prefix: prefix.clone(),
        target: opsassist::protocol::Target::Local,
    }));
    // The third call is asked again.
    events.extend(
        drive(
            &handle,
            &mut rx,
            |_| approve(),
            |e| matches!(e, Event::ApprovalRequested { proposal } if proposal.command == "df -k /"),
        )
        .await,
    );
    assert!(has(&events, |e| matches!(
        e,
        Event::PrefixForgotten { prefix: p, .. } if *p == prefix
    )));
    events.extend(drive(&handle, &mut rx, |_| approve(), finished).await);
    // `sessions show` says what was remembered.
    let mut transcript = opsassist::headless::Transcript::default();
    let mut out = Vec::new();
    for e in &events {
        transcript.render(e, &mut out).expect("render");
    }
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains(&format!(
            "✔ approved · remembered `{prefix}` for this incident"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("revoked the remembered prefix `{prefix}`")),
        "{text}"
    );
    // Forgetting what is not remembered is a warning, nothing else.
    assert!(handle.send(Op::ForgetPrefix {
        prefix: "uptime".into(),
        target: opsassist::protocol::Target::Local,
    }));
    let more = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::Warning { .. }),
    )
    .await;
    assert!(!has(&more, |e| matches!(e, Event::PrefixForgotten { .. })));
    handle.send(Op::Shutdown);
}
