//! `sessions export`: golden Markdown and JSON of a session with an approve, an edit, a
//! reject, a refusal, an interrupted command and an auto-approval (written through the real
//! session and audit log writers), the same decisions from a session driven through the real
//! loop, a standalone HTML page, and planted secrets that appear in no format.
//!
//! Update the goldens with `UPDATE_GOLDEN=1 cargo test --test export`.

#[path = "postmortem/chromium.rs"]
mod chromium;
mod session_harness;
mod support;

use std::path::{Path, PathBuf};

use opsassist::alert::{Alert, Source, Status};
use opsassist::audit::{AuditEntry, AuditLog, INTERRUPTED};
use opsassist::export::{self, Format};
use opsassist::llm::ToolCall;
use opsassist::paths::Paths;
use opsassist::policy::{Class, Redactor};
use opsassist::protocol::{
    DecisionKind, Event, ExecSummary, Mode, Proposal, SessionState, Target, Verdict,
};
use opsassist::session::log::SessionLog;
use sha2::{Digest, Sha256};

const ID: &str = "20261125-031500-abc123";
/// Planted secrets: none may appear in any export.
const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const DB_PASSWORD: &str = "hunter2-Sup3rS3cret!";
const GH_TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const OTHER_SESSION: &str = "20261125-020000-zzz999";

fn proposal(call_id: &str, command: &str, class: Class, reason: &str) -> Proposal {
    Proposal {
        call_id: call_id.into(),
        tool: "local_shell".into(),
        target: Target::Local,
        command: command.into(),
        arguments: serde_json::json!({ "command": command }).to_string(),
        reason: Some(reason.into()),
        class,
        class_reason: format!("`{}` classified", command.split(' ').next().unwrap_or("")),
        shell: true,
        needs_confirm: false,
        prefix: None,
        decisions: vec![
            DecisionKind::Approve,
            DecisionKind::Edit,
            DecisionKind::Reject,
        ],
        scopes: Vec::new(),
        recovered_from_text: false,
        host_warning: None,
        scope_examples: None,
    }
}

fn summary(call_id: &str, command: &str, output: &str, exit: i32, ms: u64) -> ExecSummary {
    ExecSummary {
        call_id: call_id.into(),
        target: Target::Local,
        command: command.into(),
        exit_code: Some(exit),
        signal: None,
        duration_ms: ms,
        timed_out: false,
        connection_error: None,
        stdout_bytes: output.len() as u64,
        stderr_bytes: 0,
        output_sha256: hex::encode(Sha256::digest(output.as_bytes())),
        output_path: format!("/data/outputs/{ID}/{call_id}.log"),
        redactions: 0,
        model_output: output.into(),
        interrupted: false,
        cancelled: false,
        dropped_bytes: 0,
    }
}

struct Writer {
    log: SessionLog,
    audit: AuditLog,
}

