//! The audit log: concurrent appends chain correctly; tampering, deletion, reordering and a
//! torn tail are each reported at the right line; the real binary's `audit verify` agrees.

use std::path::Path;
use std::process::Command;

use opsassist::audit::{AuditEntry, AuditLog, GENESIS, read_records, verify};
use opsassist::policy::Class;
use opsassist::protocol::Target;

fn proposal(n: usize) -> AuditEntry {
    AuditEntry::Proposal {
        call_id: format!("call-{n}"),
        tool: "shell".into(),
        target: Target::Ssh {
            host: "web1".into(),
        },
        command: format!("df -h /var/{n}"),
        class: Class::ReadOnly,
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
