//! The desk in `opsassist serve`: the daemon investigates a received alert with nobody
//! watching (read-only calls run under `--auto-approve read-only`, a change waits), a console
//! attached over `desk.sock` decides the waiting call and the daemon runs it, notifications
//! for the incident all carry its inbox id, two consoles see one decision, and a kill -9 of
//! the daemon loses no waiting call.

#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/hooks.rs"]
mod hooks;
#[path = "support/receiver.rs"]
mod receiver;
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use opsassist::desk::socket::{self, Attached};
use opsassist::protocol::{Decision, DeskEvent, DeskOp, Event, Op};
use serde_json::{Value, json};
use support::fake_llm::{FakeLlm, Reply};

fn shell(command: &str) -> (String, Value) {
    (
        "local_shell".into(),
        json!({"command": command, "reason": "look at it"}),
    )
}

/// `opsassist serve --investigate auto --auto-approve read-only` in `root`; killed on drop.
struct Daemon {
    child: Child,
    addr: String,
}

impl Daemon {
    fn start(root: &Path, fake: &FakeLlm) -> Daemon {
        Daemon::start_with(root, fake, &[])
    }

    fn start_with(root: &Path, fake: &FakeLlm, extra: &[&str]) -> Daemon {
        let mut child = receiver::opsassist(root)
            .args(extra)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--investigate",
                "auto",
                "--auto-approve",
                "read-only",
                "--provider",
                "openai",
                "--base-url",
                &fake.base_url,
                "--model",
                "fake-model",
            ])
            .env("OPENAI_API_KEY", "sk-fake")
            .env("USER", "opsd")
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn serve: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let second = lines.next().and_then(Result::ok).unwrap_or_default();
        assert!(
            second.contains("investigate = auto") && second.contains("--attach"),
            "serve says how consoles attach: {second:?}"
        );
        let addr = first
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("serve did not start: {first:?}"))
            .to_string();
        Daemon { child, addr }
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn setup(root: &Path, hooks: &str) {
    receiver::write_config(
        root,
        &format!("[notify.webhook]\nurl = \"{hooks}/generic\"\n"),
    );
}

async fn post_alert(addr: &str, title: &str) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/v1/alerts"))
        .bearer_auth(receiver::TOKEN)
        .header("content-type", "application/json")
        .body(json!({"title": title, "severity": "critical", "host": "web01"}).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("post: {e}"));
    assert!(response.status().is_success(), "{}", response.status());
}

fn socket_of(root: &Path) -> PathBuf {
    root.join("data/desk.sock")
}

/// Read desk events until `want` says stop (or 30 s pass: a failure naming what was seen).
async fn until(
    attached: &mut Attached,
    seen: &mut Vec<DeskEvent>,
    what: &str,
    want: impl Fn(&DeskEvent) -> bool,
) -> DeskEvent {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, attached.events.recv()).await {
            Ok(Some(event)) => {
                seen.push(event.clone());
                if want(&event) {
                    return event;
                }
            }
            Ok(None) => panic!("the daemon closed the socket while waiting for {what}: {seen:#?}"),
            Err(_) => panic!("no {what} within 30 s: {seen:#?}"),
        }
    }
}

/// The waiting call's (session, call id, command), from a joined session's history or a live
/// approval request.
fn waiting_call(event: &DeskEvent) -> Option<(String, String, String)> {
    let envelopes = match event {
        DeskEvent::SessionJoined { history, .. } => history.iter().collect::<Vec<_>>(),
        DeskEvent::Session { envelope } => vec![envelope.as_ref()],
        _ => return None,
    };
    envelopes.into_iter().rev().find_map(|e| match &e.event {
        Event::ApprovalRequested { proposal } => Some((
            e.session_id.clone(),
            proposal.call_id.clone(),
            proposal.command.clone(),
        )),
        _ => None,
    })
}