impl Writer {
    fn ev(&mut self, event: Event) {
        self.log.append(event).expect("session log append");
    }
    fn au(&mut self, entry: AuditEntry) {
        self.audit.append(ID, entry).expect("audit append");
    }
    fn propose(&mut self, p: &Proposal) {
        self.au(AuditEntry::Proposal {
            call_id: p.call_id.clone(),
            tool: p.tool.clone(),
            target: p.target.clone(),
            command: p.command.clone(),
            class: p.class,
            recovered_from_text: false,
        });
        self.ev(Event::CallProposed {
            proposal: p.clone(),
        });
    }
    fn ask(&mut self, p: &Proposal) {
        self.ev(Event::State {
            state: SessionState::AwaitingApproval,
        });
        self.ev(Event::ApprovalRequested {
            proposal: p.clone(),
        });
    }
    fn decide(&mut self, call_id: &str, decision: &str, reason: Option<&str>, verdict: Verdict) {
        self.au(AuditEntry::Decision {
            call_id: call_id.into(),
            decision: decision.into(),
            reason: reason.map(str::to_string),
        });
        self.ev(Event::Decided {
            call_id: call_id.into(),
            verdict,
        });
    }
    fn run(&mut self, s: ExecSummary) {
        self.au(AuditEntry::ExecStart {
            call_id: s.call_id.clone(),
            target: s.target.clone(),
            command: s.command.clone(),
        });
        self.ev(Event::ExecStarted {
            call_id: s.call_id.clone(),
            target: s.target.clone(),
            command: s.command.clone(),
            output_path: Some(s.output_path.clone()),
            process: None,
        });
        self.au(AuditEntry::ExecEnd {
            call_id: s.call_id.clone(),
            exit_code: s.exit_code,
            signal: s.signal,
            duration_ms: s.duration_ms,
            stdout_bytes: s.stdout_bytes,
            stderr_bytes: s.stderr_bytes,
            output_sha256: s.output_sha256.clone(),
            redactions: s.redactions,
            connection_error: None,
            timed_out: false,
        });
        let content = s.model_output.clone();
        let call_id = s.call_id.clone();
        self.ev(Event::ExecFinished {
            summary: Box::new(s),
        });
        self.ev(Event::ToolResult { call_id, content });
    }
}

