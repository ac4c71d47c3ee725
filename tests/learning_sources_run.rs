//! Learning across monitoring sources through the real `opsassist run` binary and the scripted
//! model (issue 30): an edit made on a PagerDuty alert reaches the model's prompt when the same
//! problem arrives from Grafana (and the transcript names it, its score and the shared words),
//! not for an unrelated Datadog alert; `opsassist corrections list|forget` show and remove it.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use support::fake_llm::{FakeLlm, Flavor, Reply};

const SECTION: &str = "Past operator corrections on similar alerts";
const PROPOSED: &str = "echo pg-stat-replication";
const EXECUTED: &str = "echo replay-lag-per-client";

/// Payloads from the cross-source benchmark: the PagerDuty replication-lag incident (first p01),
/// its Grafana recurrence, and an unrelated Datadog packet-loss alert.
fn payloads() -> (Value, Value, Value) {
    let data: Value =
        serde_json::from_str(include_str!("../benches/data/learning_cross_source.json"))
            .expect("benchmark data");
    let first = data["firsts"][0].clone();
    assert_eq!(first["source"], "pagerduty");
    let laters = data["laters"].as_array().expect("laters");
    let grafana = laters
        .iter()
        .find(|l| l["expected"] == "p01")
        .expect("p01 recurrence")
        .clone();
    assert_eq!(grafana["source"], "grafana");
    let datadog = laters
        .iter()
        .find(|l| l["kind"] == "unrelated" && l["source"] == "datadog")
        .expect("unrelated datadog alert")
        .clone();
    (
        first["payload"].clone(),
        grafana["payload"].clone(),
        datadog["payload"].clone(),
    )
}

fn write(dir: &Path, name: &str, payload: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(payload).expect("encode")).expect("write alert");
    path
}

fn opsassist(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env("OPSASSIST_RETRY_BASE_MS", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OLLAMA_HOST")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn opsassist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// `opsassist run` on `alert` against a fresh scripted model; returns stdout and the system
/// message of the model's first request.
fn run(dir: &Path, alert: &Path, script: Vec<Reply>, stdin: &str) -> (String, String) {
    let fake = FakeLlm::spawn_blocking(Flavor::OpenAi, script);
    let alert = alert.to_str().expect("utf-8 path");
    let out = opsassist(
        dir,
        &[
            "run",
            "--alert",
            alert,
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ],
        stdin,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = fake.requests();
    let system = requests.first().expect("a model request")["messages"][0]["content"]
        .as_str()
        .expect("system message")
        .to_string();
    (stdout, system)
}

fn look() -> Vec<Reply> {
    vec![Reply::Text("Looked at it.".into())]
}

#[test]
fn an_edit_on_pagerduty_is_shown_for_grafana_not_for_datadog_and_can_be_forgotten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (pagerduty, grafana, datadog) = payloads();
    let pagerduty = write(dir.path(), "pagerduty.json", &pagerduty);
    let grafana = write(dir.path(), "grafana.json", &grafana);
    let datadog = write(dir.path(), "datadog.json", &datadog);

    let edit = vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": PROPOSED, "reason": "see the replicas"}),
        )]),
        Reply::Text("Replica lag is from one client.".into()),
    ];
    let (stdout, system) = run(dir.path(), &pagerduty, edit, &format!("e\n{EXECUTED}\n"));
    assert!(!system.contains(SECTION), "nothing learned yet: {system}");
    assert!(stdout.contains(EXECUTED), "{stdout}");

    let (stdout, system) = run(dir.path(), &grafana, look(), "");
    assert!(system.contains(SECTION), "{system}");
    assert!(
        system.contains(&format!(
            "you proposed `{PROPOSED}`; the operator ran `{EXECUTED}` instead"
        )),
        "{system}"
    );
    let used = stdout
        .lines()
        .find(|l| l.contains("past operator correction(s) used"))
        .unwrap_or_else(|| panic!("no used line: {stdout}"));
    assert!(used.contains("PostgresReplicationLag"), "{used}");
    let score: f64 = used
        .split("score ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no score: {used}"));
    assert!((0.4..=1.0).contains(&score), "{used}");
    assert!(used.contains("shared: lag, postgres, replica"), "{used}");

    let (stdout, system) = run(dir.path(), &datadog, look(), "");
    assert!(!system.contains(SECTION), "{system}");
    assert!(!system.contains(EXECUTED), "{system}");
    assert!(!stdout.contains("past operator correction"), "{stdout}");

    let list = opsassist(dir.path(), &["corrections", "list", "--json"], "");
    assert!(list.status.success());
    let records: Vec<Value> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["executed"], EXECUTED);
    let id = records[0]["id"].as_str().expect("id").to_string();
    assert!(used.contains(&format!("[{id}]")), "{used}");

    let bad = opsassist(dir.path(), &["corrections", "forget", "0000beef"], "");
    assert_eq!(bad.status.code(), Some(2));
    let forget = opsassist(dir.path(), &["corrections", "forget", &id], "");
    assert!(
        forget.status.success(),
        "{}",
        String::from_utf8_lossy(&forget.stderr)
    );
    let (_, system) = run(dir.path(), &grafana, look(), "");
    assert!(!system.contains(SECTION), "forgotten: {system}");
}
