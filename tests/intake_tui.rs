//! The console picks up received alerts live, in tmux: `opsassist tui --listen` with
//! `investigate = "auto"` receives an Alertmanager webhook, opens the incident and the
//! scripted model's first call waits for approval; a second console without `--listen`
//! (manual) sees a new incident from another receiver's inbox in its status line.

#[path = "support/receiver.rs"]
mod receiver;
mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use receiver::{Served, TOKEN, incidents, write_config};
use serde_json::json;
use support::fake_llm::{FakeLlm, Reply};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, root: &std::path::Path, command: &str) -> Tmux {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmux = Tmux {
            socket: format!("opsassist-intake-{name}-{}x{t:x}", std::process::id()),
        };
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            "50",
            "-e",
            &format!("OPSASSIST_DATA_DIR={}", root.join("data").display()),
            "-e",
            &format!("OPSASSIST_CONFIG_DIR={}", root.join("config").display()),
            "-e",
            "OPENAI_API_KEY=sk-fake",
            &format!("{command}; echo OPSASSIST-EXIT=$?; exec sleep 600"),
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux (tests/run.sh installs it): {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen =
                String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// `opsassist tui --listen 127.0.0.1:PORT` against the fake model, in tmux, once it shows
/// the dashboard.
fn listening_console(name: &str, root: &std::path::Path, base_url: &str, port: u16) -> Tmux {
    let tmux = Tmux::start(
        name,
        root,
        &format!(
            "{} tui --provider openai --base-url {base_url} --model fake-model --listen 127.0.0.1:{port}",
            env!("CARGO_BIN_EXE_opsassist"),
        ),
    );
    tmux.wait_for("dashboard", |s| s.contains("Incidents"));
    tmux
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"))
        .port()
}

fn post(url: &str, body: &serde_json::Value) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async {
        reqwest::Client::new()
            .post(url)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap_or_default())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    })
}

fn am_group(title: &str, fingerprint: &str) -> serde_json::Value {
    json!({
        "version": "4", "status": "firing", "receiver": "opsassist", "groupLabels": {},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am.example.com",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "HostHighCpuLoad", "instance": "web-7:9100", "severity": "critical"},
            "annotations": {"summary": title},
            "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.com", "fingerprint": fingerprint
        }]
    })
}

#[test]
fn tui_listen_auto_starts_the_incident_and_waits_for_approval() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "investigate = \"auto\"\nrate_per_client = 0\n");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({ "command": "uptime # intake-auto" }),
    )])]);
    let port = free_port();
    let tmux = listening_console("auto", root, &fake.base_url, port);
    let url = format!("http://127.0.0.1:{port}/v1/alerts");
    assert_eq!(
        post(&url, &am_group("CPU pegged on web-7 (intake e2e)", "e2e1")),
        200
    );
    let received = Instant::now();
    tmux.wait_for("the incident", |s| s.contains("CPU pegged on web-7"));
    assert!(
        received.elapsed() < Duration::from_secs(2),
        "picked up within a second or so"
    );
    tmux.wait_for("the first call waiting for approval", |s| {
        s.contains("Approve?") && s.contains("uptime # intake-auto")
    });
    // The same alert again: one incident, one session.
    assert_eq!(
        post(&url, &am_group("CPU pegged on web-7 (intake e2e)", "e2e1")),
        200
    );
    std::thread::sleep(Duration::from_millis(600));
    let listed = incidents(root);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["count"], 2);
    assert_eq!(listed[0]["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(fake.chat_count(), 1, "one model session");
}

#[test]
fn a_console_sees_what_another_process_received() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "rate_per_client = 0\n");
    let served = Served::start(root);
    let fake = FakeLlm::spawn_blocking_openai(Vec::new());
    let tmux = Tmux::start(
        "manual",
        root,
        &format!(
            "{} tui --provider openai --base-url {} --model fake-model",
            env!("CARGO_BIN_EXE_opsassist"),
            fake.base_url
        ),
    );
    tmux.wait_for("dashboard", |s| s.contains("Incidents"));
    assert_eq!(
        post(
            &served.url("/v1/alerts"),
            &am_group("Disk full on db-9 (manual e2e)", "m1")
        ),
        200
    );
    tmux.wait_for("the notice", |s| {
        s.contains("new incident from alertmanager") && s.contains("Disk full on db-9")
    });
    assert_eq!(fake.chat_count(), 0, "manual: nothing starts by itself");
}

