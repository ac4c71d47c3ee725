//! Crash safety: SIGKILL the real `opsassist run` mid-command and mid-approval, then check the
//! log is intact (a torn last line is cut with a warning), the running command is recorded as
//! "interrupted: outcome unknown" and never re-run, and pending approvals are asked again.

mod crash_harness;
mod session_harness;
mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

use crash_harness::*;
use opsassist::protocol::{Decision, Event, Op, SessionState};
use opsassist::session::{self, log};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_mid_command_marks_it_interrupted_and_never_reruns_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = dir.path().join("runs");
    let token = format!("{}", 20 + std::process::id() % 9);
    let command = format!("echo x >> {} && sleep 3{token}", runs.display());
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": command, "reason": "drain"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo after-restart", "reason": "check"}),
        )]),
        Reply::Text("Handing back.".into()),
    ]);
    let mut child = spawn_run(dir.path(), &fake);
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"y\n")
        .expect("write");
    let (id, path) = wait_for_event(dir.path(), |e| matches!(e, Event::ExecStarted { .. }));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !runs.exists() {
        assert!(Instant::now() < deadline, "command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    sigkill(&mut child);
    kill_orphans(&format!("sleep 3{token}"));

    // Everything logged up to the kill is intact; simulate a torn final write as well.
    let before = log::read(&path).expect("log readable after kill");
    assert!(before.torn_bytes.is_none());
    assert!(before.events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert!(matches!(
        before.events.last().map(|e| &e.event),
        Some(Event::ExecStarted { .. }) | Some(Event::State { .. })
    ));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(br#"{"session_id":"x","seq":99,"at":"2026-"#))
        .expect("tear");
    let listed = session::list(&opsassist::paths::Paths::in_dir(dir.path())).expect("list");
    assert_eq!(listed[0].state, SessionState::Interrupted);

    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = session::recover(core.clone(), tx).expect("recover");
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].handle.id, id);
    assert_eq!(recovered[0].history, before.events);
    let handle = recovered[0].handle.clone();
    let events = recv_until(&mut rx, |e| matches!(e, Event::ApprovalRequested { .. })).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, Event::Warning { message } if message.contains("torn")))
    );
    let interrupted = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ToolResult { content, .. } => Some(content.clone()),
            _ => None,
        })
        .expect("tool result for the interrupted call");
    assert!(interrupted.contains("interrupted: outcome unknown"));
    assert!(events.iter().any(|e| matches!(&e.event, Event::ExecFinished { summary } if summary.model_output.contains("interrupted"))));
    // The model was told, and the command did not run again.
    let request = fake
        .requests()
        .last()
        .cloned()
        .expect("request")
        .to_string();
    assert!(request.contains("interrupted: outcome unknown"));
    assert_eq!(std::fs::read_to_string(&runs).expect("runs"), "x\n");

    let call_id = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => Some(proposal.call_id.clone()),
            _ => None,
        })
        .expect("approval");
    handle.send(Op::Decide {
        call_id,
        decision: Decision::Approve { confirm: None },
    });
    let rest = recv_until(&mut rx, |e| matches!(e, Event::Finished { .. })).await;
    assert!(rest.iter().any(|e| matches!(&e.event, Event::ExecFinished { summary } if summary.model_output.contains("after-restart"))));
    let full = session::read_log(&core.paths, &id).expect("log");
    assert_one_result_per_call_in_log(&full);
    assert!(
        full.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "seq continues after resume"
    );
    assert_eq!(std::fs::read_to_string(&runs).expect("runs"), "x\n");
    assert!(log::read(&path).expect("log").torn_bytes.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_while_awaiting_approval_asks_again_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![
            (
                "local_shell".into(),
                json!({"command": "echo one", "reason": "a"}),
            ),
            (
                "local_shell".into(),
                json!({"command": format!("touch {}", marker.display()), "reason": "b"}),
            ),
        ]),
        Reply::Text("Done.".into()),
    ]);
    let mut child = spawn_run(dir.path(), &fake);
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"y\n")
        .expect("write");
    // The first call ran; the second waits for the operator when we kill.
    let (id, _path) = wait_for_event(dir.path(), |e| matches!(e, Event::ExecFinished { .. }));
    wait_for_event(dir.path(), |e| {
        matches!(
            e,
            Event::State {
                state: SessionState::AwaitingApproval
            }
        )
    });
    sigkill(&mut child);
    assert!(!marker.exists());

    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = session::recover(core.clone(), tx).expect("recover");
    assert_eq!(recovered.len(), 1);
    let handle = recovered[0].handle.clone();
    let events = recv_until(&mut rx, |e| matches!(e, Event::ApprovalRequested { .. })).await;
    let proposal = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => Some(proposal.clone()),
            _ => None,
        })
        .expect("re-requested");
    assert!(proposal.command.contains("touch"));
    assert_eq!(
        fake.chat_count(),
        1,
        "no new model turn before the pending call is decided"
    );
    // A second process cannot take the same session while this one holds it.
    assert!(matches!(
        session::resume(core.clone(), &id, tokio::sync::mpsc::unbounded_channel().0),
        Err(session::SessionError::Busy(_))
    ));
    handle.send(Op::Decide {
        call_id: proposal.call_id,
        decision: Decision::Reject {
            reason: "not after a crash".into(),
        },
    });
    recv_until(&mut rx, |e| matches!(e, Event::Finished { .. })).await;
    assert!(!marker.exists());
    let full = session::read_log(&core.paths, &id).expect("log");
    assert_one_result_per_call_in_log(&full);
    let request = fake
        .requests()
        .last()
        .cloned()
        .expect("request")
        .to_string();
    assert!(request.contains("not after a crash"));
    // Finished sessions are not recovered again.
    drop(handle);
    drop(recovered);
    let deadline = Instant::now() + Duration::from_secs(10);
    while log::is_locked(&core.paths.sessions_dir().join(format!("{id}.jsonl"))) {
        assert!(Instant::now() < deadline, "lock never released");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let again = session::recover(core, tokio::sync::mpsc::unbounded_channel().0).expect("recover");
    assert!(again.is_empty());
}

/// A crash mid-append leaves the audit log with a torn last record: the next session's first
/// audit append cuts it, and the operator sees why as a warning in that session.
#[tokio::test]
async fn a_torn_audit_record_is_cut_and_shown_as_a_warning() {
    if std::env::var("OPSASSIST_TEST_STORE").as_deref() == Ok("postgres") {
        // The torn record is in audit.jsonl; with the team store the chain is in the
        // database (one transaction per record: nothing to tear).
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo audit-ok", "reason": "test"}),
        )]),
        Reply::Text("done".into()),
    ])
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let audit_path = core.paths.audit_log();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&audit_path)
        .expect("audit log");
    f.write_all(b"{\"seq\":1,\"time\":\"2026-")
        .expect("torn write");
    drop(f);
    let (handle, _rx, events) = run_session(core, alert("Audit tail", "x"), |_| approve()).await;
    let warnings: Vec<&String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Warning { message } if message.contains("audit log") => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{events:#?}");
    assert!(warnings[0].contains("torn"), "{}", warnings[0]);
    let report = opsassist::audit::verify(&audit_path).expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert!(report.records >= 4, "{report:?}");
    handle.send(Op::Shutdown);
}
