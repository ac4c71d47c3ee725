//! Watching and taking over in the console, two consoles (two processes, tmux) on one team
//! database: alice starts an incident and the scripted model proposes a call; bob's console
//! keeps it listed with "alice is on it", shows the proposed command and then its output live
//! when alice approves; bob's approve key is refused and nothing runs twice. alice's console
//! is killed with `kill -9`; once her short lease lapses, bob's `c` takes the incident over
//! and the pending approval is asked again in his console, where he approves it. A command
//! that was running when alice's console died is marked interrupted in bob's console after
//! the take-over, and never re-run.

use std::sync::Arc;
mod crash_harness;
mod support;

use std::time::Duration;

use opsassist::alert::{Alert, Source, Status};
use opsassist::store::{Change, DedupKey, InboxRecord, PgStore, Store};
use support::fake_llm::{FakeLlm, Reply};
use support::postgres;
use support::tmux::Pane;

fn console(name: &str, user: &str, url: &str, fake: &FakeLlm) -> Pane {
    Pane::start_as(
        name,
        user,
        &format!("[store]\nurl = {url:?}\nlease_secs = 2\n"),
        fake,
    )
}

fn receive(url: &str, title: &str) {
    receive_as(url, title, "team-watch-1");
}

fn receive_as(url: &str, title: &str, fingerprint: &str) {
    let store = PgStore::connect(url, None).expect("team store");
    let alert = Alert {
        source: Source::Generic,
        title: title.into(),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("db-7".into()),
        description: Some("replica stopped applying WAL".into()),
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some(fingerprint.into()),
        raw: opsassist::alert::RawJson::null(),
    };
    let record = InboxRecord {
        at: chrono::Utc::now(),
        incident: format!("inc-{fingerprint}"),
        change: Change::Opened {
            key: DedupKey {
                source: Source::Generic,
                fingerprint: fingerprint.into(),
            },
            alert: Arc::new(alert),
        },
    };
    store.append(&[record]).expect("append");
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bob_watches_alices_incident_live_read_only_then_takes_it_over() {
    let url = postgres::database("watch");
    let marks = tempfile::tempdir().expect("tempdir");
    let (one, two) = (marks.path().join("one"), marks.path().join("two"));
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            serde_json::json!({"command": format!("echo watch-out-1 | tr a-z A-Z | tee -a {}", one.display()),
                "reason": "look"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            serde_json::json!({"command": format!("echo watch-out-2 | tr a-z A-Z | tee -a {}", two.display()),
                "reason": "fix"}),
        )]),
        Reply::Text("Replica is applying again: done.".into()),
    ]);
    let alice = console("alice", "alice", &url, &fake);
    let bob = console("bob", "bob", &url, &fake);
    receive(&url, "Replica lag on db-7");
    for pane in [&alice, &bob] {
        pane.wait_for("the received incident", |s| {
            s.contains("Replica lag on db-7")
        });
    }
    // alice starts it; the model proposes a call in her console.
    alice.keys(&["s"]);
    alice.wait_for("alice's approval", |s| {
        s.contains("Approve?") && s.contains("watch-out-1")
    });
    // bob still lists it, with who is on it, and sees the proposed command.
    bob.wait_for("alice is on it, with her proposed call", |s| {
        s.contains("alice is on it") && s.contains("watch-out-1") && s.contains("waiting for alice")
    });
    alice.decide(&["a"]);
    // The output appears live in bob's console; then the model's second proposal.
    bob.wait_for("the output in bob's console", |s| s.contains("WATCH-OUT-1"));
    bob.wait_for("the second proposal", |s| s.contains("watch-out-2"));
    // bob's approve key is refused; nothing is sent anywhere.
    bob.decide(&["a"]);
    bob.wait_for("the refusal", |s| {
        s.contains("alice is on it: watching read-only (c takes over when the lease lapses)")
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lines(&one), vec!["WATCH-OUT-1"]);
    assert!(lines(&two).is_empty(), "bob's refused key ran the call");
    // alice's console dies; her lease lapses; bob takes over and is asked again.
    alice.kill_9();
    bob.wait_for("alice's lease lapsed", |s| {
        s.contains("alice's lease lapsed")
    });
    bob.keys(&["c"]);
    bob.wait_for("bob took over, the approval asked in his console", |s| {
        s.contains("took over from alice") && s.contains("Approve?") && s.contains("watch-out-2")
    });
    bob.wait_for("no longer waiting for alice", |s| {
        !s.contains("waiting for alice")
    });
    bob.decide(&["a"]);
    bob.wait_for("the model's answer after bob's approval", |s| {
        s.contains("Replica is applying again")
    });
    assert_eq!(lines(&one), vec!["WATCH-OUT-1"], "the first call ran twice");
    assert_eq!(lines(&two), vec!["WATCH-OUT-2"]);
}

#[test]
fn a_command_running_when_alices_console_died_is_interrupted_not_rerun_after_bobs_take_over() {
    let url = postgres::database("watchrun");
    let marks = tempfile::tempdir().expect("tempdir");
    let runs = marks.path().join("runs");
    // A unique sleep, so the orphan alice's console leaves is found and killed.
    let token = format!("{}", 50 + std::process::id() % 9);
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            serde_json::json!({"command": format!("echo x >> {} && sleep 3{token}", runs.display()),
                "reason": "drain"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            serde_json::json!({"command": "echo after-takeover", "reason": "check"}),
        )]),
        Reply::Text("Handing back.".into()),
    ]);
    let alice = console("alice", "alice", &url, &fake);
    let bob = console("bob", "bob", &url, &fake);
    receive_as(&url, "Queue stuck on mq-2", "team-watch-2");
    for pane in [&alice, &bob] {
        pane.wait_for("the received incident", |s| {
            s.contains("Queue stuck on mq-2")
        });
    }
    alice.keys(&["s"]);
    alice.wait_for("alice's approval", |s| {
        s.contains("Approve?") && s.contains("sleep 3")
    });
    alice.decide(&["a"]);
    bob.wait_for("the command running in alice's console", |s| {
        s.contains("alice is on it") && s.contains("running")
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while lines(&runs).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the command never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    alice.kill_9();
    crash_harness::kill_orphans(&format!("sleep 3{token}"));
    bob.wait_for("alice's lease lapsed", |s| {
        s.contains("alice's lease lapsed")
    });
    bob.keys(&["c"]);
    bob.wait_for(
        "took over; the interrupted call reported, the next one asked here",
        |s| {
            s.contains("took over from alice")
                && s.contains("interrupted")
                && s.contains("Approve?")
                && s.contains("echo after-takeover")
        },
    );
    bob.decide(&["a"]);
    bob.wait_for("the model's answer", |s| s.contains("Handing back."));
    assert_eq!(lines(&runs), vec!["x"], "the interrupted command ran again");
}
