//! End-to-end runs of the real `opsassist tui` in tmux: cancel a running command (and check
//! with pgrep that it is gone), interrupt a slow model turn and retry it, and a stream cut
//! mid-way that is retried while the session goes on.

mod support;

use std::time::Duration;

use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{Opts, Pane, nonce, tool_call};

fn pgrep(pattern: &str) -> String {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn read_all(dir: &std::path::Path) -> String {
    let mut text = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return text;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&read_all(&path));
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    text
}

#[test]
fn cancel_a_running_sleep_records_it_and_the_process_is_gone() {
    let n = nonce();
    // A duration no other process uses, so pgrep finds only this one.
    let sleep = format!("sleep 30.{}", std::process::id());
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&sleep),
        Reply::Text(format!("It was cancelled. final-{n}")),
    ]);
    let pane = Pane::start("cancel", &fake);
    pane.open_incident(&n);
    pane.wait_for("approval panel", |s| {
        s.contains("Approve?") && s.contains(&sleep)
    });
    pane.decide(&["a"]);
    pane.wait_for("running with the cancel hint", |s| {
        s.contains("⏳ running") && s.contains("x cancel")
    });
    let start = std::time::Instant::now();
    while pgrep(&sleep).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sleep never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    pane.keys(&["x"]);
    let screen = pane.wait_for("cancelled and answered", |s| {
        s.contains("⏹ cancelled by operator after") && s.contains(&format!("final-{n}"))
    });
    assert!(screen.contains("cancelled by operator after"), "{screen}");
    assert_eq!(pgrep(&sleep), "", "the sleep survived the cancel");
    let requests: Vec<String> = fake.requests().iter().map(|r| r.to_string()).collect();
    assert!(
        requests
            .last()
            .is_some_and(|r| r.contains("cancelled by the operator")),
        "the model is told: {requests:?}"
    );
    let data = pane.dir.path().join("data");
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap_or_default();
    assert!(
        audit.contains("\"decision\":\"cancel\""),
        "audit log records the cancel: {audit}"
    );
    let logs = read_all(&data.join("sessions"));
    assert!(
        logs.contains("\"cancelled\":true") && logs.contains("cancelled by operator after"),
        "session log records the cancel"
    );
    pane.quit();
}

#[test]
fn esc_interrupts_a_slow_model_turn_and_r_sends_it_again() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(
        "A very slow answer that takes its time".into(),
    )]);
    fake.set_chunk_delay(Duration::from_secs(3));
    let pane = Pane::start("interrupt", &fake);
    pane.open_incident(&n);
    pane.wait_for("spinner while the model works", |s| {
        s.contains("model working ·") && s.contains("Esc interrupt")
    });
    pane.keys(&["Escape"]);
    let screen = pane.wait_for("interrupted", |s| {
        s.contains("⏹ model turn interrupted by operator after")
    });
    assert!(!screen.contains("model working ·"), "{screen}");
    assert_eq!(fake.chat_count(), 1);
    let data = pane.dir.path().join("data");
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap_or_default();
    assert!(audit.contains("\"decision\":\"interrupt\""), "{audit}");

    fake.set_chunk_delay(Duration::ZERO);
    fake.push([Reply::Text(format!("Retried answer. final-{n}"))]);
    pane.keys(&["R"]);
    pane.wait_for("the retried turn's answer", |s| {
        s.contains(&format!("final-{n}"))
    });
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0]["messages"], requests[1]["messages"],
        "the same turn is sent again, with no invented user message"
    );
    pane.quit();
}

#[test]
fn a_disconnect_mid_stream_is_retried_and_the_session_goes_on() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::Disconnect,
        Reply::CutMidStream,
        tool_call(&format!("echo after-retry-{n}")),
        Reply::Text(format!("All good. final-{n}")),
    ]);
    let opts = Opts {
        env: vec![("OPSASSIST_RETRY_BASE_MS".into(), "50".into())],
        ..Opts::default()
    };
    let pane = Pane::start_with("disconnect", &fake, opts);
    pane.open_incident(&n);
    let screen = pane.wait_for("the retried turn's call", |s| {
        s.contains("Approve?") && s.contains(&format!("echo after-retry-{n}"))
    });
    assert!(screen.contains("retry 1/"), "{screen}");
    assert!(screen.contains("retry 2/"), "{screen}");
    // The status probe runs beside the session: under load it may answer after the call.
    pane.wait_for("the model shown as connected", |s| {
        s.contains("● connected")
    });
    pane.decide(&["a"]);
    pane.wait_for("the session continues", |s| {
        s.contains(&format!("final-{n}"))
    });
    assert_eq!(fake.chat_count(), 4);
    pane.quit();
}

#[test]
fn a_clean_quit_is_not_reported_as_a_crash_on_restart() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![tool_call(&format!("echo e2e-quit-{n}"))]);
    let first = Pane::start("cleanquit", &fake);
    first.open_incident(&n);
    first.wait_for("approval panel", |s| {
        s.contains("Approve?") && s.contains(&format!("echo e2e-quit-{n}"))
    });
    first.quit();
    let dir = first.dir.clone();
    drop(first);

    let second = Pane::start_in("cleanquit2", &fake, dir);
    let screen = second.wait_for("reopened incident with its pending call", |s| {
        s.contains(&format!("web-e2e {n}")) && s.contains("Approve?")
    });
    assert!(screen.contains("the console was closed"), "{screen}");
    assert!(
        !screen.contains("stopped while this session was open"),
        "a clean quit reported as a crash:\n{screen}"
    );
    second.quit();
}
