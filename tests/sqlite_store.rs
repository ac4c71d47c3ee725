//! The SQLite store (`DATA_DIR/store.db`, the default) across processes: two `opsassist
//! serve` on one data dir both answer the same alerts and open each incident once; a writer
//! SIGKILLed in the middle of a transaction leaves nothing of it and no lock behind; `store
//! migrate --from files` imports a legacy data dir once, with counts, and a receiver then
//! dedups against what it imported; `store migrate --from sqlite --to postgres://…` moves a
//! data dir to a (throwaway) team database with the counts checked. (`intake_kill9` runs the kill -9 of `serve` under load
//! on this store too: it is the default.)

use std::sync::Arc;
#[path = "support/follow_own.rs"]
mod follow_own;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use opsassist::alert::{Alert, Source, Status};
use opsassist::store::{Change, DedupKey, InboxRecord, Incidents, SqliteStore, Store};
use receiver::{Served, TOKEN, incidents, opsassist, write_config};

fn alert(fingerprint: &str) -> Alert {
    Alert {
        source: Source::Generic,
        title: format!("disk full {fingerprint}"),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("web-1".into()),
        description: None,
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some(fingerprint.into()),
        raw: opsassist::alert::RawJson::null(),
    }
}

fn opened(id: &str, fingerprint: &str) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change: Change::Opened {
            key: DedupKey {
                source: Source::Generic,
                fingerprint: fingerprint.into(),
            },
            alert: Arc::new(alert(fingerprint)),
        },
    }
}

/// Write a legacy data dir's inbox as the JSONL store of an older release left it: one JSON
/// record per line under `inbox/inbox.jsonl` (`header`: the generation line a compaction
/// wrote first), a torn last line (`torn`: a crash mid-write, never acknowledged), and the
/// live claims in `inbox/claims.json`.
fn write_legacy(
    data: &std::path::Path,
    header: Option<u64>,
    records: &[InboxRecord],
    torn: bool,
    claims: &[(&str, &str)],
) {
    let dir = data.join("inbox");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let mut text = header.map_or_else(String::new, |g| format!("{{\"inbox_generation\":{g}}}\n"));
    for record in records {
        text += &serde_json::to_string(record).unwrap_or_else(|e| panic!("{e}"));
        text.push('\n');
    }
    if torn {
        text += r#"{"at":"2026-11-20T03:12:04Z","incident":"inc-torn","change":{"ki"#;
    }
    std::fs::write(dir.join("inbox.jsonl"), text).unwrap_or_else(|e| panic!("inbox: {e}"));
    let now = Utc::now();
    let claims: Vec<serde_json::Value> = claims
        .iter()
        .map(|(incident, operator)| {
            serde_json::json!({
                "incident": incident,
                "operator": operator,
                "since": now,
                "lease_until": now + chrono::Duration::seconds(600),
            })
        })
        .collect();
    std::fs::write(
        dir.join("claims.json"),
        serde_json::to_vec(&claims).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("claims: {e}"));
}

/// The snapshot record a legacy inbox compaction wrote for the incident `records` make.
fn snapshot(records: &[InboxRecord]) -> InboxRecord {
    let mut incidents = Incidents::default();
    for record in records {
        incidents.apply(record);
    }
    let incident = incidents
        .iter()
        .next()
        .unwrap_or_else(|| panic!("no incident"))
        .clone();
    InboxRecord {
        at: Utc::now(),
        incident: incident.id.clone(),
        change: Change::Snapshot {
            incident: Box::new(incident),
            recent_reopens: Vec::new(),
        },
    }
}