async fn wait_for(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_investigates_alone_and_an_attached_console_decides_what_waits() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let hooks = hooks::HttpHooks::start().await;
    setup(root, &hooks.base);
    let touched = root.join("changed-file");
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![shell("uptime")]),
        Reply::ToolCalls(vec![shell(&format!("touch {}", touched.display()))]),
        Reply::Text("Fixed: the file exists now.".into()),
    ])
    .await;
    let daemon = Daemon::start(root, &fake);
    post_alert(&daemon.addr, "Disk almost full (desk)").await;

    // Nobody is attached: the read-only call runs, the change waits.
    let sessions = root.join("data/sessions");
    wait_for("the change call to wait", || {
        log_text(&sessions).contains("approval_requested")
    })
    .await;
    let log = log_text(&sessions);
    assert!(
        log.contains("auto_approved") && log.contains("uptime"),
        "uptime ran headless: {log}"
    );
    assert!(!touched.exists(), "the change call ran unasked");

    // Two consoles attach; the first approval wins, the second sees the decision.
    let mut first = socket::connect(&socket_of(root))
        .await
        .unwrap_or_else(|e| panic!("attach: {e}"));
    let mut second = socket::connect(&socket_of(root))
        .await
        .unwrap_or_else(|e| panic!("attach: {e}"));
    let (mut seen1, mut seen2) = (Vec::new(), Vec::new());
    let joined = until(&mut first, &mut seen1, "the waiting call", |e| {
        waiting_call(e).is_some()
    })
    .await;
    let (session_id, call_id, command) = waiting_call(&joined).unwrap_or_else(|| panic!("no call"));
    assert!(command.contains("touch"), "{command}");
    until(&mut second, &mut seen2, "the waiting call", |e| {
        waiting_call(e).is_some()
    })
    .await;
    let approve = DeskOp::Session {
        session_id: session_id.clone(),
        op: Op::Decide {
            call_id: call_id.clone(),
            decision: Decision::Approve { confirm: None },
        },
    };
    assert!(first.ops.send(approve.clone()).is_ok());
    let decided = |e: &DeskEvent| {
        matches!(e, DeskEvent::Session { envelope }
            if matches!(&envelope.event, Event::Decided { call_id: c, .. } if *c == call_id))
    };
    until(&mut first, &mut seen1, "the decision", decided).await;
    until(
        &mut second,
        &mut seen2,
        "the decision, on the other console",
        decided,
    )
    .await;
    // A late second approval of the same call runs nothing more.
    assert!(second.ops.send(approve).is_ok());
    until(&mut first, &mut seen1, "the session's end", |e| {
        matches!(e, DeskEvent::Session { envelope } if matches!(envelope.event, Event::Finished { .. }))
    })
    .await;
    assert!(touched.exists(), "the approved call ran in the daemon");
    let log = log_text(&sessions);
    assert_eq!(
        log.matches("\"type\":\"exec_started\"").count(),
        2,
        "uptime and touch ran once each: {log}"
    );

    // One incident id on every notice.
    wait_for("the resolved notice", || {
        hooks
            .bodies("generic")
            .iter()
            .any(|b| b["trigger"] == "resolved")
    })
    .await;
    let bodies = hooks.bodies("generic");
    let incident = receiver::incidents(root)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(incident.starts_with("inc-"), "{incident}");
    for trigger in ["opened", "awaiting_approval", "resolved"] {
        let body = bodies
            .iter()
            .find(|b| b["trigger"] == trigger)
            .unwrap_or_else(|| panic!("no {trigger} notice: {bodies:#?}"));
        assert_eq!(body["incident"], incident.as_str(), "{trigger}: {body:#?}");
    }
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_daemon_asks_again_after_restart_and_runs_nothing_twice() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let hooks = hooks::HttpHooks::start().await;
    setup(root, &hooks.base);
    let touched = root.join("changed-file");
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![shell(&format!("touch {}", touched.display()))]),
        Reply::Text("Done.".into()),
    ])
    .await;
    let mut daemon = Daemon::start(root, &fake);
    post_alert(&daemon.addr, "Queue stuck (desk restart)").await;
    let sessions = root.join("data/sessions");
    wait_for("the call to wait", || {
        log_text(&sessions).contains("approval_requested")
    })
    .await;
    daemon.kill9();
    assert!(!touched.exists());

    let _daemon = Daemon::start(root, &fake);
    let mut console = socket::connect(&socket_of(root))
        .await
        .unwrap_or_else(|e| panic!("attach: {e}"));
    let mut seen = Vec::new();
    let joined = until(&mut console, &mut seen, "the call asked again", |e| {
        waiting_call(e).is_some()
    })
    .await;
    let (session_id, call_id, _) = waiting_call(&joined).unwrap_or_else(|| panic!("no call"));
    assert!(
        console
            .ops
            .send(DeskOp::Session {
                session_id,
                op: Op::Decide {
                    call_id,
                    decision: Decision::Approve { confirm: None },
                },
            })
            .is_ok()
    );
    until(&mut console, &mut seen, "the session's end", |e| {
        matches!(e, DeskEvent::Session { envelope } if matches!(envelope.event, Event::Finished { .. }))
    })
    .await;
    assert!(touched.exists(), "the recovered call ran once approved");
    assert_eq!(
        log_text(&sessions)
            .matches("\"type\":\"exec_started\"")
            .count(),
        1
    );
}

