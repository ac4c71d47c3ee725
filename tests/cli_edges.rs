//! CLI edges: a closed pipe ends `doctor` and `sessions show` quietly (exit 0, no panic),
//! `sessions show` takes a unique id prefix, `sessions prune` removes old finished sessions
//! and their outputs but never open ones or the audit log, and `doctor` validates `[keys]`
//! and takes the provider flags.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{TimeZone, Utc};
use serde_json::json;

struct Dirs {
    _root: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().expect("tempdir");
    let data = root.path().join("data");
    let config = root.path().join("config");
    std::fs::create_dir_all(data.join("sessions")).expect("sessions dir");
    std::fs::create_dir_all(&config).expect("config dir");
    Dirs {
        _root: root,
        data,
        config,
    }
}

/// A session log with `text` as the model's answer and `state` last.
fn write_session(data: &Path, id: &str, text: &str, state: &str) {
    let alert = json!({"source": "generic", "title": format!("Disk full {id}"), "severity": null,
        "status": "firing", "host": null, "description": null, "starts_at": null, "url": null,
        "labels": {}, "fingerprint": null, "raw": null});
    let at = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
    let events = [
        json!({"type": "session_started", "alert": alert, "provider": "openai", "model": "m", "mode": "heal"}),
        json!({"type": "state", "state": "investigating"}),
        json!({"type": "model_text", "text": text}),
        json!({"type": "finished", "state": state, "reason": "the model finished"}),
    ];
    let mut lines = String::new();
    for (i, event) in events.iter().enumerate() {
        let mut event = event.clone();
        if state != "done" && state != "failed" && i == 3 {
            event = json!({"type": "state", "state": state});
        }
        let envelope = json!({"session_id": id, "seq": i + 1, "at": at, "event": event});
        lines.push_str(&envelope.to_string());
        lines.push('\n');
    }
    std::fs::write(data.join("sessions").join(format!("{id}.jsonl")), lines).expect("log");
}

fn opsassist(d: &Dirs) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsassist"));
    cmd.env("OPSASSIST_DATA_DIR", &d.data)
        .env("OPSASSIST_CONFIG_DIR", &d.config)
        .env_remove("OPENAI_API_KEY");
    cmd
}

/// Run `opsassist ARGS | head -1` in sh; returns (opsassist's own exit status, first
/// line, its stderr).
fn piped_to_head(d: &Dirs, args: &str) -> (i32, String, String) {
    let status = d.data.join("status.txt");
    let script = format!(
        "{{ '{}' {args} 2>\"$ERR\"; echo $? >\"$STATUS\"; }} | head -1",
        env!("CARGO_BIN_EXE_opsassist")
    );
    let err = d.data.join("stderr.txt");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("OPSASSIST_DATA_DIR", &d.data)
        .env("OPSASSIST_CONFIG_DIR", &d.config)
        .env("ERR", &err)
        .env("STATUS", &status)
        .output()
        .expect("sh");
    assert!(out.status.success());
    (
        std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&err).unwrap_or_default(),
    )
}

#[test]
fn a_closed_pipe_ends_sessions_show_and_doctor_quietly() {
    let d = dirs();
    let long: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
    write_session(&d.data, "20250102-030405-aaaaaa", &long, "done");
    let (status, first, stderr) = piped_to_head(&d, "sessions show 20250102-030405-aaaaaa");
    assert_eq!(status, 0, "stderr: {stderr}");
    assert!(!first.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The LLM check waits for a server that never answers (a closed port), so every line
    // after the first is written to a pipe `head` has closed.
    let (status, first, stderr) = piped_to_head(
        &d,
        "doctor --provider openai --base-url http://127.0.0.1:9/v1 --model m",
    );
    assert_eq!(status, 0, "stderr: {stderr}");
    assert!(first.starts_with("ok  config"), "{first}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn sessions_show_takes_a_unique_id_prefix() {
    let d = dirs();
    write_session(&d.data, "20250102-030405-abc123", "first answer", "done");
    write_session(&d.data, "20250102-030405-abd999", "second answer", "done");
    let out = opsassist(&d)
        .args(["sessions", "show", "20250102-030405-abc"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("first answer"));

    let out = opsassist(&d)
        .args(["sessions", "show", "20250102-030405-ab"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("matches 2 sessions"), "{err}");
}

fn age(path: &Path, days: u32) {
    let status = Command::new("touch")
        .arg("-d")
        .arg(format!("{days} days ago"))
        .arg(path)
        .status()
        .expect("touch");
    assert!(status.success());
}

#[test]
fn prune_removes_old_finished_sessions_and_outputs_only() {
    let d = dirs();
    let sessions = d.data.join("sessions");
    let outputs = d.data.join("outputs");
    for (id, state, days) in [
        ("20250101-000000-old001", "done", 40),
        ("20250101-000000-old002", "failed", 40),
        ("20250101-000000-open01", "awaiting_approval", 40),
        ("20250101-000000-new001", "done", 2),
    ] {
        write_session(&d.data, id, "answer", state);
        std::fs::create_dir_all(outputs.join(id)).expect("outputs");
        std::fs::write(outputs.join(id).join("001-c.log"), vec![b'x'; 4096]).expect("out");
        age(&sessions.join(format!("{id}.jsonl")), days);
    }
    std::fs::write(d.data.join("audit.jsonl"), "{}\n").expect("audit");
    age(&d.data.join("audit.jsonl"), 400);

    let out = opsassist(&d)
        .args(["sessions", "prune", "--older-than", "30d", "--dry-run"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("would remove 2 session(s)"));
    assert!(sessions.join("20250101-000000-old001.jsonl").exists());

    let out = opsassist(&d)
        .args(["sessions", "prune", "--older-than", "30d"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("removed 2 session(s)"), "{stdout}");
    assert!(
        stdout.contains("kept 1 old session(s) that are still open"),
        "{stdout}"
    );
    for gone in ["20250101-000000-old001", "20250101-000000-old002"] {
        assert!(!sessions.join(format!("{gone}.jsonl")).exists(), "{gone}");
        assert!(!outputs.join(gone).exists(), "{gone}");
    }
    for kept in ["20250101-000000-open01", "20250101-000000-new001"] {
        assert!(sessions.join(format!("{kept}.jsonl")).exists(), "{kept}");
        assert!(outputs.join(kept).join("001-c.log").exists(), "{kept}");
    }
    assert!(
        d.data.join("audit.jsonl").exists(),
        "the audit log is never pruned"
    );
}

#[test]
fn doctor_validates_keys() {
    let d = dirs();
    std::fs::write(
        d.config.join("config.toml"),
        "[keys]\napprove = \"ctrl+banana\"\n",
    )
    .expect("config");
    let out = opsassist(&d)
        .args(["doctor", "--no-llm"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("FAIL keys") && stdout.contains("ctrl+banana"),
        "{stdout}"
    );
}
