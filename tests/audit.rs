//! The audit log: concurrent appends chain correctly; tampering, deletion, reordering and a
//! torn tail are each reported at the right line; the real binary's `audit verify` agrees,
//! cross-checks the session logs (a deleted or truncated log fails), and with a key catches a
//! tail rewritten with a recomputed plain chain. Crash recovery records an interrupted
//! command exactly once.

mod crash_harness;
mod session_harness;
mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::Digest;

use crash_harness::*;
use opsassist::audit::{AuditEntry, AuditKey, AuditLog, GENESIS, read_records, verify};
use opsassist::policy::Class;
use opsassist::protocol::{Event, Target};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};

fn proposal(n: usize) -> AuditEntry {
    AuditEntry::Proposal {
        call_id: format!("call-{n}"),
        tool: "shell".into(),
        target: Target::Ssh {
            host: "web1".into(),
        },
        command: format!("df -h /var/{n}"),
        class: Class::ReadOnly,
        recovered_from_text: false,
    }
}

fn write_log(path: &Path, n: usize) {
    let mut log = AuditLog::open(path).expect("open audit log");
    for i in 0..n {
        log.append("s1", proposal(i)).expect("append");
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn rewrite(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").expect("rewrite log");
}

#[test]
fn concurrent_appends_from_threads_chain_and_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data/audit.jsonl");
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut log = AuditLog::open(&path).expect("open");
                for i in 0..25 {
                    log.append(&format!("session-{t}"), proposal(i))
                        .expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let report = verify(&path).expect("verify");
    assert_eq!(report.broken, None);
    assert_eq!(report.records, 150);
    let records = read_records(&path).expect("records");
    assert_eq!(records.len(), 150);
    assert_eq!(records[0].prev, GENESIS);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.seq, i as u64 + 1);
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&path).expect("metadata").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn record_has_documented_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2);
    let first: serde_json::Value = serde_json::from_str(&lines(&path)[0]).expect("json");
    for field in [
        "seq", "time", "operator", "session", "entry", "prev", "hash",
    ] {
        assert!(first.get(field).is_some(), "missing {field}: {first}");
    }
    assert_eq!(first["entry"]["kind"], "proposal");
    assert_eq!(first["entry"]["command"], "df -h /var/0");
    assert!(chrono::DateTime::parse_from_rfc3339(first["time"].as_str().unwrap_or("")).is_ok());
}

#[test]
fn tampered_middle_line_is_reported_at_that_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 10);
    let mut l = lines(&path);
    l[4] = l[4].replace("df -h /var/4", "rm -rf /var/4");
    rewrite(&path, &l);
    let b = verify(&path).expect("verify").broken.expect("broken");
    assert_eq!((b.line, b.seq, b.torn), (5, Some(5), false));
    assert!(b.reason.contains("hash mismatch"), "{}", b.reason);
}

#[test]
fn deleted_line_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 10);
    let mut l = lines(&path);
    l.remove(3);
    rewrite(&path, &l);
    let report = verify(&path).expect("verify");
    let b = report.broken.expect("broken");
    assert_eq!((b.line, b.seq), (4, Some(5)));
    assert!(b.reason.contains("missing"), "{}", b.reason);
    assert_eq!(report.records, 3);
}

#[test]
fn reordered_lines_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 10);
    let mut l = lines(&path);
    l.swap(6, 7);
    rewrite(&path, &l);
    let b = verify(&path).expect("verify").broken.expect("broken");
    assert_eq!((b.line, b.seq), (7, Some(8)));
}

#[test]
fn rehashed_forgery_breaks_the_next_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 5);
    let mut l = lines(&path);
    // Forge record 2 with a correct self-hash: the link from record 3 still breaks.
    let mut v: serde_json::Value = serde_json::from_str(&l[1]).expect("json");
    v["entry"]["command"] = "reboot".into();
    let body = format!(
        "{{\"seq\":{},\"time\":{},\"operator\":{},\"session\":{},\"entry\":{},\"prev\":{}}}",
        v["seq"], v["time"], v["operator"], v["session"], v["entry"], v["prev"]
    );
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    l[1] = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
    rewrite(&path, &l);
    let b = verify(&path).expect("verify").broken.expect("broken");
    assert_eq!((b.line, b.seq), (3, Some(3)));
    assert!(b.reason.contains("prev"), "{}", b.reason);
}