/// Write the incident: one data dir with a session log and an audit log (plus a record of
/// another session, which must not be exported).
fn write_incident(root: &Path) -> Paths {
    let paths = Paths::in_dir(root);
    std::fs::create_dir_all(paths.sessions_dir()).expect("sessions dir");
    let mut audit = AuditLog::open(&paths.audit_log()).expect("audit log");
    audit
        .append(
            OTHER_SESSION,
            AuditEntry::Decision {
                call_id: "other".into(),
                decision: "approve".into(),
                reason: None,
            },
        )
        .expect("other session record");
    let log = SessionLog::create(&paths.sessions_dir().join(format!("{ID}.jsonl")), ID)
        .expect("session log");
    let mut w = Writer { log, audit };

    let raw = serde_json::json!({
        "receiver": "ops",
        "status": "firing",
        "alerts": [{
            "labels": {"alertname": "DiskFull", "instance": "db01"},
            "annotations": {
                "summary": "<script>alert('x')</script> /var 97% full",
                "runbook_token": GH_TOKEN
            }
        }]
    });
    let alert = Alert {
        source: Source::Alertmanager,
        title: "DiskFull <script>alert('x')</script>".into(),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("db01".into()),
        description: Some("/var is 97% full on db01 <b>now</b>".into()),
        starts_at: Some("2026-11-25T03:14:00Z".into()),
        url: None,
        labels: [("alertname".to_string(), "DiskFull".to_string())]
            .into_iter()
            .collect(),
        fingerprint: None,
        raw: raw.into(),
    };
    w.ev(Event::SessionStarted {
        alert: Box::new(alert),
        provider: "openai".into(),
        model: "fake-model".into(),
        mode: Mode::Heal,
    });
    w.ev(Event::Prompt {
        system: "system prompt".into(),
        user: "user prompt".into(),
        redactions: 0,
    });
    w.ev(Event::State {
        state: SessionState::Investigating,
    });
    w.ev(Event::ThinkingDelta {
        text: "SECRET-THINKING: the operator must never see this".into(),
    });
    w.ev(Event::ModelDelta {
        text: "Checking disk usage.".into(),
    });

    // 1. approved: df, whose output leaks an AWS key.
    let df = proposal(
        "call_1",
        "df -h /var",
        Class::ReadOnly,
        "see how full /var is",
    );
    let calls = |p: &Proposal| {
        vec![ToolCall {
            id: p.call_id.clone(),
            name: p.tool.clone(),
            arguments: p.arguments.clone(),
        }]
    };
    w.ev(Event::ModelText {
        text: "Checking disk usage.".into(),
        tool_calls: calls(&df),
    });
    w.propose(&df);
    w.ask(&df);
    w.decide("call_1", "approve", None, Verdict::Approved);
    w.run(summary(
        "call_1",
        "df -h /var",
        &format!(
            "Filesystem Size Used Avail Use% Mounted on\n/dev/sda2 20G 19G 600M 97% /var\nAWS_ACCESS_KEY_ID={AWS_KEY}\n```\n</pre><script>x</script>"
        ),
        0,
        12,
    ));

    // 2. edited: the operator narrows du and types a password into the edit.
    let du = proposal(
        "call_2",
        "du -sh /var/*",
        Class::ReadOnly,
        "find the big directory",
    );
    w.ev(Event::ModelText {
        text: "/var is 97% full. Let me find what uses it.".into(),
        tool_calls: calls(&du),
    });
    w.propose(&du);
    w.ask(&du);
    let after = format!("du -sh /var/log/* # PGPASSWORD={DB_PASSWORD}");
    w.au(AuditEntry::Edit {
        call_id: "call_2".into(),
        before: du.command.clone(),
        after: after.clone(),
    });
    w.decide(
        "call_2",
        "approve",
        None,
        Verdict::Edited {
            before: du.command.clone(),
            after: after.clone(),
            class: Some(Class::ReadOnly),
        },
    );
    w.run(summary(
        "call_2",
        &after,
        "18G\t/var/log/journal\n120M\t/var/log/nginx",
        0,
        340,
    ));

    // 3. rejected, 4. refused (destructive approved without `yes`, re-asked, then refused).
    let rm = proposal(
        "call_3",
        "rm -rf /var/log/journal",
        Class::Destructive,
        "free the space",
    );
    let vacuum = proposal(
        "call_4",
        "journalctl --vacuum-size=1G",
        Class::Change,
        "shrink the journal",
    );
    w.ev(Event::ModelText {
        text: "The journal uses 18G.".into(),
        tool_calls: [calls(&rm), calls(&vacuum)].concat(),
    });
    w.propose(&rm);
    w.ask(&rm);
    w.decide(
        "call_3",
        "reject",
        Some("never delete the journal by hand"),
        Verdict::Rejected {
            reason: "never delete the journal by hand".into(),
        },
    );
    w.ev(Event::ToolResult {
        call_id: "call_3".into(),
        content: "rejected".into(),
    });
    w.propose(&vacuum);
    w.ask(&vacuum);
    w.ev(Event::ApprovalReasked(opsassist::protocol::Reask {
        call_id: "call_4".into(),
        why: "type `yes` to confirm".into(),
        command: vacuum.command.clone(),
        class: Class::Change,
        class_reason: vacuum.class_reason.clone(),
        needs_confirm: true,
        edit: None,
        offer: None,
    }));
    w.decide(
        "call_4",
        "refused",
        Some("check mode: only read-only commands may run"),
        Verdict::Refused {
            reason: "check mode: only read-only commands may run".into(),
        },
    );
    w.ev(Event::ToolResult {
        call_id: "call_4".into(),
        content: "refused".into(),
    });

    // 5. interrupted: approved, started, then opsassist died; recovery recorded it.
    let rotate = proposal(
        "call_5",
        "logrotate -f /etc/logrotate.conf",
        Class::Change,
        "rotate the logs",
    );
    w.ev(Event::ModelText {
        text: "I will rotate the logs instead.".into(),
        tool_calls: calls(&rotate),
    });
    w.propose(&rotate);
    w.ask(&rotate);
    w.decide("call_5", "approve", None, Verdict::Approved);
    w.au(AuditEntry::ExecStart {
        call_id: "call_5".into(),
        target: Target::Local,
        command: rotate.command.clone(),
    });
    w.ev(Event::ExecStarted {
        call_id: "call_5".into(),
        target: Target::Local,
        command: rotate.command.clone(),
        output_path: Some(format!("/data/outputs/{ID}/call_5.log")),
        process: None,
    });
    let partial = "rotating /var/log/syslog\n";
    let partial_sha = hex::encode(Sha256::digest(partial.as_bytes()));
    w.ev(Event::Warning {
        message: "`logrotate -f /etc/logrotate.conf` on local was running when opsassist stopped: interrupted, outcome unknown; it will not be re-run".into(),
    });
    w.au(AuditEntry::ExecInterrupted {
        call_id: "call_5".into(),
        outcome: INTERRUPTED.into(),
        output_bytes: partial.len() as u64,
        output_sha256: partial_sha.clone(),
    });
    w.ev(Event::ExecFinished {
        summary: Box::new(ExecSummary {
            call_id: "call_5".into(),
            target: Target::Local,
            command: rotate.command.clone(),
            exit_code: None,
            signal: None,
            duration_ms: 0,
            timed_out: false,
            connection_error: None,
            stdout_bytes: partial.len() as u64,
            stderr_bytes: 0,
            output_sha256: partial_sha,
            output_path: format!("/data/outputs/{ID}/call_5.log"),
            redactions: 0,
            model_output: INTERRUPTED.into(),
            interrupted: true,
            cancelled: false,
            dropped_bytes: 0,
        }),
    });
    w.ev(Event::UserMessage {
        text: format!("carry on; I set PGPASSWORD={DB_PASSWORD} for you"),
    });
    // 6. auto-approved by the read-only rule.
    let uptime = proposal("call_6", "uptime", Class::ReadOnly, "check the load");
    w.ev(Event::ModelText {
        text: String::new(),
        tool_calls: calls(&uptime),
    });
    w.propose(&uptime);
    w.decide(
        "call_6",
        "auto",
        Some("auto-approve read-only"),
        Verdict::AutoApproved {
            rule: "auto-approve read-only".into(),
        },
    );
    w.run(summary(
        "call_6",
        "uptime",
        " 03:20:01 up 41 days,  load average: 0.10, 0.20, 0.30",
        0,
        3,
    ));
    w.ev(Event::ModelText {
        text: "The journal is the cause; vacuum it once you confirm.".into(),
        tool_calls: Vec::new(),
    });
    w.ev(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished".into(),
    });
    paths
}

