//! CLI edges of claims, operator names, `tools list` and `sessions prune`: `store claim`
//! refuses an unknown incident (exit 1, no audit record), `store claims` says when there are
//! none, one operator name (`[team] name`, else `$USER`, else the uid's login name) in
//! `incidents take`, claims and audit records, `tools list` leaves the docker tools out
//! without `[watch.docker]` and fails on a broken config, and `sessions prune --older-than`
//! refuses a bare `m` and lists what a dry run would remove.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use opsassist::alert::{Alert, Source, Status};
use opsassist::paths::Paths;
use opsassist::store::{Change, DedupKey, InboxRecord, SqliteStore, Store};

struct Dirs {
    root: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let data = root.path().join("data");
    let config = root.path().join("config");
    std::fs::create_dir_all(data.join("sessions")).unwrap_or_else(|e| panic!("data: {e}"));
    std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("config: {e}"));
    Dirs { root, data, config }
}

/// Incidents `inc-<fp>` opened in the data dir's inbox.
fn open_incidents(d: &Dirs, fingerprints: &[&str]) {
    let store =
        SqliteStore::open(&Paths::in_dir(d.root.path())).unwrap_or_else(|e| panic!("store: {e}"));
    let records: Vec<InboxRecord> = fingerprints
        .iter()
        .map(|fp| InboxRecord {
            at: chrono::Utc::now(),
            incident: format!("inc-{fp}"),
            change: Change::Opened {
                key: DedupKey {
                    source: Source::Generic,
                    fingerprint: (*fp).to_string(),
                },
                alert: Arc::new(Alert {
                    source: Source::Generic,
                    title: format!("Disk full {fp}"),
                    severity: None,
                    status: Status::Firing,
                    host: None,
                    description: None,
                    starts_at: None,
                    url: None,
                    labels: Default::default(),
                    fingerprint: Some((*fp).to_string()),
                    raw: opsassist::alert::RawJson::null(),
                }),
            },
        })
        .collect();
    store
        .append(&records)
        .unwrap_or_else(|e| panic!("append: {e}"));
}