#[test]
fn torn_tail_is_detected_then_cut_on_append() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 4);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.extend_from_slice(b"{\"seq\":5,\"time\":\"2024-");
    std::fs::write(&path, &bytes).expect("write torn");
    let report = verify(&path).expect("verify");
    let b = report.broken.expect("torn");
    assert!(b.torn);
    assert_eq!(b.line, 5);
    assert!(b.reason.contains("torn last record"), "{}", b.reason);
    assert_eq!(report.records, 4);

    let mut log = AuditLog::open(&path).expect("open");
    log.append("s2", proposal(99)).expect("append after crash");
    let warnings = log.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("torn"), "{warnings:?}");
    let report = verify(&path).expect("verify");
    assert_eq!(report.broken, None);
    assert_eq!(report.records, 5);
}

#[test]
fn binary_audit_verify_reports_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let path = data.join("audit.jsonl");
    write_log(&path, 6);
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_opsassist"))
            .args(["audit", "verify"])
            .env("OPSASSIST_DATA_DIR", &data)
            .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
            .output()
            .expect("run opsassist")
    };
    let ok = run();
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).lines().next(),
        Some("ok: 6 records, chain intact")
    );

    let mut l = lines(&path);
    l[2] = l[2].replace("df -h", "df -H");
    rewrite(&path, &l);
    let bad = run();
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("broken at line 3 (seq 3): hash mismatch"),
        "{stdout}"
    );

    let show = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["audit", "show", "--tail", "2"])
        .env("OPSASSIST_DATA_DIR", &data)
        .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
        .output()
        .expect("run opsassist");
    let out = String::from_utf8_lossy(&show.stdout);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("proposal call-5 [read-only] ssh: web1: df -h /var/5"),
        "{out}"
    );
}