/// Replace what changes per run: times, the audit hashes (by position), the operator.
fn normalize(text: &str, paths: &Paths) -> String {
    let records = opsassist::audit::read_records(&paths.audit_log()).expect("records");
    let mut out = text.to_string();
    for (i, rec) in records.iter().enumerate() {
        out = out.replace(&rec.hash, &format!("<audit-hash-{i}>"));
    }
    let time = regex::Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
        .expect("time regex");
    // The alert's own start time is fixed input: keep it.
    out = out.replace("2026-11-25T03:14:00Z", "ALERT_START");
    out = time.replace_all(&out, "<time>").into_owned();
    out = out.replace("ALERT_START", "2026-11-25T03:14:00Z");
    if let Some(op) = records.first().map(|r| r.operator.clone()) {
        for (from, to) in [
            (format!("— {op} at"), "— <operator> at".to_string()),
            (
                format!("\"operator\": \"{op}\""),
                "\"operator\": \"<operator>\"".into(),
            ),
            (format!("| {op} |"), "| <operator> |".into()),
            (format!("— {} at", md_escape(&op)), "— <operator> at".into()),
            (format!("| {} |", md_escape(&op)), "| <operator> |".into()),
        ] {
            out = out.replace(&from, &to);
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('_', "\\_")
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "export",
        name,
    ]
    .iter()
    .collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `UPDATE_GOLDEN=1 cargo test --test export` to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{name} differs from its golden (UPDATE_GOLDEN=1 to accept):\n{actual}"
    );
}

fn exported(format: Format) -> (String, Paths, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    let text = export::export(&paths, ID, format, &Redactor::default()).expect("export");
    (text, paths, dir)
}

#[test]
fn markdown_matches_its_golden() {
    let (text, paths, _dir) = exported(Format::Md);
    golden("session.md", &normalize(&text, &paths));
}

