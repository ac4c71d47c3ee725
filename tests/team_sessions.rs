//! The session core with the team store (tests/support/postgres.rs): the session harness
//! (tests/session_harness, parametrized by its `STORE_URL`) drives a session whose events
//! and audit chain go to PostgreSQL, and every event a front end receives is already
//! committed there; then the claimant's `opsassist run` is killed with `kill -9` mid-command,
//! its lease lapses, a second operator takes the claim over and resumes the session in their
//! own data dir from the database: the running command is marked interrupted and not re-run,
//! the pending proposal is asked again.

mod crash_harness;
mod session_harness;
mod support;

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crash_harness::*;
use opsassist::protocol::{Decision, Event, Op};
use opsassist::session::{self, log};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};
use support::postgres;

/// The one database of this test binary (the event sink is per process).
fn url() -> &'static str {
    STORE_URL.get_or_init(|| postgres::database("sessions"))
}

fn db() -> String {
    postgres::db_of(url())
}

fn committed(session: &str, seq: u64) -> bool {
    postgres::cluster().psql(
        &db(),
        &format!("SELECT count(*) FROM session_events WHERE session = '{session}' AND n = {seq}"),
    ) == "1"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_a_front_end_sees_is_already_committed_in_the_database() {
    url();
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo team-mode", "reason": "look"}),
        )]),
        Reply::Text("All fine.".into()),
    ]);
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core.clone(), alert("Disk full", "df"), tx).expect("start");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut checked = 0;
    loop {
        let envelope = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("event in time")
            .expect("session alive");
        assert!(Instant::now() < deadline);
        // Streamed deltas are shown before their durability point (as with files).
        if !matches!(envelope.event, Event::ModelDelta { .. }) && envelope.seq > 0 {
            assert!(
                committed(&envelope.session_id, envelope.seq),
                "event {} shown before it was committed: {:?}",
                envelope.seq,
                envelope.event
            );
            checked += 1;
        }
        if let Event::ApprovalRequested { proposal } = &envelope.event {
            handle.send(Op::Decide {
                call_id: proposal.call_id.clone(),
                decision: Decision::Approve { confirm: None },
            });
        }
        if matches!(envelope.event, Event::Finished { .. }) {
            break;
        }
    }
    assert!(checked > 5, "only {checked} events checked");
    // The database holds exactly the file's lines, and the audit chain is there.
    let file = std::fs::read_to_string(
        core.paths
            .sessions_dir()
            .join(format!("{}.jsonl", handle.id)),
    )
    .expect("log");
    let lines = postgres::cluster().psql(
        &db(),
        &format!(
            "SELECT string_agg(line, E'\\n' ORDER BY n) FROM session_events WHERE session = '{}'",
            handle.id
        ),
    );
    assert_eq!(lines, file.trim_end());
    let kinds = postgres::cluster().psql(
        &db(),
        &format!(
            "SELECT string_agg(line::json->'entry'->>'kind', ',' ORDER BY seq) FROM audit WHERE session = '{}'",
            handle.id
        ),
    );
    assert_eq!(kinds, "proposal,decision,exec_start,exec_end");
}

fn opsassist_as(dir: &Path, user: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env("USER", user)
        .output()
        .expect("opsassist")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimant_killed_lease_lapses_and_the_next_operator_resumes_without_rerunning() {
    let url = url();
    let alice = tempfile::tempdir().expect("tempdir");
    let bob = tempfile::tempdir().expect("tempdir");
    for dir in [alice.path(), bob.path()] {
        std::fs::create_dir_all(dir.join("config")).expect("config");
        std::fs::write(
            dir.join("config/config.toml"),
            format!("[store]\nurl = {url:?}\nlease_secs = 2\n"),
        )
        .expect("config");
    }
    let runs = alice.path().join("runs");
    let token = format!("{}", 40 + std::process::id() % 9);
    let command = format!("echo x >> {} && sleep 3{token}", runs.display());
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": command, "reason": "drain"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo after-takeover", "reason": "check"}),
        )]),
        Reply::Text("Handing back.".into()),
    ]);
    // alice's console runs the session (team store from her config) and holds the claim.
    let mut child = spawn_run(alice.path(), &fake);
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"y\n")
        .expect("write");
    let (id, _) = wait_for_event(alice.path(), |e| matches!(e, Event::ExecStarted { .. }));
    let out = opsassist_as(alice.path(), "alice", &["store", "claim", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !runs.exists() {
        assert!(Instant::now() < deadline, "command never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    sigkill(&mut child);
    kill_orphans(&format!("sleep 3{token}"));
    // bob sees alice on it until her lease lapses, then takes it over.
    let out = opsassist_as(bob.path(), "bob", &["store", "claim", &id]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("alice is on it"));
    std::thread::sleep(Duration::from_millis(2200));
    let out = opsassist_as(bob.path(), "bob", &["store", "claim", &id]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("took over from alice"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // bob's console: the session comes from the database into his data dir and resumes
    // exactly as after a crash.
    let core = core(bob.path(), &fake, &Setup::default());
    assert!(
        !core
            .paths
            .sessions_dir()
            .join(format!("{id}.jsonl"))
            .exists()
    );
    let n = session::materialize(&core.paths, &id).unwrap_or_else(|e| {
        panic!(
            "materialize: {e}; in the database: {}",
            postgres::cluster().psql(
                &db(),
                "SELECT session, count(*) FROM session_events GROUP BY 1"
            )
        )
    });
    assert!(n >= 3, "{n} events");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let resumed = session::resume(core.clone(), &id, tx).expect("resume");
    let events = recv_until(&mut rx, |e| matches!(e, Event::ApprovalRequested { .. })).await;
    let interrupted = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ToolResult { content, .. } => Some(content.clone()),
            _ => None,
        })
        .expect("tool result for the interrupted call");
    assert!(interrupted.contains("interrupted: outcome unknown"));
    assert_eq!(std::fs::read_to_string(&runs).expect("runs"), "x\n");
    let call_id = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => Some(proposal.call_id.clone()),
            _ => None,
        })
        .expect("approval");
    resumed.handle.send(Op::Decide {
        call_id,
        decision: Decision::Approve { confirm: None },
    });
    let rest = recv_until(&mut rx, |e| matches!(e, Event::Finished { .. })).await;
    assert!(rest.iter().any(|e| matches!(&e.event, Event::ExecFinished { summary } if summary.model_output.contains("after-takeover"))));
    assert_eq!(std::fs::read_to_string(&runs).expect("runs"), "x\n");
    // The database has the whole session, seq unbroken across the two consoles.
    let full = log::read(&core.paths.sessions_dir().join(format!("{id}.jsonl")))
        .expect("log")
        .events;
    assert!(full.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    let in_db = postgres::cluster().psql(
        &db(),
        &format!("SELECT count(*) FROM session_events WHERE session = '{id}'"),
    );
    assert_eq!(in_db, full.len().to_string());
}