/// Processes whose command line holds `pattern`.
fn pgrep(pattern: &str) -> String {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_while_a_command_runs_marks_it_interrupted_and_never_reruns_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let hooks = hooks::HttpHooks::start().await;
    setup(root, &hooks.base);
    let ran = root.join("ran");
    let marker = format!("sleep 17.{}3", std::process::id() % 1000);
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![shell(&format!("{marker} && touch {}", ran.display()))]),
        Reply::Text("Handing back.".into()),
    ])
    .await;
    let mut daemon = Daemon::start(root, &fake);
    post_alert(&daemon.addr, "Queue stuck (killed mid-command)").await;
    let mut console = socket::connect(&socket_of(root))
        .await
        .unwrap_or_else(|e| panic!("attach: {e}"));
    let mut seen = Vec::new();
    let asked = until(&mut console, &mut seen, "the call", |e| {
        waiting_call(e).is_some()
    })
    .await;
    let (session_id, call_id, _) = waiting_call(&asked).unwrap_or_else(|| panic!("no call"));
    assert!(
        console
            .ops
            .send(DeskOp::Session {
                session_id,
                op: Op::Decide {
                    call_id,
                    decision: Decision::Approve { confirm: None },
                },
            })
            .is_ok()
    );
    let sessions = root.join("data/sessions");
    wait_for("the command to run", || !pgrep(&marker).is_empty()).await;
    drop(console);
    daemon.kill9();
    assert!(!ran.exists());

    let _daemon = Daemon::start(root, &fake);
    wait_for("the session to go on after the restart", || {
        log_text(&sessions).contains("Handing back.")
    })
    .await;
    let log = log_text(&sessions);
    assert!(
        log.contains("NOT re-run"),
        "the model is told the command was not re-run: {log}"
    );
    assert_eq!(pgrep(&marker), "", "the command outlived the restart");
    assert!(!ran.exists(), "the interrupted command went on to its end");
    assert_eq!(log.matches("\"type\":\"exec_started\"").count(), 1);
}

/// A second `serve` on a data dir whose desk a daemon already serves does not run a second
/// desk: it only receives, into the same (shared) store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_serve_on_the_same_data_dir_only_receives() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    receiver::write_config(root, "");
    let fake = FakeLlm::openai(Vec::new()).await;
    let _first = Daemon::start(root, &fake);
    let mut second = receiver::opsassist(root)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let stdout = second.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let first_line = lines.next().and_then(Result::ok).unwrap_or_default();
    let second_line = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = second.kill();
    let _ = second.wait();
    assert!(first_line.contains("receiving alerts on"), "{first_line}");
    assert!(
        second_line.contains("another daemon serves consoles for this data dir"),
        "{second_line}"
    );
}