#[test]
fn json_matches_its_golden_and_is_the_documented_schema() {
    let (text, paths, _dir) = exported(Format::Json);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema"], "opsassist.export.v1");
    let records = opsassist::audit::read_records(&paths.audit_log()).unwrap();
    let own: Vec<_> = records.iter().filter(|r| r.session == ID).collect();
    assert_eq!(value["audit"]["first_hash"], own[0].hash.as_str());
    assert_eq!(
        value["audit"]["last_hash"],
        own[own.len() - 1].hash.as_str()
    );
    assert_eq!(
        value["audit"]["records"].as_array().map(Vec::len),
        Some(own.len()),
        "only this session's records"
    );
    let kinds: Vec<_> = value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["decision"]["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "approved",
            "edited",
            "rejected",
            "refused",
            "approved",
            "auto_approved"
        ]
    );
    golden("session.json", &normalize(&text, &paths));
}

#[test]
fn thinking_is_omitted_and_the_interrupted_command_says_so() {
    for format in [Format::Md, Format::Json, Format::Html] {
        let (text, _paths, _dir) = exported(format);
        assert!(!text.contains("SECRET-THINKING"), "{format:?}: {text}");
        assert!(text.contains(INTERRUPTED), "{format:?}");
    }
}

#[test]
fn html_is_standalone_and_escapes_untrusted_text() {
    let (text, _paths, _dir) = exported(Format::Html);
    let lower = text.to_lowercase();
    for needle in [
        "http://", "https://", "<link", "<script", "src=", "@import", "url(",
    ] {
        assert!(!lower.contains(needle), "HTML contains {needle:?}:\n{text}");
    }
    assert!(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(text.contains("&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;"));
    assert!(text.starts_with("<!DOCTYPE html>"));
}

#[test]
fn markdown_output_cannot_close_its_code_fence() {
    let (text, _paths, _dir) = exported(Format::Md);
    // The df output contains a ``` line: its fence must be longer.
    assert!(text.contains("````text\nFilesystem"), "{text}");
}

#[test]
fn planted_secrets_appear_in_no_format() {
    for format in [Format::Md, Format::Json, Format::Html] {
        let (text, _paths, _dir) = exported(format);
        for secret in [AWS_KEY, DB_PASSWORD, GH_TOKEN, "hunter2"] {
            assert!(
                !text.contains(secret),
                "{format:?} export leaks {secret}:\n{text}"
            );
        }
        assert!(text.contains("[REDACTED:"), "{format:?}");
    }
}

#[test]
fn configured_values_are_redacted_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    let redactor = Redactor::new(vec!["journalctl --vacuum-size".into()]);
    let text = export::export(&paths, ID, Format::Md, &redactor).expect("export");
    assert!(!text.contains("journalctl --vacuum-size"), "{text}");
}