async fn post(client: &reqwest::Client, url: &str, n: usize) -> u16 {
    let body = format!(
        r#"{{"title":"shared alert {n}","severity":"critical","host":"h{n}","fingerprint":"fp-{n}"}}"#
    );
    client
        .post(url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serves_on_one_data_dir_open_each_incident_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "rate_per_client = 0\n");
    let one = Served::start(root);
    let two = Served::start(root);
    let client = reqwest::Client::new();
    // The same alert to both: two 200s, one incident.
    let (u1, u2) = (one.url("/v1/alerts"), two.url("/v1/alerts"));
    let (a, b) = tokio::join!(post(&client, &u1, 0), post(&client, &u2, 0));
    assert_eq!((a, b), (200, 200));
    // Then 100 alerts, each sent to both receivers at once, from 16 clients.
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, u1, u2) = (client.clone(), one.url("/v1/alerts"), two.url("/v1/alerts"));
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for n in (1..=100).filter(|n| n % 16 == worker) {
                let (a, b) = tokio::join!(post(&client, &u1, n), post(&client, &u2, n));
                codes.extend([a, b]);
            }
            codes
        }));
    }
    for task in tasks {
        let codes = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(codes.iter().all(|c| *c == 200), "{codes:?}");
    }
    let listed = incidents(root);
    let mut by_key: HashMap<String, u64> = HashMap::new();
    for incident in &listed {
        let key = incident["key"]["fingerprint"]
            .as_str()
            .unwrap_or_else(|| panic!("no key: {incident}"))
            .to_string();
        assert!(
            by_key
                .insert(key.clone(), incident["count"].as_u64().unwrap_or(0))
                .is_none(),
            "two incidents for {key}"
        );
    }
    assert_eq!(by_key.len(), 101, "one incident per alert");
    assert!(by_key.values().all(|c| *c == 2), "{by_key:?}");
}