/// `opsassist audit ARGS` with the data dir and config dir under `root`.
fn audit_cli(root: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .arg("audit")
        .args(args)
        .env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .output()
        .expect("run opsassist");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn records_of_kind(path: &Path, kind: &str) -> Vec<Value> {
    read_records(path)
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let mut entry = r.entry;
            entry["session"] = r.session.into();
            entry
        })
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// Wait until no process holds the session log's lock.
async fn released(log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while opsassist::session::log::is_locked(log) {
        assert!(Instant::now() < deadline, "lock never released");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_records_an_interrupted_command_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = dir.path().join("runs");
    let token = format!("{}", 40 + std::process::id() % 9);
    let command = format!(
        "echo x >> {} && printf 'partial output\n' && sleep 4{token}",
        runs.display()
    );
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": command, "reason": "drain"}),
        )]),
        Reply::Text("Handing back.".into()),
        Reply::Text("Handing back again.".into()),
    ]);
    let mut child = spawn_run(dir.path(), &fake);
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(b"y\n")
        .expect("write");
    let (id, log_path) = wait_for_event(dir.path(), |e| matches!(e, Event::ExecStarted { .. }));
    let started = opsassist::session::log::read(&log_path).expect("log");
    let (call_id, output_path) = started
        .events
        .iter()
        .find_map(|e| match &e.event {
            Event::ExecStarted {
                call_id,
                output_path,
                ..
            } => Some((call_id.clone(), output_path.clone().expect("output path"))),
            _ => None,
        })
        .expect("ExecStarted");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&output_path).map_or(0, |m| m.len()) == 0 {
        assert!(Instant::now() < deadline, "no output captured");
        std::thread::sleep(Duration::from_millis(20));
    }
    sigkill(&mut child);
    kill_orphans(&format!("sleep 4{token}"));
    let audit_path = dir.path().join("data/audit.jsonl");
    assert_eq!(records_of_kind(&audit_path, "exec_start").len(), 1);
    assert!(records_of_kind(&audit_path, "exec_interrupted").is_empty());
    // The log as the crash left it, for the second crash below.
    let crashed_log = std::fs::read(&log_path).expect("log bytes");

    let core = core(dir.path(), &fake, &Setup::default());
    for round in 0..2 {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let recovered = opsassist::session::recover(core.clone(), tx).expect("recover");
        assert_eq!(recovered.len(), 1, "round {round}");
        let events = recv_until(&mut rx, |e| matches!(e, Event::Finished { .. })).await;
        let summary = events
            .iter()
            .find_map(|e| match &e.event {
                Event::ExecFinished { summary } => Some(summary.clone()),
                _ => None,
            })
            .expect("ExecFinished for the interrupted call");
        let size = std::fs::metadata(&output_path).expect("output").len();
        assert!(summary.interrupted, "round {round}: {summary:?}");
        assert_eq!(summary.call_id, call_id);
        assert_eq!(summary.stdout_bytes, size, "round {round}: real byte count");
        assert!(size >= "partial output\n".len() as u64);

        let interrupted = records_of_kind(&audit_path, "exec_interrupted");
        assert_eq!(interrupted.len(), 1, "round {round}: {interrupted:#?}");
        assert_eq!(interrupted[0]["call_id"], call_id.as_str());
        assert_eq!(interrupted[0]["session"], id.as_str());
        assert_eq!(interrupted[0]["outcome"], "interrupted: outcome unknown");
        assert_eq!(interrupted[0]["output_bytes"], size);
        let file_hash = hex::encode(sha2::Sha256::digest(
            std::fs::read(&output_path).expect("output bytes"),
        ));
        assert_eq!(interrupted[0]["output_sha256"], file_hash.as_str());

        drop(recovered);
        drop(rx);
        released(&log_path).await;
        // A second crash, after the audit record but before the session log had the
        // interrupted ExecFinished: the next restart must not add another record.
        std::fs::write(&log_path, &crashed_log).expect("restore crashed log");
    }
    assert_eq!(
        std::fs::read_to_string(&runs).expect("runs"),
        "x\n",
        "never re-run"
    );
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// A session that ran two commands, its audit log, and the two call ids.
async fn session_with_two_executions(root: &Path) -> (String, Vec<String>) {
    let fake = FakeLlm::openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo one", "reason": "a"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": "echo two", "reason": "b"}),
        )]),
        Reply::Text("done".into()),
    ])
    .await;
    let core = core(root, &fake, &Setup::default());
    let (handle, _rx, events) =
        run_session(core, alert("Audit cross-check", "x"), |_| approve()).await;
    handle.send(opsassist::protocol::Op::Shutdown);
    let calls: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::ExecStarted { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 2);
    (handle.id.clone(), calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_fails_when_the_audit_log_is_deleted_or_truncated_while_sessions_remain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, calls) = session_with_two_executions(dir.path()).await;
    let audit_path = dir.path().join("data/audit.jsonl");
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("ok: all 2 execution(s) in 1 session log(s) have their audit records"),
        "{stdout}"
    );
    let missing = |call: &str, logged: &str, record: &str| {
        format!(
            "session {id} call {call}: {logged} in the session log but no {record} record in the audit log"
        )
    };

    // Truncated after the first execution's end: the chain that is left still verifies.
    let original = lines(&audit_path);
    let cut = original
        .iter()
        .position(|l| l.contains("\"exec_end\""))
        .expect("an exec_end record");
    rewrite(&audit_path, &original[..=cut]);
    assert!(verify(&audit_path).expect("verify").is_intact());
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    let problems: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("session "))
        .collect();
    assert_eq!(
        problems,
        vec![
            missing(&calls[1], "ExecStarted", "exec_start"),
            missing(&calls[1], "ExecFinished", "exec_end"),
        ],
        "{stdout}"
    );

    // Emptied: zero records is not "ok" while sessions with executions exist.
    std::fs::write(&audit_path, "").expect("empty");
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("has 0 records, but the session logs record 2 execution(s)"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("session ")).count(),
        4,
        "{stdout}"
    );

    // Deleted.
    std::fs::remove_file(&audit_path).expect("rm");
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("is missing, but the session logs record 2 execution(s)"),
        "{stdout}"
    );
    for call in &calls {
        assert!(
            stdout.contains(&missing(call, "ExecStarted", "exec_start")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&missing(call, "ExecFinished", "exec_end")),
            "{stdout}"
        );
    }
    assert!(!stdout.contains("ok:"), "{stdout}");
}

/// Re-chain `lines` from index `from`: record `from` gets `command` changed, and every
/// record from there is given a correct `prev` and plain `hash`, as someone without the key
/// would. `keep_hmac` leaves the old `hmac` fields in place; otherwise they are dropped.
fn rechain_tail(lines: &mut [String], from: usize, keep_hmac: bool) {
    let sha = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
    for i in from..lines.len() {
        let mut v: Value = serde_json::from_str(&lines[i]).expect("json");
        if i == from {
            v["entry"]["command"] = "rm -rf /var/lib/mysql".into();
        }
        let prev = sha(&lines[i - 1]);
        let body = format!(
            "{{\"seq\":{},\"time\":{},\"operator\":{},\"session\":{},\"entry\":{},\"prev\":\"{prev}\"}}",
            v["seq"], v["time"], v["operator"], v["session"], v["entry"]
        );
        let hash = sha(&body);
        let hmac = match (keep_hmac, v["hmac"].as_str()) {
            (true, Some(h)) => format!(",\"hmac\":\"{h}\""),
            _ => String::new(),
        };
        lines[i] = format!("{},\"hash\":\"{hash}\"{hmac}}}", &body[..body.len() - 1]);
    }
}

