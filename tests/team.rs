//! Team mode against a real PostgreSQL (tests/support/postgres.rs): two receivers taking the
//! same alerts concurrently make one incident each; two operators (two processes) claiming
//! at once get one winner, the other sees "alice is on it"; a lapsed lease is taken over;
//! release and hand-over; the audit chain in the database verifies, exports to JSONL the
//! files verifier accepts, and a tampered row is detected; `store migrate` copies a files
//! data dir and verifies it.

use std::sync::Arc;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;

use std::path::Path;
use std::process::Output;

use receiver::{Served, TOKEN, incidents, opsassist, write_config};

fn setup(root: &Path, url: &str, extra: &str) {
    write_config(root, &format!("\n[store]\nurl = {url:?}\n{extra}"));
}

/// Open incidents `ids` in the team database (`store claim` refuses ids it does not know).
fn open_incidents(url: &str, ids: &[String]) {
    use opsassist::alert::{Alert, Source, Status};
    use opsassist::store::{Change, DedupKey, InboxRecord, PgStore, Store};
    let store = PgStore::connect(url, None).unwrap_or_else(|e| panic!("{url}: {e}"));
    let records: Vec<InboxRecord> = ids
        .iter()
        .map(|id| InboxRecord {
            at: chrono::Utc::now(),
            incident: id.clone(),
            change: Change::Opened {
                key: DedupKey {
                    source: Source::Generic,
                    fingerprint: format!("fp-{id}"),
                },
                alert: Arc::new(Alert {
                    source: Source::Generic,
                    title: format!("{id} is down"),
                    severity: None,
                    status: Status::Firing,
                    host: None,
                    description: None,
                    starts_at: None,
                    url: None,
                    labels: Default::default(),
                    fingerprint: Some(format!("fp-{id}")),
                    raw: opsassist::alert::RawJson::null(),
                }),
            },
        })
        .collect();
    store
        .append(&records)
        .unwrap_or_else(|e| panic!("open incidents: {e}"));
}