/// Another program on `store.db` (the system's SQLite through Python, as an operator's
/// `sqlite3 store.db` or a backup tool would be): opens it, counts the incidents, closes it.
fn count_from_another_program(path: &std::path::Path) -> String {
    let out = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             print(c.execute('SELECT count(*) FROM incidents').fetchone()[0])\n\
             c.close()",
        ])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One process with two handles on the store (as `serve` has: the receiver's and the
/// desk's) while another program opens, reads and closes it: what the first process commits
/// afterwards is in the file for everyone. Opening the second handle used to open and close
/// a plain descriptor on `store.db`, which drops every POSIX lock the process holds on the
/// file; the other program, closing, then took itself for the last user, checkpointed and
/// deleted the WAL, and the first process's later commits went into the deleted file:
/// answered 200, and lost.
#[test]
fn commits_after_another_program_closed_the_store_are_kept() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("store.db");
    let first = SqliteStore::at(&path).unwrap_or_else(|e| panic!("open: {e}"));
    first
        .append(&[opened("inc-a", "fp-a")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let second = SqliteStore::at(&path).unwrap_or_else(|e| panic!("second handle: {e}"));
    assert_eq!(count_from_another_program(&path), "1");
    assert!(
        dir.path().join("store.db-wal").exists(),
        "the WAL of a store in use was deleted when another program closed it"
    );
    first
        .append(&[opened("inc-b", "fp-b")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    second
        .append(&[opened("inc-c", "fp-c")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    assert_eq!(count_from_another_program(&path), "3");
}

/// The child half of `a_writer_killed_mid_transaction_leaves_nothing_of_it`: opens the
/// store, commits one record, then starts a transaction whose batch is large, says so on
/// stdout and is killed while it writes.
#[test]
fn helper_writer_killed_mid_transaction() {
    let Ok(path) = std::env::var("OPSASSIST_SQLITE_HELPER_DB") else {
        return;
    };
    let store = SqliteStore::at(path.as_ref()).unwrap_or_else(|e| panic!("open: {e}"));
    store
        .append(&[opened("inc-committed", "fp-committed")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let result = store.transact(0, &mut |_| {
        println!("deciding");
        let batch: Vec<InboxRecord> = (0..100_000)
            .map(|n| opened(&format!("inc-{n}"), &format!("fp-{n}")))
            .collect();
        println!("writing");
        batch
    });
    // Reached only when the parent was too slow to kill it: the batch committed whole.
    println!("committed {result:?}");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_writer_killed_mid_transaction_leaves_nothing_of_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("store.db");
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(exe)
        .args([
            "helper_writer_killed_mid_transaction",
            "--exact",
            "--nocapture",
        ])
        .env("OPSASSIST_SQLITE_HELPER_DB", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("writing") => break,
            Some(Ok(_)) => {}
            other => panic!("the helper ended early: {other:?}"),
        }
    }
    // Let it insert part of the batch, then kill it inside the transaction.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    let store = SqliteStore::at(&path).unwrap_or_else(|e| panic!("reopen: {e}"));
    let (records, _) = store.read_from(0).unwrap_or_else(|e| panic!("read: {e}"));
    assert!(
        records.len() == 1 || records.len() == 100_001,
        "a torn batch: {} records",
        records.len()
    );
    assert_eq!(records[0].incident, "inc-committed");
    // The write lock died with the process: the next writer does not wait.
    let started = std::time::Instant::now();
    store
        .append(&[opened("inc-after", "fp-after")])
        .unwrap_or_else(|e| panic!("append after the kill: {e}"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited for a dead writer's lock"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_migrate_imports_a_files_data_dir_once_and_serve_dedups_against_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    let paths = opsassist::paths::Paths::in_dir(root);
    let data = paths.data_dir.clone();
    // A data dir the JSONL store of an older release wrote: a compaction's snapshots (with
    // its generation header), more records, a claim record, a torn last line, and a live
    // claim on the board.
    let claimed = InboxRecord {
        at: Utc::now(),
        incident: "inc-b".into(),
        change: Change::Claimed {
            by: "console-1".into(),
        },
    };
    write_legacy(
        &data,
        Some(1),
        &[
            snapshot(&[opened("inc-a", "fp-a")]),
            snapshot(&[opened("inc-b", "fp-b")]),
            opened("inc-c", "fp-c"),
            InboxRecord {
                at: Utc::now(),
                incident: "inc-a".into(),
                change: Change::Repeated,
            },
            claimed,
        ],
        true,
        &[("inc-b", "alice")],
    );
    // The removed store kind is refused in one line that names the import.
    write_config(root, "rate_per_client = 0\n[store]\nkind = \"files\"\n");
    let out = opsassist(root)
        .args(["incidents", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("kind = \"files\"") && err.contains("opsassist store migrate --from files"),
        "{err}"
    );
    assert!(
        !data.join(opsassist::store::sqlite::FILE).exists(),
        "nothing opened"
    );
    write_config(root, "rate_per_client = 0\n");
    let run = |args: &[&str]| {
        let out = opsassist(root)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run(&["store", "migrate", "--from", "files"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("ok: inbox records: 5 in files, 5 imported into"),
        "{text}"
    );
    assert!(
        text.contains("ok: claims: 1 in files, 1 imported into"),
        "{text}"
    );
    // The same incidents, now from store.db: the snapshots' counts and the claim carried over.
    let after = incidents(root);
    let ids: HashSet<String> = after
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect();
    let want: HashSet<String> = ["inc-a", "inc-b", "inc-c"].map(String::from).into();
    assert_eq!(ids, want, "{after:?}");
    let a = after
        .iter()
        .find(|i| i["id"] == "inc-a")
        .unwrap_or_else(|| panic!("inc-a"));
    assert_eq!(a["count"], 2, "{a}");
    assert!(
        after
            .iter()
            .any(|i| i["id"] == "inc-b" && i["claimed_by"] == "console-1"),
        "{after:?}"
    );
    let (ok, text) = run(&["store", "migrate", "--from", "files", "--to", "sqlite"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("already imported: 5 inbox records and 1 claims"),
        "{text}"
    );
    let (ok, text) = run(&["store", "claims", "--json"]);
    assert!(ok && text.contains("\"alice\""), "{text}");
    // A receiver on the imported store: a known key repeats, a new one opens.
    let served = Served::start(root);
    let client = reqwest::Client::new();
    for fingerprint in ["fp-c", "fp-new"] {
        let status = client
            .post(served.url("/v1/alerts"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(format!(r#"{{"title":"t","fingerprint":"{fingerprint}"}}"#))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        assert_eq!(status, 200);
    }
    let listed = incidents(root);
    assert_eq!(listed.len(), 4, "{listed:?}");
    let c = listed
        .iter()
        .find(|i| i["key"]["fingerprint"] == "fp-c")
        .unwrap_or_else(|| panic!("fp-c"));
    assert_eq!(c["count"], 2);
}

#[test]
fn store_migrate_moves_a_sqlite_data_dir_to_postgres_with_counts() {
    let url = postgres::database("fromsqlite");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "");
    let paths = opsassist::paths::Paths::in_dir(root);
    let store = SqliteStore::open(&paths).unwrap_or_else(|e| panic!("{e}"));
    store
        .append(&[opened("inc-a", "fp-a"), opened("inc-b", "fp-b")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(Store::claim(&store, "inc-a", "console-1").unwrap_or_else(|e| panic!("{e}")));
    drop(store);
    let out = opsassist(root)
        .args(["store", "migrate", "--from", "sqlite", "--to", &url])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("ok: inbox records: 3 in sqlite, 3 in the database"),
        "{text}"
    );
    // The team database now answers what the data dir held.
    let out = opsassist(root)
        .env("OPSASSIST_STORE_URL", &url)
        .args(["incidents", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let listed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed
            .iter()
            .any(|i| i["id"] == "inc-a" && i["claimed_by"] == "console-1"),
        "{listed:?}"
    );
}

#[test]
fn an_upgraded_data_dir_finds_its_files_incidents_in_the_new_store() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "");
    let paths = opsassist::paths::Paths::in_dir(root);
    // What the previous release left: the JSONL inbox, no store.db.
    write_legacy(
        &paths.data_dir,
        None,
        &[opened("inc-old", "fp-old")],
        false,
        &[],
    );
    let listed = incidents(root);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], "inc-old");
    // Imported once: the explicit command has nothing left to do, and the store holds it.
    let out = opsassist(root)
        .args(["store", "migrate", "--from", "files"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("already imported: 1 inbox records"), "{text}");
    let store = SqliteStore::open(&paths).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.read_from(0).unwrap_or_else(|e| panic!("{e}")).0.len(),
        1
    );
    assert_eq!(incidents(root).len(), 1, "not imported twice");
}

/// The scenario of support/follow_own.rs on SQLite: "another process" is a connection of
/// its own to the file.
#[test]
fn a_follower_takes_its_own_process_records_as_written_and_reads_the_rest() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("store.db");
    let open = || SqliteStore::at(&path).unwrap_or_else(|e| panic!("open: {e}"));
    // The file exists (schema and all) before the other connection opens it.
    drop(open());
    let conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("conn: {e}"));
    follow_own::a_follower_takes_its_own_records_and_reads_the_rest(
        open,
        follow_own::Behind {
            write: &|record| {
                let json = serde_json::to_string(record).unwrap_or_else(|e| panic!("json: {e}"));
                conn.execute(
                    "INSERT INTO inbox (at, incident, kind, record) VALUES (?1, ?2, 'opened', ?3)",
                    rusqlite::params![record.at.to_rfc3339(), record.incident, json],
                )
                .unwrap_or_else(|e| panic!("another process writes: {e}"));
            },
            spoil_first: &|| {
                conn.execute("UPDATE inbox SET record = 'spoiled' WHERE seq = 1", [])
                    .unwrap_or_else(|e| panic!("spoil a's opening: {e}"));
            },
        },
    );
}