/// Every session log's text.
fn log_text(sessions: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = std::fs::read_dir(sessions) {
        for entry in entries.flatten() {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

#[test]
fn a_console_attached_in_tmux_shows_the_waiting_call_and_a_runs_it_in_the_daemon() {
    use support::tmux::{Opts, Pane};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")));
    let root = dir.path().to_path_buf();
    receiver::write_config(&root, "");
    let touched = root.join("changed-file");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![shell("uptime")]),
        Reply::ToolCalls(vec![shell(&format!("touch {}", touched.display()))]),
        Reply::Text("Fixed: the file exists now.".into()),
    ]);
    let daemon = Daemon::start(&root, &fake);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(post_alert(&daemon.addr, "Disk almost full (attached tmux)"));
    let sessions = root.join("data/sessions");
    runtime.block_on(wait_for("the change call to wait", || {
        log_text(&sessions).contains("approval_requested")
    }));
    let pane = Pane::start_in_with(
        "desk-attach",
        &fake,
        dir.clone(),
        Opts {
            args: vec!["--attach".into()],
            size: (160, 45),
            ..Opts::default()
        },
    );
    let screen = pane.wait_for("the daemon's waiting call", |s| {
        s.contains("touch ") && s.contains("changed-file")
    });
    assert!(!touched.exists(), "{screen}");
    pane.decide(&["a"]);
    runtime.block_on(wait_for("the approved call to run in the daemon", || {
        touched.exists()
    }));
    pane.wait_for("the session's end on the console", |s| s.contains("Fixed"));
    pane.quit();
    // The console is gone; the daemon and its log go on.
    assert!(log_text(&sessions).contains("\"type\":\"finished\""));
    drop(daemon);
}

