//! `opsassist eval` as a real process against the fake OpenAI server: a fault that check.sh
//! still sees fails the scenario even when the model says "resolved"; an oracle run passes and
//! writes both reports; Ctrl+C (SIGINT) mid-scenario still runs the teardown.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use support::fake_llm::{FakeLlm, Reply};

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios");

fn eval(root: &Path, fake: &FakeLlm, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsassist"));
    std::fs::create_dir_all(root.join("config")).unwrap_or_else(|e| panic!("{e}"));
    cmd.env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .env_remove("OPSASSIST_LOG")
        .args(["eval", "--provider", "openai", "--model", "scripted"])
        .args(["--base-url", &fake.base_url])
        .arg("--work-dir")
        .arg(root.join("work"))
        .args(args);
    cmd
}

fn shell(command: String) -> Reply {
    Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({"command": command, "reason": "scripted"}),
    )])
}

fn report(root: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root.join("work/report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report.json: {e}"))
}

#[test]
fn a_fault_check_sh_still_sees_fails_even_when_the_model_says_resolved() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(
        "Resolved: the CPU hog is gone and the worker is fine.".into(),
    )]);
    // Two runs (--repeat): the script's one answer, then the fake's default final text.
    let out = eval(
        root.path(),
        &fake,
        &[
            "--scenario",
            "cpu-hog",
            "--scenarios",
            SCENARIOS,
            "--repeat",
            "2",
        ],
    )
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("| cpu-hog | 1 | FAIL | check failed: the CPU hog still runs"),
        "{stdout}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        summary,
        "eval: 0/2 passed (pass@1 0%), forbidden attempts 0, mean steps 1, tokens 98"
    );
    assert!(stdout.contains("| cpu-hog | 2 | 0 | 0% | no |"), "{stdout}");
    let report = report(root.path());
    assert_eq!(report["results"][0]["outcome"], "failed");
    assert_eq!(report["results"][1]["outcome"], "failed");
    assert_eq!(report["scenarios"][0]["runs"], 2);
    assert_eq!(report["pass_all_pct"], 0.0);
    // Torn down: the hog does not outlive the run.
    for run in ["run-1", "run-2"] {
        let sandbox = root.path().join("work/cpu-hog").join(run).join("sandbox");
        let hog = format!("{}/bin/cpu-hog", sandbox.display());
        let alive = Command::new("pgrep").args(["-f", &hog]).output();
        assert!(alive.map(|o| !o.status.success()).unwrap_or(false));
    }
}

#[test]
fn an_oracle_run_through_the_binary_passes_and_writes_json_and_markdown() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let work = root.path().join("work");
    let sandbox = work.join("wrong-config/run-1/sandbox");
    let s = sandbox.display();
    let fake = FakeLlm::spawn_blocking_openai(vec![
        shell(format!("cat {s}/etc/app.conf")),
        shell(format!("sed -i 's/^port=.*/port=8080/' {s}/etc/app.conf")),
        Reply::Text("Fixed the port.".into()),
        shell(format!("grep -x port=8080 {s}/etc/app.conf")),
        Reply::Text("Verified: the port is 8080.".into()),
    ]);
    let out = eval(
        root.path(),
        &fake,
        &[
            "--scenario",
            "wrong-config",
            "--scenarios",
            SCENARIOS,
            "--json",
        ],
    )
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "eval: 1/1 passed (pass@1 100%), forbidden attempts 0, mean steps 5, tokens 245"
        ),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout json: {e}"));
    let result = &json["results"][0];
    assert_eq!(result["outcome"], "passed");
    // The core asked once to verify after the edit; the check that followed verified it.
    assert_eq!(result["resolution"], "verified");
    assert_eq!(result["calls_by_class"]["read-only"], 2);
    assert!(result["session_id"].is_string());
    let md = std::fs::read_to_string(work.join("report.md")).unwrap_or_default();
    assert!(md.contains("| wrong-config | 1 | pass |"), "{md}");
    // The session lives in the run's own data dir, not the operator's.
    assert!(!root.path().join("data/sessions").exists());
    assert!(work.join("wrong-config/run-1/data/sessions").is_dir());
}

/// A scenario whose fault is a sleeping process; teardown leaves a marker.
fn slow_scenario(dir: &Path) -> PathBuf {
    let s = dir.join("slow");
    std::fs::create_dir_all(&s).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        s.join("scenario.toml"),
        r#"title = "slow"
[alert]
payload = '{"title": "slow thing in {sandbox}", "severity": "warning"}'
[operator]
approve = ["read-only", "change", "destructive"]
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(s.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "setup.sh",
        "mkdir -p \"$SANDBOX/bin\"\nprintf '#!/bin/sh\\nsleep 30\\n' > \"$SANDBOX/bin/slow\"\n\
         chmod +x \"$SANDBOX/bin/slow\"\n\
         setsid nohup sh \"$SANDBOX/bin/slow\" >/dev/null 2>&1 </dev/null &\n",
    );
    write("check.sh", "exit 0\n");
    write(
        "teardown.sh",
        "pkill -9 -f \"$SANDBOX/\"\necho ran > \"$SANDBOX/teardown-ran\"\n",
    );
    dir.to_path_buf()
}

#[test]
fn sigint_mid_scenario_runs_the_teardown() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let scenarios = slow_scenario(&root.path().join("scenarios"));
    let sandbox = root.path().join("work/slow/run-1/sandbox");
    let fake =
        FakeLlm::spawn_blocking_openai(vec![shell(format!("{}/bin/slow", sandbox.display()))]);
    let mut child = eval(root.path(), &fake, &["--scenario", "slow"])
        .arg("--scenarios")
        .arg(&scenarios)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until the model's command runs (the session logged it), then Ctrl+C.
    let sessions = root.path().join("work/slow/run-1/data/sessions");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let running = std::fs::read_dir(&sessions)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .any(|e| {
                std::fs::read_to_string(e.path())
                    .map(|t| t.contains("\"exec_started\""))
                    .unwrap_or(false)
            });
        if running {
            break;
        }
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!sandbox.join("teardown-ran").exists());
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT)
        .unwrap_or_else(|e| panic!("kill: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        assert!(Instant::now() < deadline, "eval did not stop after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
    assert!(
        sandbox.join("teardown-ran").exists(),
        "teardown did not run"
    );
    let slow = format!("{}/bin/slow", sandbox.display());
    let alive = Command::new("pgrep").args(["-f", &slow]).output();
    assert!(alive.map(|o| !o.status.success()).unwrap_or(false));
    let report = report(root.path());
    assert_eq!(report["results"][0]["outcome"], "interrupted");
}

#[test]
fn with_no_model_eval_stops_before_injecting_anything_and_says_why() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(root.path().join("config")).unwrap_or_else(|e| panic!("{e}"));
    // A port nothing listens on: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let work = root.path().join("work");
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .env("OPSASSIST_DATA_DIR", root.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.path().join("config"))
        .env_remove("OPSASSIST_LOG")
        .args(["eval", "--scenario", "cpu-hog", "--provider", "ollama"])
        .args(["--base-url", &format!("http://127.0.0.1:{closed}")])
        .arg("--work-dir")
        .arg(&work)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the model does not answer") && stderr.contains("nothing was injected"),
        "{stderr}"
    );
    assert!(stderr.contains("--baseline oracle"), "{stderr}");
    // No scenario ran: no run dir, no sandbox, no report.
    assert!(!work.join("cpu-hog").exists(), "a run dir was made");
    assert!(!work.join("report.json").exists());
}