/// Manual mode: a received incident is listed as waiting for the operator; the start key
/// claims it through the store and starts its session. Two consoles press it: one session.
#[test]
fn manual_start_key_claims_the_waiting_incident_once_across_consoles() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "investigate = \"manual\"\nrate_per_client = 0\n");
    let served = Served::start(root);
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({ "command": "df -h # intake-manual" }),
    )])]);
    let console = |name: &str| {
        Tmux::start(
            name,
            root,
            &format!(
                "{} tui --provider openai --base-url {} --model fake-model",
                env!("CARGO_BIN_EXE_opsassist"),
                fake.base_url
            ),
        )
    };
    let a = console("start-a");
    let b = console("start-b");
    a.wait_for("dashboard", |s| s.contains("Incidents"));
    b.wait_for("dashboard", |s| s.contains("Incidents"));
    assert_eq!(
        post(
            &served.url("/v1/alerts"),
            &am_group("Queue backlog on mq-3 (start key e2e)", "s1")
        ),
        200
    );
    for console in [&a, &b] {
        console.wait_for("the waiting row", |s| {
            s.contains("Queue backlog on mq-3") && s.contains("waiting for you (s start")
        });
    }
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(fake.chat_count(), 0, "manual: nothing starts by itself");
    a.run(&["send-keys", "s"]);
    b.run(&["send-keys", "s"]);
    // Either console may win the claim; the winner shows the first call waiting.
    let start = Instant::now();
    loop {
        let screens: Vec<String> = [&a, &b]
            .iter()
            .map(|c| String::from_utf8_lossy(&c.run(&["capture-pane", "-p"]).stdout).into_owned())
            .collect();
        let won = screens
            .iter()
            .filter(|s| s.contains("Approve?") && s.contains("df -h # intake-manual"))
            .count();
        if won == 1 && screens.iter().all(|s| !s.contains("waiting for you")) {
            break;
        }
        assert!(
            won <= 1 && start.elapsed() < Duration::from_secs(30),
            "one console starts the session, the row leaves both:\n{}\n----\n{}",
            screens[0],
            screens[1]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    let listed = incidents(root);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(
        listed[0]["sessions"].as_array().map(Vec::len),
        Some(1),
        "one winner: {listed:#?}"
    );
    assert_eq!(fake.chat_count(), 1, "one model session");
}

/// Resolved at source, then fired again: the running session's transcript and the list say
/// so, the session goes on (its call still waits), and both lines are in its log on disk.
#[test]
fn resolve_and_refire_reach_the_session_transcript_and_its_log() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "investigate = \"auto\"\nrate_per_client = 0\n");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({ "command": "uptime # intake-resolve" }),
    )])]);
    let port = free_port();
    let tmux = listening_console("resolve", root, &fake.base_url, port);
    let url = format!("http://127.0.0.1:{port}/v1/alerts");
    let firing = am_group("Memory leak on api-2 (resolve e2e)", "r1");
    assert_eq!(post(&url, &firing), 200);
    tmux.wait_for("the first call waiting for approval", |s| {
        s.contains("Approve?") && s.contains("uptime # intake-resolve")
    });
    let mut resolved = firing.clone();
    resolved["status"] = json!("resolved");
    resolved["alerts"][0]["status"] = json!("resolved");
    resolved["alerts"][0]["endsAt"] = json!("2026-01-01T00:10:00Z");
    assert_eq!(post(&url, &resolved), 200);
    let screen = tmux.wait_for("resolved at source in the transcript", |s| {
        s.matches("✔ resolved at source at").count() >= 2
    });
    assert!(screen.contains("(alertmanager)"), "{screen}");
    assert!(
        screen.contains("Approve?"),
        "the session is not stopped:\n{screen}"
    );
    // A new firing: it started after the resolve (a late copy of the first would not reopen).
    let mut refired = firing.clone();
    refired["alerts"][0]["startsAt"] = json!("2026-01-01T00:20:00Z");
    assert_eq!(post(&url, &refired), 200);
    tmux.wait_for("fired again", |s| s.contains("↺ fired again at"));
    // Persisted: the session log holds both, so a restart shows them.
    let sessions = root.join("data/sessions");
    let start = Instant::now();
    loop {
        let logs: String = std::fs::read_dir(&sessions)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let path = e.path();
                        let file = if path.is_dir() {
                            std::fs::read_dir(&path)
                                .ok()?
                                .flatten()
                                .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
                                .collect::<String>()
                        } else {
                            std::fs::read_to_string(&path).unwrap_or_default()
                        };
                        Some(file)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if logs.contains(r#""status":"resolved""#) && logs.contains(r#""status":"fired_again""#) {
            assert!(logs.contains(r#""type":"source_status""#));
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "source status not in the session log:\n{logs}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(fake.chat_count(), 1, "nothing restarted");
}

/// (thread name, nice) of every thread of process `pid`, from `/proc/PID/task/*/stat`.
fn threads_of(pid: u32) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/task: {e}"));
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `tid (comm) state ppid …`: comm may hold spaces; fields after it are plain.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        // After comm: state is field 3, nice field 19 of the whole line.
        let nice = stat[close + 1..]
            .split_whitespace()
            .nth(16)
            .and_then(|n| n.parse().ok())
            .unwrap_or(i64::MIN);
        out.push((name, nice));
    }
    out
}

/// The `opsassist` process whose parent is `parent` (the tmux pane's shell).
fn child_named_opsassist(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let close = stat.rfind(')')?;
            let name = &stat[stat.find('(')? + 1..close];
            let ppid: u32 = stat[close + 1..].split_whitespace().nth(1)?.parse().ok()?;
            (name == "opsassist" && ppid == parent).then_some(pid)
        })
}