/// A past correction in the data dir reaches the prompt of a similar incident the daemon
/// investigates; the session names it (`CorrectionsUsed`), an attached console forgets it
/// through the desk (`DeskOp::ForgetCorrection`), and the next similar incident's prompt no
/// longer has it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_forgets_a_correction_the_daemon_used_and_later_prompts_lack_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    receiver::write_config(root, "");
    let corrections = root.join("data/corrections.jsonl");
    std::fs::create_dir_all(root.join("data")).unwrap_or_else(|e| panic!("{e}"));
    let record = json!({
        "at": "2026-11-30T03:12:00Z",
        "session_id": "s-earlier",
        "source": "generic",
        "title": "Disk almost full on web01: /var at 97%",
        "host": "web01",
        "labels": {},
        "tool": "local_shell",
        "proposed": "rm -rf /var/log/*",
        "executed": "journalctl --vacuum-size=200M",
    });
    std::fs::write(&corrections, format!("{record}\n")).unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeLlm::openai(vec![
        Reply::Text("Looked: /var is full of journals.".into()),
        Reply::Text("Looked again.".into()),
    ])
    .await;
    let daemon = Daemon::start(root, &fake);
    let mut console = socket::connect(&socket_of(root))
        .await
        .unwrap_or_else(|e| panic!("attach: {e}"));
    let mut seen = Vec::new();
    post_alert(&daemon.addr, "Disk almost full on web01").await;
    let used = until(&mut console, &mut seen, "the examples used", |e| {
        matches!(e, DeskEvent::Session { envelope }
            if matches!(&envelope.event, Event::CorrectionsUsed { .. }))
    })
    .await;
    let DeskEvent::Session { envelope } = used else {
        unreachable!()
    };
    let Event::CorrectionsUsed { examples } = envelope.event else {
        unreachable!()
    };
    assert_eq!(examples.len(), 1, "{examples:?}");
    assert_eq!(examples[0].executed, "journalctl --vacuum-size=200M");
    wait_for("the first model request", || !fake.requests().is_empty()).await;
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.to_string().contains("journalctl --vacuum-size=200M"))
    );

    // An id that is no correction is refused with its reason; the real one is forgotten.
    let _ = console.ops.send(DeskOp::ForgetCorrection {
        id: "not-an-id".into(),
    });
    until(
        &mut console,
        &mut seen,
        "the refusal",
        |e| matches!(e, DeskEvent::Failed { message } if message.contains("not a correction id")),
    )
    .await;
    let _ = console.ops.send(DeskOp::ForgetCorrection {
        id: examples[0].id.clone(),
    });
    let forgotten = until(&mut console, &mut seen, "the forget answer", |e| {
        matches!(e, DeskEvent::CorrectionForgotten { .. })
    })
    .await;
    assert_eq!(
        forgotten,
        DeskEvent::CorrectionForgotten {
            id: examples[0].id.clone(),
            removed: 1
        }
    );
    let left = std::fs::read_to_string(&corrections).unwrap_or_default();
    assert!(!left.contains("journalctl"), "{left}");

    // The next similar incident's prompt has no example.
    let before = fake.requests().len();
    post_alert(&daemon.addr, "Disk almost full on web01 again").await;
    wait_for("the second model request", || {
        fake.requests().len() > before
    })
    .await;
    let second: String = fake.requests()[before..]
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert!(!second.contains("journalctl --vacuum-size"), "{second}");
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_watch_docker_receives_a_webhook_and_a_docker_failure_in_one_process() {
    let Some(d) = dockerd::daemon_or_skip("serve_watch_docker") else {
        return;
    };
    let docker = d.client().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    receiver::write_config(
        root,
        &format!(
            "[watch.docker]\nhost = {:?}\nlabels = [\"oa-test=serve-watch\"]\ninterval_secs = 30\n",
            d.host()
        ),
    );
    // Manual: nothing investigates; the incidents alone are what this test is about.
    let fake = FakeLlm::openai(Vec::new()).await;
    let mut child = receiver::opsassist(root)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--watch",
            "docker",
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn serve: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = first
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("serve did not start: {first:?}"))
        .to_string();
    let daemon = Daemon { child, addr };
    post_alert(&daemon.addr, "Webhook beside the watcher").await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-serve-watch",
            script: "sleep 1; exit 3",
            labels: &[("oa-test", "serve-watch")],
            health: None,
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listed = receiver::incidents(root);
        let titles: Vec<String> = listed
            .iter()
            .map(|i| i["alert"]["title"].as_str().unwrap_or_default().to_string())
            .collect();
        if titles.iter().any(|t| t.contains("Webhook beside"))
            && titles.iter().any(|t| t.contains("oa-serve-watch"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no webhook and docker incidents in one store: {titles:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(daemon);
}

/// A storm of new alerts is one "opened" notice that names them, not one per alert (the
/// desk's summary; a few at a time are still sent one by one: the test above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_new_alerts_is_one_opened_notice_not_one_each() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let hooks = hooks::HttpHooks::start().await;
    setup(root, &hooks.base);
    let served = receiver::Served::start(root);
    let alerts: Vec<Value> = (0..12)
        .map(|n| {
            json!({
                "status": "firing",
                "labels": {"alertname": "DiskFull", "instance": format!("db-{n}:9100"), "severity": "critical"},
                "annotations": {"summary": format!("disk full on db-{n}")},
                "startsAt": "2026-12-07T00:00:00Z",
                "fingerprint": format!("storm-{n}"),
            })
        })
        .collect();
    let body = json!({
        "version": "4", "status": "firing", "receiver": "opsassist",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://am", "alerts": alerts,
    });
    let response = reqwest::Client::new()
        .post(served.url("/v1/alerts/alertmanager"))
        .bearer_auth(receiver::TOKEN)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("post: {e}"));
    assert!(response.status().is_success(), "{}", response.status());
    let opened = || -> Vec<Value> {
        hooks
            .bodies("generic")
            .into_iter()
            .filter(|b| b["trigger"] == "opened")
            .collect()
    };
    wait_for("an opened notice", || !opened().is_empty()).await;
    // Several more polls of the inbox: nothing else is sent for these twelve.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = opened();
    assert_eq!(sent.len(), 1, "one notice for the storm: {sent:#?}");
    let notice = &sent[0];
    assert_eq!(notice["title"], "12 new incidents", "{notice:#?}");
    assert_eq!(notice["severity"], "critical", "{notice:#?}");
    let what = notice["what_happened"].as_str().unwrap_or_default();
    let ids: Vec<String> = receiver::incidents(root)
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 12);
    for id in &ids {
        assert!(what.contains(id.as_str()), "{id} is named: {what}");
    }
    assert!(what.contains("disk full on db-3"), "{what}");
    drop(served);
}