fn run_as(root: &Path, user: &str, args: &[&str]) -> Output {
    opsassist(root)
        .env("USER", user)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("opsassist {args:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn alertmanager(name: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "4",
        "status": status,
        "receiver": "opsassist",
        "groupKey": format!("{{}}:{{alertname=\"{name}\"}}"),
        "alerts": [{
            "status": status,
            "labels": {"alertname": name, "severity": "critical", "instance": "web-1"},
            "annotations": {"summary": format!("{name} is down")},
            "startsAt": "2026-01-01T00:00:00Z",
            "fingerprint": format!("fp-{name}")
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_receivers_taking_the_same_alerts_concurrently_make_one_incident_each() {
    let url = postgres::database("receivers");
    let a = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let b = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    setup(a.path(), &url, "");
    setup(b.path(), &url, "");
    let ra = Served::start(a.path());
    let rb = Served::start(b.path());
    let client = reqwest::Client::new();
    let mut posts = Vec::new();
    for i in 0..20 {
        let body = alertmanager(&format!("Alert{i}"), "firing");
        for r in [&ra, &rb] {
            let request = client
                .post(r.url("/v1/alerts"))
                .bearer_auth(TOKEN)
                .json(&body);
            posts.push(tokio::spawn(async move {
                let response = request.send().await.unwrap_or_else(|e| panic!("post: {e}"));
                response.status().as_u16()
            }));
        }
    }
    for post in posts {
        let status = post.await.unwrap_or_else(|e| panic!("join: {e}"));
        assert!((200..300).contains(&status), "status {status}");
    }
    // Both receivers' consoles see the same board: 20 incidents, each received twice.
    for root in [a.path(), b.path()] {
        let list = incidents(root);
        assert_eq!(list.len(), 20, "{list:#?}");
        for incident in &list {
            assert_eq!(incident["count"], 2, "{incident:#}");
        }
    }
    // Resolving through one receiver and re-firing through the other reopens the same one.
    let resolved = alertmanager("Alert0", "resolved");
    let firing = alertmanager("Alert0", "firing");
    for (r, body) in [(&ra, &resolved), (&rb, &firing)] {
        let status = client
            .post(r.url("/v1/alerts"))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("post: {e}"))
            .status();
        assert!(status.is_success());
    }
    let list = incidents(a.path());
    assert_eq!(list.len(), 20);
    let first = list
        .iter()
        .find(|i| i["key"]["fingerprint"] == "fp-Alert0")
        .unwrap_or_else(|| panic!("no Alert0 in {list:#?}"));
    assert_eq!(first["reopened"], 1, "{first:#}");
    assert_eq!(first["state"], "open", "{first:#}");
}

#[test]
fn two_operators_claiming_at_once_get_one_winner_and_the_other_sees_who() {
    let url = postgres::database("claims");
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    setup(root.path(), &url, "");
    open_incidents(
        &url,
        &(0..5).map(|r| format!("inc-race-{r}")).collect::<Vec<_>>(),
    );
    for round in 0..5 {
        let id = format!("inc-race-{round}");
        let spawn = |user: &str| {
            opsassist(root.path())
                .env("USER", user)
                .args(["store", "claim", &id])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn: {e}"))
        };
        let (alice, bob) = (spawn("alice"), spawn("bob"));
        let alice = alice.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let bob = bob.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let winners = [&alice, &bob].iter().filter(|o| o.status.success()).count();
        assert_eq!(winners, 1, "alice: {}\nbob: {}", text(&alice), text(&bob));
        let (loser, winner) = if alice.status.success() {
            (&bob, "alice")
        } else {
            (&alice, "bob")
        };
        assert!(
            text(loser).contains(&format!("{winner} is on it")),
            "{}",
            text(loser)
        );
        let claims = run_as(root.path(), "carol", &["store", "claims"]);
        assert!(
            text(&claims).contains(&id) && text(&claims).contains(winner),
            "{}",
            text(&claims)
        );
    }
}

#[test]
fn a_lapsed_lease_is_taken_over_and_claims_release_and_hand_over() {
    let url = postgres::database("lease");
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // 2 s: each `store claim` process connects and looks the incident up before it leases,
    // which under a loaded test run can take most of a second.
    setup(root.path(), &url, "lease_secs = 2\n");
    open_incidents(&url, &["inc-1".to_string()]);
    let out = run_as(root.path(), "alice", &["store", "claim", "inc-1"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run_as(root.path(), "bob", &["store", "claim", "inc-1"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("alice is on it"), "{}", text(&out));
    // alice's console dies: nobody renews; after the lease bob takes it over.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let out = run_as(root.path(), "bob", &["store", "claim", "inc-1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("took over from alice"),
        "{}",
        text(&out)
    );
    // alice cannot release what she lost; bob hands over to carol, carol releases.
    let out = run_as(root.path(), "alice", &["store", "release", "inc-1"]);
    assert!(!out.status.success(), "{}", text(&out));
    let out = run_as(
        root.path(),
        "bob",
        &["store", "handover", "inc-1", "--to", "carol"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = run_as(root.path(), "dave", &["store", "claim", "inc-1"]);
    assert!(text(&out).contains("carol is on it"), "{}", text(&out));
    let out = run_as(root.path(), "carol", &["store", "release", "inc-1"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run_as(root.path(), "dave", &["store", "claim", "inc-1"]);
    assert!(out.status.success(), "{}", text(&out));
    // Every step is in the one audit chain, with the operator who did it.
    let rows = postgres::cluster().psql(
        &postgres::db_of(&url),
        "SELECT string_agg(operator || ':' || (line::json->'entry'->>'action'), ',' ORDER BY seq) FROM audit",
    );
    assert_eq!(
        rows,
        "alice:claim,bob:take_over,bob:hand_over,carol:release,dave:claim"
    );
}

#[test]
fn audit_chain_in_the_database_verifies_exports_and_detects_a_tampered_row() {
    let url = postgres::database("audit");
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    setup(root.path(), &url, "");
    open_incidents(
        &url,
        &(0..8).map(|i| format!("inc-{i}")).collect::<Vec<_>>(),
    );
    // Two writers at once (several processes each): the chain must stay linear.
    let mut children = Vec::new();
    for i in 0..8 {
        let user = if i % 2 == 0 { "alice" } else { "bob" };
        children.push(
            opsassist(root.path())
                .env("USER", user)
                .args(["store", "claim", &format!("inc-{i}")])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn: {e}")),
        );
    }
    for mut child in children {
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(status.success());
    }
    let out = run_as(root.path(), "alice", &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("ok: 8 records, chain intact"),
        "{}",
        text(&out)
    );
    // Export: the files verifier accepts it.
    let exported = root.path().join("export.jsonl");
    let out = run_as(
        root.path(),
        "alice",
        &["audit", "export", "--out", &exported.display().to_string()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report = opsassist::audit::verify(&exported).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.records, 8);
    assert!(report.broken.is_none(), "{:?}", report.broken);
    // Someone with write access rewrites who did it.
    postgres::cluster().psql(
        &postgres::db_of(&url),
        "UPDATE audit SET line = replace(line, '\"operator\":\"bob\"', '\"operator\":\"eve\"') WHERE seq = (SELECT min(seq) FROM audit WHERE operator = 'bob')",
    );
    let out = run_as(root.path(), "alice", &["audit", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("broken at line"), "{}", text(&out));
}

#[test]
fn store_migrate_copies_a_files_data_dir_and_verifies_it() {
    let url = postgres::database("migrate");
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // A files data dir: an audit chain, two session logs, corrections, an inbox.
    write_config(root.path(), "");
    let data = root.path().join("data");
    std::fs::create_dir_all(data.join("sessions")).unwrap_or_else(|e| panic!("{e}"));
    let mut log = opsassist::audit::AuditLog::open(&data.join("audit.jsonl"))
        .unwrap_or_else(|e| panic!("{e}"));
    for i in 0..5 {
        log.append(
            "s1",
            opsassist::audit::AuditEntry::Claim {
                incident: format!("inc-{i}"),
                action: "claim".into(),
                other: None,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        data.join("sessions/s1.jsonl"),
        "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(data.join("sessions/s2.jsonl"), "{\"b\":1}\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(data.join("corrections.jsonl"), "{\"c\":1}\n{\"c\":2}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run_as(
        root.path(),
        "alice",
        &["store", "migrate", "--from", "files", "--to", &url],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    for want in [
        "ok: sessions: 2 in files, 2 in the database",
        "ok: session events: 4 in files, 4 in the database",
        "ok: audit records: 5 in files, 5 in the database",
        "ok: corrections: 2 in files, 2 in the database",
        "ok: audit chain in the database intact (5 records)",
    ] {
        assert!(report.contains(want), "missing {want:?} in\n{report}");
    }
    // The database chain continues the migrated one: a new append links to the last line.
    setup(root.path(), &url, "");
    open_incidents(&url, &["inc-9".to_string()]);
    let out = run_as(root.path(), "bob", &["store", "claim", "inc-9"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run_as(root.path(), "bob", &["audit", "verify"]);
    assert!(
        text(&out).contains("ok: 6 records, chain intact"),
        "{}",
        text(&out)
    );
    // Migrating twice would merge two chains: refused.
    let out = run_as(
        root.path(),
        "alice",
        &["store", "migrate", "--from", "files", "--to", &url],
    );
    assert!(!out.status.success(), "{}", text(&out));
}