#[test]
fn an_unknown_session_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    for id in ["20990101-000000-nope00", "../etc/passwd"] {
        let err =
            export::export(&paths, id, Format::Md, &Redactor::default()).expect_err("unknown id");
        let msg = err.to_string();
        assert!(msg.contains("no session"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

fn cli(root: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .output()
        .expect("run opsassist")
}

#[test]
fn cli_writes_the_file_0600_and_prints_its_path_or_fails_in_one_line() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write_incident(dir.path());
    let out_file = dir.path().join("postmortem.html");
    let out_arg = out_file.to_str().expect("utf-8 path");
    let run = cli(
        dir.path(),
        &[
            "sessions", "export", ID, "--format", "html", "--out", out_arg,
        ],
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), out_arg);
    let meta = std::fs::metadata(&out_file).expect("written");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let html = std::fs::read_to_string(&out_file).expect("read");
    assert!(html.contains("opsassist audit verify"));

    let run = cli(dir.path(), &["sessions", "export", ID, "--format", "json"]);
    assert!(run.status.success(), "{run:?}");
    let value: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json on stdout");
    assert_eq!(value["session_id"], ID);

    let run = cli(
        dir.path(),
        &["sessions", "export", "20990101-000000-nope00"],
    );
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no session"), "{err}");
    assert!(run.stdout.is_empty());
}

#[test]
fn exported_audit_hashes_are_the_ones_audit_verify_checks() {
    let (text, paths, _dir) = exported(Format::Json);
    let report = opsassist::audit::verify(&paths.audit_log()).expect("verify");
    assert!(report.is_intact(), "{report:?}");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let exported: Vec<&str> = value["audit"]["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["hash"].as_str())
        .collect();
    let on_disk: Vec<String> = opsassist::audit::read_records(&paths.audit_log())
        .expect("records")
        .into_iter()
        .filter(|r| r.session == ID)
        .map(|r| r.hash)
        .collect();
    assert_eq!(exported, on_disk);
}

/// The real session loop against the fake OpenAI server: approve (output with an AWS key),
/// edit (a password typed in), reject (a token in the reason); the export shows each decision
/// with the operator from the audit log, the exec results, and none of the secrets.
#[tokio::test]
async fn a_session_driven_through_the_real_loop_exports_its_decisions() {
    use opsassist::protocol::Decision;
    use support::fake_llm::{FakeLlm, Flavor, Reply};
    let shell = |command: &str| {
        (
            "local_shell".to_string(),
            serde_json::json!({"command": command, "reason": "look"}),
        )
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::TextThenTools(
                "Looking.".into(),
                vec![
                    shell(&format!("echo AWS_ACCESS_KEY_ID={AWS_KEY}")),
                    shell("echo two"),
                    shell("echo three"),
                ],
            ),
            Reply::Text("Done: it was the disk.".into()),
        ],
    )
    .await;
    let core = session_harness::core(dir.path(), &fake, &session_harness::Setup::default());
    let paths = core.paths.clone();
    let mut n = 0;
    let (_h, _rx, events) = session_harness::run_session(
        core,
        session_harness::alert("disk <script>", "full"),
        move |_| {
            n += 1;
            Some(match n {
                1 => Decision::Approve { confirm: None },
                2 => Decision::Edit {
                    replacement: format!("echo PGPASSWORD={DB_PASSWORD}"),
                    confirm: None,
                },
                _ => Decision::Reject {
                    reason: format!("not with {GH_TOKEN}"),
                },
            })
        },
    )
    .await;
    let id = events[0].session_id.clone();
    let redactor = Redactor::default();
    let json = export::export(&paths, &id, Format::Json, &redactor).expect("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid");
    let calls: Vec<&serde_json::Value> = value["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["type"] == "call")
        .collect();
    let kinds: Vec<&str> = calls
        .iter()
        .filter_map(|c| c["decision"]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["approved", "edited", "rejected"], "{json}");
    for call in &calls {
        assert!(call["decision"]["operator"].is_string(), "{call}");
    }
    assert_eq!(calls[0]["execution"]["status"], "exit 0");
    assert!(calls[2]["execution"].is_null());
    assert!(value["audit"]["first_hash"].is_string());
    for format in [Format::Md, Format::Json, Format::Html] {
        let text = export::export(&paths, &id, format, &redactor).expect("export");
        for secret in [AWS_KEY, DB_PASSWORD, GH_TOKEN] {
            assert!(!text.contains(secret), "{format:?} leaks {secret}:\n{text}");
        }
    }
}

#[test]
fn the_console_export_writes_markdown_0600_under_the_data_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    let redactor = opsassist::policy::Redactor::new(Vec::new());
    let path = opsassist::export::write_to_data_dir(&paths, ID, Format::Md, &redactor)
        .expect("export written");
    assert_eq!(path, paths.data_dir.join(format!("exports/{ID}.md")));
    let meta = std::fs::metadata(&path).expect("written");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let md = std::fs::read_to_string(&path).expect("read");
    assert!(md.starts_with("# Incident timeline"), "{md}");
    assert!(md.contains("- Resolution: verified"), "{md}");
    assert!(
        opsassist::export::write_to_data_dir(&paths, "../../etc/x", Format::Md, &redactor).is_err()
    );
}

/// `sessions export --out PATH` never writes through a link planted at PATH: without
/// `--force` it refuses (the link's target untouched), with `--force` it replaces the link
/// itself; an existing regular file needs `--force` too, and the result is a 0600 file.
#[test]
fn cli_export_does_not_follow_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write_incident(dir.path());
    let victim = dir.path().join("authorized_keys");
    std::fs::write(&victim, "ssh-ed25519 AAAA keep-me\n").expect("victim");
    let out_file = dir.path().join("postmortem.md");
    std::os::unix::fs::symlink(&victim, &out_file).expect("plant symlink");
    let out_arg = out_file.to_str().expect("utf-8 path");

    let run = cli(dir.path(), &["sessions", "export", ID, "--out", out_arg]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "ssh-ed25519 AAAA keep-me\n"
    );

    let run = cli(
        dir.path(),
        &["sessions", "export", ID, "--out", out_arg, "--force"],
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "ssh-ed25519 AAAA keep-me\n",
        "the link's target was written"
    );
    let meta = std::fs::symlink_metadata(&out_file).expect("written");
    assert!(meta.is_file(), "the link was not replaced by a file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&out_file)
            .expect("export")
            .contains(ID)
    );

    let run = cli(dir.path(), &["sessions", "export", ID, "--out", out_arg]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("--force"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `audit export --out PATH` replaces what is at PATH, but a symlink planted there is replaced
/// itself: its target is never written.
#[test]
fn audit_export_never_writes_through_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    write_incident(dir.path());
    let victim = dir.path().join("crontab");
    std::fs::write(&victim, "keep-me\n").expect("victim");
    let out_file = dir.path().join("audit-copy.jsonl");
    std::os::unix::fs::symlink(&victim, &out_file).expect("plant symlink");
    let run = cli(
        dir.path(),
        &[
            "audit",
            "export",
            "--out",
            out_file.to_str().expect("utf-8"),
        ],
    );
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "keep-me\n"
    );
    let meta = std::fs::symlink_metadata(&out_file).expect("written");
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&out_file)
            .expect("copy")
            .contains("\"hash\"")
    );
}

