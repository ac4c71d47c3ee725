//! No command runs unseen after a crash: SIGKILL the real `opsassist run` while
//! `sleep 14 && touch ran` runs (locally, and over the test sshd), restart in-process, and
//! check the command is stopped (`[exec] after_restart = "stop"`, the default) or shown as
//! still running and stopped by `x` (`"keep"`); `ran` never appears.

mod crash_harness;
mod session_harness;
mod support;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crash_harness::*;
use opsassist::config::AfterRestart;
use opsassist::protocol::{Event, EventEnvelope, Op};
use opsassist::session::{self, Core};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};
use support::sshd::TestSshd;

fn pgrep(pattern: &str) -> String {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Start `opsassist run` on `tool` with `command`, approve it, wait until it runs, then
/// SIGKILL the console. Returns the fake model server (it answers once more).
fn crash_while_running(dir: &Path, tool: &str, args: serde_json::Value, marker: &str) -> FakeLlm {
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(tool.into(), args)]),
        Reply::Text("Handing back.".into()),
    ]);
    let mut child = spawn_run(dir, &fake);
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"y\n")
        .expect("write");
    let (_, path) = wait_for_event(dir, |e| {
        matches!(
            e,
            Event::ExecStarted {
                process: Some(_),
                ..
            }
        )
    });
    wait_for("the command never started", Duration::from_secs(20), || {
        !pgrep(marker).is_empty()
    });
    sigkill(&mut child);
    // The console is gone; the command is not (its process group outlives it).
    let log = opsassist::session::log::read(&path).expect("log");
    assert!(log.events.iter().any(|e| matches!(
        &e.event,
        Event::ExecStarted { process: Some(group), .. } if group.pgid > 1
    )));
    fake
}

fn with_after_restart(core: Arc<Core>, after: AfterRestart) -> Arc<Core> {
    let Ok(mut core) = Arc::try_unwrap(core) else {
        panic!("core is shared")
    };
    core.config.exec.after_restart = after;
    Arc::new(core)
}

fn tool_result(events: &[EventEnvelope]) -> String {
    events
        .iter()
        .find_map(|e| match &e.event {
            Event::ToolResult { content, .. } => Some(content.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_outlived_a_killed_console_is_stopped_at_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ran = dir.path().join("ran");
    let marker = format!("sleep 14.{}1", std::process::id() % 1000);
    let command = format!("{marker} && touch {}", ran.display());
    let fake = crash_while_running(
        dir.path(),
        "local_shell",
        json!({"command": command, "reason": "test"}),
        &marker,
    );
    assert!(!pgrep(&marker).is_empty(), "it should outlive the console");
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = session::recover(core, tx).expect("recover");
    assert_eq!(recovered.len(), 1);
    let events = recv_until(&mut rx, |e| matches!(e, Event::ToolResult { .. })).await;
    assert!(
        events.iter().any(|e| matches!(
            &e.event,
            Event::Warning { message } if message.contains("still running (pid")
                && message.contains("stopping it")
        )),
        "{events:#?}"
    );
    assert_eq!(pgrep(&marker), "", "the command survived the restart");
    let result = tool_result(&events);
    assert!(result.contains("still running (pid"), "{result}");
    assert!(result.contains("NOT re-run"), "{result}");
    assert!(!ran.exists());
    kill_orphans(&marker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_command_is_shown_as_still_running_and_x_stops_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ran = dir.path().join("ran");
    let marker = format!("sleep 14.{}2", std::process::id() % 1000);
    let command = format!("{marker} && touch {}", ran.display());
    let fake = crash_while_running(
        dir.path(),
        "local_shell",
        json!({"command": command, "reason": "test"}),
        &marker,
    );
    let core = with_after_restart(
        core(dir.path(), &fake, &Setup::default()),
        AfterRestart::Keep,
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = session::recover(core, tx).expect("recover");
    let handle = recovered[0].handle.clone();
    let events = recv_until(&mut rx, |e| matches!(e, Event::ExecStarted { .. })).await;
    assert!(
        events.iter().any(|e| matches!(
            &e.event,
            Event::Warning { message } if message.contains("still running (pid")
                && message.contains("x stops it")
        )),
        "{events:#?}"
    );
    assert!(!pgrep(&marker).is_empty(), "kept: it still runs");
    assert!(handle.send(Op::Cancel { call_id: None }));
    let events = recv_until(&mut rx, |e| matches!(e, Event::ToolResult { .. })).await;
    let summary = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ExecFinished { summary } => Some(summary.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ExecFinished: {events:#?}"));
    assert!(summary.interrupted && summary.cancelled, "{summary:?}");
    assert_eq!(pgrep(&marker), "", "x did not stop it");
    let result = tool_result(&events);
    assert!(result.contains("left running"), "{result}");
    assert!(!ran.exists());
    handle.send(Op::Shutdown);
    kill_orphans(&marker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_command_does_not_outlive_a_killed_console() {
    remote_command_after_a_killed_console(AfterRestart::Stop).await;
}

/// `after_restart = "keep"` over ssh: the local ssh that outlived the console is shown as
/// still running and `x` stops it (its closed channel makes the remote wrapper stop the
/// command), unless it had already ended; either way the command never finishes unseen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_command_kept_after_a_killed_console_is_shown_and_x_stops_it() {
    remote_command_after_a_killed_console(AfterRestart::Keep).await;
}

async fn remote_command_after_a_killed_console(after: AfterRestart) {
    let sshd = TestSshd::start();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(dir.path().join("config/config.toml"), sshd.config_toml()).expect("config");
    let ran = dir.path().join("ran");
    let n = if after == AfterRestart::Keep { 4 } else { 3 };
    let marker = format!("sleep 14.{}{n}", std::process::id() % 1000);
    let command = format!("{marker} && touch {}", ran.display());
    let fake = crash_while_running(
        dir.path(),
        "remote_shell",
        json!({"host": "lab", "command": command, "reason": "test"}),
        &marker,
    );
    let setup = Setup {
        hosts: sshd.inventory(),
        ..Setup::default()
    };
    let core = with_after_restart(core(dir.path(), &fake, &setup), after);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let recovered = session::recover(core, tx).expect("recover");
    assert_eq!(recovered.len(), 1);
    let handle = recovered[0].handle.clone();
    let mut events = recv_until(&mut rx, |e| {
        matches!(e, Event::ToolResult { .. } | Event::ExecStarted { .. })
    })
    .await;
    if events
        .iter()
        .any(|e| matches!(e.event, Event::ExecStarted { .. }))
    {
        // Kept: shown as still running, with `x` to stop it.
        assert_eq!(after, AfterRestart::Keep, "{events:#?}");
        assert!(
            events.iter().any(|e| matches!(
                &e.event,
                Event::Warning { message } if message.contains("still running (pid")
                    && message.contains("x stops it")
            )),
            "{events:#?}"
        );
        assert!(handle.send(Op::Cancel { call_id: None }));
        events = recv_until(&mut rx, |e| matches!(e, Event::ToolResult { .. })).await;
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, Event::ExecFinished { summary } if summary.interrupted)),
        "{events:#?}"
    );
    // A local ssh still there at the restart is stopped by recovery ("stop") or by `x`
    // ("keep"); its closed channel makes the remote wrapper stop the command.
    wait_for(
        "the remote command survived the console",
        Duration::from_secs(10),
        || pgrep(&marker).is_empty(),
    );
    assert!(!ran.exists());
    handle.send(Op::Shutdown);
    kill_orphans(&marker);
}