#[test]
fn keyed_chain_catches_a_tail_rewritten_without_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_path = dir.path().join("keys/audit.key");
    std::fs::create_dir_all(dir.path().join("keys")).expect("keys dir");
    let key_arg = key_path.to_string_lossy().into_owned();
    let (code, stdout, stderr) = audit_cli(dir.path(), &["keygen", "--out", &key_arg]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let mode = std::fs::metadata(&key_path)
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let key_bytes = std::fs::read(&key_path).expect("key bytes");
    let (code, _, stderr) = audit_cli(dir.path(), &["keygen", "--out", &key_arg]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("refusing to overwrite"), "{stderr}");
    assert_eq!(std::fs::read(&key_path).expect("key bytes"), key_bytes);
    let inside = dir
        .path()
        .join("data/audit.key")
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
    let (code, _, stderr) = audit_cli(dir.path(), &["keygen", "--out", &inside]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("outside the data dir"), "{stderr}");

    let config = dir.path().join("config/config.toml");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::write(&config, format!("[audit]\nkey_file = \"{key_arg}\"\n")).expect("config");
    let audit_path = dir.path().join("data/audit.jsonl");
    let key = AuditKey::load(&key_path, &dir.path().join("data")).expect("load key");
    let mut log = AuditLog::open(&audit_path)
        .expect("open")
        .with_key(Some(key));
    for i in 0..6 {
        log.append("s1", proposal(i)).expect("append");
    }
    let signed = lines(&audit_path);
    assert!(signed.iter().all(|l| l.contains("\"hmac\":\"")));
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("ok: 6 of 6 records signed with the audit key"),
        "{stdout}"
    );

    // The tail from record 4 rewritten with a valid plain chain, old hmacs kept.
    let mut forged = signed.clone();
    rechain_tail(&mut forged, 3, true);
    rewrite(&audit_path, &forged);
    assert!(
        verify(&audit_path).expect("plain verify").is_intact(),
        "the plain chain is fooled"
    );
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with("broken at line 4 (seq 4): record 4: hmac mismatch"),
        "{stdout}"
    );

    // The same with the hmacs dropped.
    let mut forged = signed.clone();
    rechain_tail(&mut forged, 3, false);
    rewrite(&audit_path, &forged);
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with("broken at line 4 (seq 4): record 4: no hmac after signed records"),
        "{stdout}"
    );

    // Every hmac dropped and the whole chain recomputed.
    let mut forged = signed.clone();
    rechain_tail(&mut forged, 1, false);
    let first: Value = serde_json::from_str(&forged[0]).expect("json");
    let body = format!(
        "{{\"seq\":1,\"time\":{},\"operator\":{},\"session\":{},\"entry\":{},\"prev\":\"{GENESIS}\"}}",
        first["time"], first["operator"], first["session"], first["entry"]
    );
    let hash = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    forged[0] = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
    rechain_tail(&mut forged, 1, false);
    rewrite(&audit_path, &forged);
    assert!(verify(&audit_path).expect("plain verify").is_intact());
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("no record has an hmac"), "{stdout}");

    // Without a key configured: unchanged behaviour, the plain chain is all that is checked.
    std::fs::write(&config, "").expect("config without key");
    rewrite(&audit_path, &signed);
    let (code, stdout, _) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with("ok: 6 records, chain intact"),
        "{stdout}"
    );
    assert!(stdout.contains("not checked"), "{stdout}");

    // A key file others can read is refused with one clear line.
    std::fs::write(&config, format!("[audit]\nkey_file = \"{key_arg}\"\n")).expect("config");
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (code, stdout, stderr) = audit_cli(dir.path(), &["verify"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "opsassist: audit key {key_arg}: is accessible by group or others (mode 0644); run `chmod 600 {key_arg}`"
        )
    );
    assert_eq!(stderr.lines().count(), 1);
}