/// The session of [`write_incident`] with what made the page scroll sideways before: a long
/// `generatorURL` in the URL and in a 60-line raw payload, and a long unbroken word.
fn stressed_html(paths: &Paths) -> String {
    let mut t = export::build(paths, ID, &Redactor::default()).expect("timeline");
    let url = format!(
        "https://grafana.example.com/alerting/grafana/{}/view?orgId=1&var-instance=db01&from=now-6h&to=now&panelId=42",
        "d".repeat(180)
    );
    t.alert.url = Some(url.clone());
    let mut raw = String::from("{\n  \"receiver\": \"ops\",\n  \"alerts\": [{\n");
    for i in 0..56 {
        raw.push_str(&format!("    \"annotation_{i}\": \"value {i}\",\n"));
    }
    raw.push_str(&format!("    \"generatorURL\": \"{url}\"\n  }}]\n}}"));
    t.alert.raw = raw;
    t.entries.push(export::Entry::ModelMessage {
        at: "2026-11-25T03:30:00Z".into(),
        text: format!(
            "Diagnosis: the journal filled /var; vacuumed to 1G. Checksum {}",
            "0123456789abcdef".repeat(12)
        ),
    });
    export::render(&t, Format::Html).expect("html")
}

#[test]
fn html_postmortem_starts_with_a_summary_folds_the_payload_and_colours_the_diff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    let html = stressed_html(&paths);
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{html}"))
    };
    // Summary first: alert, impact window, resolution, diagnosis, who decided what.
    assert!(at("<h2>Summary</h2>") < at("<h2>Alert</h2>"));
    assert!(at("<h2>Alert</h2>") < at("<h2>Timeline</h2>"));
    for part in [
        "<dt>Impact window</dt><dd>2026-11-25T03:14:00Z (the alert began) to",
        "<dt>Resolution</dt>",
        "<dt>Diagnosis</dt><dd><pre>Diagnosis: the journal filled /var",
        "<dt>Who decided what</dt>",
        "<code>df -h /var</code> on local: <span class=\"approved\">approved</span> by <b>",
        "<code>rm -rf /var/log/journal</code> on local: <span class=\"rejected\">rejected</span> by <b>",
        "refused</span> by opsassist's policy: check mode",
        "auto-approved</span> by rule: auto-approve read-only",
    ] {
        assert!(at(part) < at("<h2>Alert</h2>"), "{part}");
    }
    // A refusal is opsassist's policy deciding, in the timeline too: no operator named.
    assert_eq!(
        html.matches("<span class=\"refused\">refused</span> by opsassist's policy")
            .count(),
        2,
        "{html}"
    );
    assert!(
        html.lines()
            .filter(|l| l.contains("class=\"refused\""))
            .all(|l| !l.contains("refused</span> by <b>")),
        "{html}"
    );
    // The raw payload is folded; the edit diff is coloured line by line.
    let details = at("<details><summary>Raw payload (62 lines)</summary><pre>");
    assert!(details < at("&quot;generatorURL&quot;"));
    assert!(at("<pre class=\"diff\"><span class=\"del\">- du -sh /var/*</span>") > 0);
    assert!(at("<span class=\"add\">+ du -sh /var/log/*") > 0);
    // Long words wrap instead of scrolling.
    assert!(html.contains("overflow-wrap:anywhere"));
    assert!(!html.contains("overflow-x:auto"));
}