/// `opsassist ARGS` with no `$USER`/`$LOGNAME` unless `user` is given.
fn run(d: &Dirs, user: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsassist"));
    cmd.args(args)
        .env("OPSASSIST_DATA_DIR", &d.data)
        .env("OPSASSIST_CONFIG_DIR", &d.config)
        .env_remove("OPSASSIST_STORE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("USER")
        .env_remove("LOGNAME");
    if let Some(user) = user {
        cmd.env("USER", user);
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("opsassist {args:?}: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(d: &Dirs, user: Option<&str>, args: &[&str]) -> String {
    let out = run(d, user, args);
    assert!(
        out.status.success(),
        "opsassist {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn audit_text(d: &Dirs) -> String {
    std::fs::read_to_string(d.data.join("audit.jsonl")).unwrap_or_default()
}

/// The login name of this test's uid, as `id -un` says.
fn login_name() -> String {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .unwrap_or_else(|e| panic!("id -un: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn store_claim_refuses_an_unknown_incident_and_claims_says_when_there_are_none() {
    let d = dirs();
    open_incidents(&d, &["a1"]);
    let none = ok(&d, Some("alice"), &["store", "claims"]);
    assert!(none.starts_with("no claims"), "{none:?}");

    let out = run(&d, Some("alice"), &["store", "claim", "inc-nope"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert_eq!(stdout(&out), "", "nothing claimed");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("inc-nope") && err.contains("no incident"),
        "{err}"
    );
    assert!(!audit_text(&d).contains("inc-nope"), "{}", audit_text(&d));
    let none = ok(&d, Some("alice"), &["store", "claims"]);
    assert!(none.starts_with("no claims"), "{none:?}");

    let claimed = ok(&d, Some("alice"), &["store", "claim", "inc-a1"]);
    assert!(claimed.starts_with("you are on inc-a1"), "{claimed}");
    assert!(
        audit_text(&d).contains("inc-a1"),
        "the real claim is audited"
    );
    let claims = ok(&d, Some("alice"), &["store", "claims"]);
    assert!(
        claims.contains("inc-a1") && claims.contains("alice is on it"),
        "{claims}"
    );
}

#[test]
fn one_operator_name_in_take_claims_and_audit_records() {
    let d = dirs();
    open_incidents(&d, &["t1", "c1", "c2"]);
    let me = login_name();
    assert!(!me.is_empty());

    // No $USER, no $LOGNAME: the uid's login name, never "unknown" or "cli-<pid>".
    let taken = ok(&d, None, &["incidents", "take", "inc-t1"]);
    assert_eq!(taken.trim(), format!("incident inc-t1 taken by {me}"));
    ok(&d, None, &["store", "claim", "inc-c1"]);
    let claims = ok(&d, None, &["store", "claims"]);
    assert!(claims.contains(&format!("{me} is on it")), "{claims}");
    let shown = ok(&d, None, &["audit", "show", "--json"]);
    assert!(shown.contains("inc-c1"), "{shown}");
    let records: Vec<serde_json::Value> = audit_text(&d)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["operator"], serde_json::json!(me));

    // `[team] name` wins over $USER everywhere.
    std::fs::write(d.config.join("config.toml"), "[team]\nname = \"carol\"\n")
        .unwrap_or_else(|e| panic!("config: {e}"));
    ok(&d, Some("bob"), &["store", "claim", "inc-c2"]);
    let claims = ok(&d, Some("bob"), &["store", "claims"]);
    assert!(claims.contains("carol is on it"), "{claims}");
    assert!(!claims.contains("bob"), "{claims}");
    let last: serde_json::Value = audit_text(&d)
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    assert_eq!(last["operator"], serde_json::json!("carol"), "{last}");
    let show = ok(&d, Some("bob"), &["audit", "show"]);
    assert!(
        show.lines().last().is_some_and(|l| l.contains(" carol ")),
        "{show}"
    );
}

fn tool_names(listing: &str) -> Vec<String> {
    listing
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with(' ') && !l.starts_with("note:"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn tools_list_leaves_docker_tools_out_without_a_watcher_and_fails_on_a_broken_config() {
    let d = dirs();
    let plain = ok(&d, Some("alice"), &["tools", "list"]);
    let names = tool_names(&plain);
    assert!(names.iter().any(|n| n == "local_shell"), "{plain}");
    assert!(!names.iter().any(|n| n.starts_with("docker_")), "{plain}");
    assert!(plain.contains("docker: tools left out"), "{plain}");

    std::fs::write(
        d.config.join("config.toml"),
        "[watch.docker]\nlabels = [\"team=web\"]\n",
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    let watched = ok(&d, Some("alice"), &["tools", "list"]);
    assert!(
        tool_names(&watched)
            .iter()
            .any(|n| n.starts_with("docker_")),
        "{watched}"
    );
    assert!(!watched.contains("left out: config.toml"), "{watched}");

    let broken = d.root.path().join("broken.toml");
    std::fs::write(&broken, "[llm\nprovider = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
    let broken_arg = broken.display().to_string();
    let out = run(
        &d,
        Some("alice"),
        &["--config", &broken_arg, "tools", "list"],
    );
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("invalid config") && err.contains("broken.toml"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

fn write_done_session(data: &Path, id: &str) {
    let at = "2025-01-02T03:04:05Z";
    let alert = serde_json::json!({"source": "generic", "title": "Disk full", "severity": null,
        "status": "firing", "host": null, "description": null, "starts_at": null, "url": null,
        "labels": {}, "fingerprint": null, "raw": null});
    let events = [
        serde_json::json!({"type": "session_started", "alert": alert, "provider": "openai", "model": "m", "mode": "heal"}),
        serde_json::json!({"type": "finished", "state": "done", "reason": "the model finished"}),
    ];
    let lines: String = events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let envelope =
                serde_json::json!({"session_id": id, "seq": i + 1, "at": at, "event": event});
            format!("{envelope}\n")
        })
        .collect();
    let log = data.join("sessions").join(format!("{id}.jsonl"));
    std::fs::write(&log, lines).unwrap_or_else(|e| panic!("log: {e}"));
    let status = Command::new("touch")
        .args(["-d", "3 hours ago"])
        .arg(&log)
        .status()
        .unwrap_or_else(|e| panic!("touch: {e}"));
    assert!(status.success());
}

#[test]
fn prune_ages_take_explicit_units_and_a_dry_run_lists_the_sessions() {
    let d = dirs();
    write_done_session(&d.data, "20250102-030405-aaaaaa");
    let log = d.data.join("sessions/20250102-030405-aaaaaa.jsonl");

    let out = run(
        &d,
        Some("alice"),
        &["sessions", "prune", "--older-than", "1m"],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("ambiguous"), "{}", stderr(&out));
    assert!(log.exists(), "a refused age removes nothing");

    let later = ok(
        &d,
        Some("alice"),
        &["sessions", "prune", "--older-than", "4h", "--dry-run"],
    );
    assert!(later.contains("would remove 0 session(s)"), "{later}");
    let dry = ok(
        &d,
        Some("alice"),
        &["sessions", "prune", "--older-than", "90min", "--dry-run"],
    );
    assert!(
        dry.contains("would remove 20250102-030405-aaaaaa\n"),
        "{dry}"
    );
    assert!(dry.contains("would remove 1 session(s)"), "{dry}");
    assert!(log.exists(), "a dry run removes nothing");
    ok(
        &d,
        Some("alice"),
        &["sessions", "prune", "--older-than", "2h"],
    );
    assert!(!log.exists());
}

#[test]
fn incidents_list_names_docker_incidents_docker_and_dates_other_days() {
    let d = dirs();
    let store =
        SqliteStore::open(&Paths::in_dir(d.root.path())).unwrap_or_else(|e| panic!("store: {e}"));
    let yesterday = chrono::Utc::now() - chrono::Duration::days(2);
    // Recorded before `docker` was a source: generic, with the watcher's fingerprint.
    let long_id = "0123456789abcdef".repeat(4);
    let alert = Alert {
        source: Source::Generic,
        title: "container web exited with code 1".into(),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("web".into()),
        description: None,
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some(format!("docker:{long_id}:exited")),
        raw: opsassist::alert::RawJson::null(),
    };
    store
        .append(&[
            InboxRecord {
                at: yesterday,
                incident: "inc-d1".into(),
                change: Change::Opened {
                    key: DedupKey {
                        source: Source::Generic,
                        fingerprint: format!("docker:{long_id}:exited"),
                    },
                    alert: Arc::new(alert),
                },
            },
            InboxRecord {
                at: yesterday,
                incident: "inc-d1".into(),
                change: Change::ResolvedAtSource { ended: None },
            },
        ])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let list = ok(&d, Some("alice"), &["incidents", "list"]);
    let header = list.lines().next().unwrap_or_default();
    let row = list
        .lines()
        .find(|l| l.starts_with("inc-d1"))
        .unwrap_or_else(|| panic!("{list}"));
    let day = yesterday
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        row.contains(&format!("resolved at source {day} ")),
        "{list}"
    );
    assert_eq!(header.find("SOURCE"), row.find("docker"), "{list}");
    assert_eq!(header.find("ALERT"), row.find("[critical] web:"), "{list}");
    assert!(!row.contains(&long_id), "{list}");
    let json = ok(&d, Some("alice"), &["incidents", "list", "--json"]);
    assert!(json.contains(r#""source":"docker""#), "{json}");
}