#[test]
fn tui_listen_runs_intake_below_the_ui_threads_priority() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "investigate = \"manual\"\nrate_per_client = 0\n");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text("nothing to do".into())]);
    let port = free_port();
    let tmux = listening_console("nice", root, &fake.base_url, port);
    let url = format!("http://127.0.0.1:{port}/v1/alerts");
    assert_eq!(
        post(&url, &am_group("Disk full on db-2 (nice)", "nice1")),
        200
    );
    tmux.wait_for("the incident", |s| s.contains("Disk full on db-2"));
    let shell: u32 =
        String::from_utf8_lossy(&tmux.run(&["list-panes", "-F", "#{pane_pid}"]).stdout)
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("pane pid: {e}"));
    let pid = child_named_opsassist(shell).unwrap_or_else(|| panic!("no opsassist under {shell}"));
    let threads = threads_of(pid);
    let nice_of = |prefix: &str| -> Vec<i64> {
        threads
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(_, nice)| *nice)
            .collect()
    };
    let ui = nice_of("opsassist");
    let ui = ui
        .iter()
        .copied()
        .min()
        .unwrap_or_else(|| panic!("no main thread: {threads:?}"));
    let writer = nice_of("intake-writer");
    let receiver = nice_of("opsassist-intak");
    assert!(!writer.is_empty() && !receiver.is_empty(), "{threads:?}");
    for nice in writer.iter().chain(&receiver) {
        assert_eq!(*nice, (ui + 10).min(19), "intake runs lowered: {threads:?}");
    }
    // The main runtime's workers (sessions, commands the operator approves) are not lowered
    // (tokio names them "tokio-rt-worker" or "tokio-runtime-worker", by version).
    let workers = nice_of("tokio-r");
    assert!(!workers.is_empty(), "{threads:?}");
    for nice in workers {
        assert_eq!(nice, ui, "{threads:?}");
    }
}