/// Where the postmortem test leaves its page, screenshots and measurements.
fn postmortem_output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new(env!("CARGO_TARGET_TMPDIR")))
        .join("test-output/postmortem");
    std::fs::create_dir_all(&dir).expect("test output dir");
    dir
}

#[test]
fn html_postmortem_has_no_horizontal_scroll_in_chromium_at_desktop_and_phone_width() {
    let Some(chromium) = chromium::find_or_install() else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED: the HTML postmortem browser test: no chromium on PATH, and it could\n\
             !!! not be installed (tests/run.sh installs Debian's `chromium` package)\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_incident(dir.path());
    let html = stressed_html(&paths);
    let out = postmortem_output_dir();
    std::fs::write(out.join("postmortem.html"), &html).expect("page");
    let profile = dir.path().join("chromium-profile");
    for (name, width) in [("desktop", 1280u32), ("phone", 390)] {
        let shot = out.join(format!("harness-{name}.html"));
        std::fs::write(&shot, chromium::harness(&html, width, 2400, false)).expect("harness");
        let png = out.join(format!("postmortem-{name}-{width}px.png"));
        chromium::screenshot(&chromium, &profile, &shot, width, 2400, &png);

        let probe = out.join(format!("probe-{name}.html"));
        std::fs::write(&probe, chromium::harness(&html, width, 900, true)).expect("probe");
        let m = chromium::measure(&chromium, &profile, &probe, width);
        std::fs::write(
            out.join(format!("measured-{name}-{width}px.json")),
            m.to_string(),
        )
        .expect("measurements");
        let client = m["client_width"].as_u64().unwrap_or(0);
        assert!(
            client > 0 && client <= u64::from(width),
            "{name}: the page was not laid out at {width} px: {m}"
        );
        assert!(
            m["scroll_width"].as_u64() <= Some(client)
                && m["body_scroll_width"].as_u64() <= Some(client),
            "{name} ({width} px): the page scrolls sideways: {m}"
        );
        assert_eq!(
            m["bad"].as_array().map(Vec::len),
            Some(0),
            "{name} ({width} px): {m}"
        );
    }
}
