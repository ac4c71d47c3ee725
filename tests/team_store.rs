//! The PostgreSQL store against a real throwaway cluster: two writers' read-decide-append
//! never both open the same incident; corrections written through one store teach another;
//! a repeat rewrites its row with no index entry; `sessions list` of a second data dir shows
//! what a receiver took into the same database, and what `watch docker` found.

#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/follow_own.rs"]
mod follow_own;
#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;

use std::sync::{Arc, Barrier, Mutex};

use chrono::Utc;

use opsassist::alert::Source;
use opsassist::store::{Change, Cursor, DedupKey, InboxRecord, Incidents, PgStore, Store};

use follow_own::alert;

/// One receiver replica's dedup state, as the intake writer keeps it.
struct Replica {
    name: &'static str,
    store: PgStore,
    state: Mutex<(Incidents, Cursor)>,
}

impl Replica {
    fn connect(name: &'static str, url: &str) -> Replica {
        Replica {
            name,
            store: PgStore::connect(url, None).unwrap_or_else(|e| panic!("connect: {e}")),
            state: Mutex::new((Incidents::default(), 0)),
        }
    }

    /// Receive the alert with `fingerprint`: true when this replica decided it opens an
    /// incident (what it answers the sender and counts in its metrics).
    fn receive(&self, round: usize, fingerprint: &str) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (incidents, cursor) = &mut *state;
        let key = DedupKey {
            source: Source::Alertmanager,
            fingerprint: fingerprint.to_string(),
        };
        let mut opened = false;
        let next = self
            .store
            .transact(*cursor, &mut |records| {
                for record in &records {
                    incidents.apply(record);
                }
                let record = match incidents.by_key(&key) {
                    Some(existing) => InboxRecord {
                        at: Utc::now(),
                        incident: existing.id.clone(),
                        change: Change::Repeated,
                    },
                    None => InboxRecord {
                        at: Utc::now(),
                        incident: format!("inc-{}-{round}", self.name),
                        change: Change::Opened {
                            key: key.clone(),
                            alert: Arc::new(alert(fingerprint)),
                        },
                    },
                };
                opened = matches!(record.change, Change::Opened { .. });
                incidents.apply(&record);
                vec![record]
            })
            .unwrap_or_else(|e| panic!("transact: {e}"));
        *cursor = next;
        opened
    }
}

/// Alertmanager HA sends the same notification to two replicas at once: exactly one of them
/// may decide (and answer) "opened", every round. With the read and the append in two
/// transactions both replicas read before either appends and both say "opened" (the
/// database's unique key then turns one record into a repeat, but the answers and the
/// metrics were already wrong).
#[test]
fn two_stores_transacting_the_same_key_at_once_open_it_exactly_once() {
    let url = postgres::database("transact_race");
    let replicas = [
        Arc::new(Replica::connect("a", &url)),
        Arc::new(Replica::connect("b", &url)),
    ];
    const ROUNDS: usize = 40;
    let barrier = Arc::new(Barrier::new(replicas.len()));
    let threads: Vec<_> = replicas
        .iter()
        .map(|replica| {
            let (replica, barrier) = (replica.clone(), barrier.clone());
            std::thread::spawn(move || {
                (0..ROUNDS)
                    .map(|round| {
                        barrier.wait();
                        replica.receive(round, &format!("fp-{round}"))
                    })
                    .collect::<Vec<bool>>()
            })
        })
        .collect();
    let answers: Vec<Vec<bool>> = threads
        .into_iter()
        .map(|t| t.join().unwrap_or_else(|_| panic!("a replica panicked")))
        .collect();
    let double: Vec<usize> = (0..ROUNDS)
        .filter(|&round| answers.iter().filter(|a| a[round]).count() != 1)
        .collect();
    assert!(
        double.is_empty(),
        "rounds where not exactly one replica opened the incident: {double:?} of {ROUNDS}"
    );
    let incidents = replicas[0].store.incidents().expect("incidents");
    assert_eq!(incidents.len(), ROUNDS);
    assert!(
        incidents.iter().all(|i| i.count == 2),
        "every alert seen twice"
    );
    // Both replicas' views agree with the database.
    for replica in &replicas {
        let state = replica.state.lock().unwrap_or_else(|p| p.into_inner());
        assert_eq!(state.0.len(), ROUNDS, "replica {}", replica.name);
    }
}

/// One operator's edit, recorded by their console through its store, is among the examples
/// another operator's console (another data dir, another connection) finds for a similar
/// alert; the first console's data dir holds no file copy.
#[test]
fn a_correction_recorded_through_one_store_is_found_through_another() {
    use opsassist::session::{corrections, learning};
    let url = postgres::database("corrections");
    let alice = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let bob = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let (alice_dir, bob_dir) = (tempdir(), tempdir());
    let redactor = opsassist::policy::Redactor::new(Vec::new());
    let mut past = alert("fp-past");
    past.title = "Disk full on db-4".into();
    let edit = learning::Correction::new(
        "sess-alice",
        &past,
        "local_shell",
        "rm -rf /var/log/*",
        "journalctl --vacuum-size=500M",
        &redactor,
    );
    corrections::record(Some(&alice), alice_dir.path(), &edit)
        .unwrap_or_else(|e| panic!("record: {e}"));
    assert!(!learning::corrections_path(alice_dir.path()).exists());
    let mut new = alert("fp-new");
    new.title = "Disk full on db-7".into();
    new.host = Some("db-7".into());
    let past = corrections::load(Some(&bob), bob_dir.path());
    let found = learning::similar(&past, &new, 3);
    assert_eq!(found.len(), 1, "{past:#?}");
    assert_eq!(found[0].1.executed, "journalctl --vacuum-size=500M");
    assert_eq!(found[0].1.session_id, "sess-alice");
    // Solo mode (no store) still reads only the data dir's file, which knows nothing.
    assert!(corrections::load(None, bob_dir.path()).is_empty());
    // Forgetting it through one store removes it for every console (issue 30).
    let id = found[0].1.id();
    let gone = corrections::forget(Some(&alice), alice_dir.path(), &id)
        .unwrap_or_else(|e| panic!("forget: {e}"));
    assert_eq!(gone, 1);
    assert!(corrections::load(Some(&bob), bob_dir.path()).is_empty());
    assert_eq!(
        corrections::forget(Some(&bob), bob_dir.path(), &id).unwrap_or_else(|e| panic!("{e}")),
        0
    );
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// `opsassist serve` on the team database receives an alert; `opsassist sessions list` in
/// another data dir configured for the same database lists it as received, with no session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_list_of_another_data_dir_shows_what_a_receiver_took_into_the_database() {
    use receiver::{Served, TOKEN, opsassist, write_config};
    let url = postgres::database("sessions_list");
    let (receiver_dir, console_dir) = (tempdir(), tempdir());
    let store = format!("[store]\nurl = {url:?}\n");
    write_config(
        receiver_dir.path(),
        &format!("rate_per_client = 0\n{store}"),
    );
    write_config(console_dir.path(), &store);
    let served = Served::start(receiver_dir.path());
    let body = serde_json::json!({
        "version": "4", "status": "firing", "receiver": "opsassist", "groupKey": "g",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db-4:9100", "severity": "critical"},
            "annotations": {"summary": "Disk full on db-4 (team list)"},
            "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "teamlist1"
        }]
    });
    let status = reqwest::Client::new()
        .post(served.url("/v1/alerts"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(status, 200);
    let json = opsassist(console_dir.path())
        .args(["sessions", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("sessions list --json: {e}"));
    let stdout = String::from_utf8_lossy(&json.stdout);
    assert!(
        json.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad json {l}: {e}")))
        .collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert_eq!(rows[0]["received"], true);
    assert_eq!(rows[0]["state"], "new");
    assert!(
        rows[0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("inc-"))
    );
    let table = opsassist(console_dir.path())
        .args(["sessions", "list"])
        .output()
        .unwrap_or_else(|e| panic!("sessions list: {e}"));
    let table = String::from_utf8_lossy(&table.stdout);
    let row = table
        .lines()
        .find(|l| l.contains("db-4"))
        .unwrap_or_else(|| panic!("no received row:\n{table}"));
    assert!(row.contains("new (received)"), "{row}");
    assert!(
        !console_dir.path().join("data/inbox").exists(),
        "the console's data dir was not used as the inbox"
    );
}

fn record(incident: &str, change: Change) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: incident.into(),
        change,
    }
}

fn opened(incident: &str, fingerprint: &str) -> InboxRecord {
    record(
        incident,
        Change::Opened {
            key: DedupKey {
                source: Source::Alertmanager,
                fingerprint: fingerprint.into(),
            },
            alert: Arc::new(alert(fingerprint)),
        },
    )
}

/// A plain append (a paste, `store migrate`) is reconciled with the incidents table as a
/// whole batch, in order: a second `Opened` of a taken key becomes a repeat of the winner
/// (and later records for the loser go to the winner), a resolve of a resolved incident is a
/// repeat, a reopen of a resolved one reopens it; the next batch sees the state the last one
/// left. (This held before the inserts were batched too: it guards the batching.)
#[test]
fn a_batch_is_reconciled_in_order_against_the_database() {
    let url = postgres::database("reconcile");
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let reopen = |id: &str| {
        record(
            id,
            Change::Reopened {
                alert: Arc::new(alert("k1")),
            },
        )
    };
    store
        .append(&[
            opened("inc-a", "k1"),
            opened("inc-b", "k1"),
            record("inc-a", Change::ResolvedAtSource { ended: None }),
            record("inc-b", Change::ResolvedAtSource { ended: None }),
            reopen("inc-b"),
            opened("inc-c", "k2"),
        ])
        .unwrap_or_else(|e| panic!("append: {e}"));
    store
        .append(&[opened("inc-d", "k1"), reopen("inc-a")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let (records, _) = store.read_from(0).unwrap_or_else(|e| panic!("read: {e}"));
    let got: Vec<(String, &str)> = records
        .iter()
        .map(|r| {
            let kind = match &r.change {
                Change::Opened { .. } => "opened",
                Change::Repeated => "repeated",
                Change::ResolvedAtSource { .. } => "resolved",
                Change::Reopened { .. } => "reopened",
                _ => "other",
            };
            (r.incident.clone(), kind)
        })
        .collect();
    let want: Vec<(String, &str)> = [
        ("inc-a", "opened"),
        ("inc-a", "repeated"),
        ("inc-a", "resolved"),
        ("inc-a", "repeated"),
        ("inc-a", "reopened"),
        ("inc-c", "opened"),
        ("inc-a", "repeated"),
        ("inc-a", "repeated"),
    ]
    .iter()
    .map(|(i, k)| (i.to_string(), *k))
    .collect();
    assert_eq!(got, want);
    let firing = postgres::cluster().psql(
        &postgres::db_of(&url),
        "SELECT string_agg(id || '=' || firing, ',' ORDER BY id) FROM incidents",
    );
    assert_eq!(firing, "inc-a=true,inc-c=true");
}

/// The lock a transact holds while the caller decides is freed when the decision panics:
/// another store appends at once, and the store that panicked goes on working.
#[test]
fn a_decision_that_panics_does_not_leave_the_inbox_locked() {
    let url = postgres::database("transact_panic");
    let a = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let b = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        a.transact(0, &mut |_| panic!("the decision failed"))
    }));
    assert!(panicked.is_err());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(b.append(&[opened("inc-x", "kx")]).map(|_| ()));
    });
    rx.recv_timeout(std::time::Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("the inbox stayed locked after the panic"))
        .unwrap_or_else(|e| panic!("append: {e}"));
    let mut seen = 0;
    a.transact(0, &mut |records| {
        seen = records.len();
        Vec::new()
    })
    .unwrap_or_else(|e| panic!("transact after the panic: {e}"));
    assert_eq!(seen, 1);
}

/// `opsassist watch docker --once` with `[store] url` opens the failed container's incident
/// on the team board: another data dir's `sessions list` shows it, and the watcher's own
/// data dir has no inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_docker_opens_incidents_in_the_team_database() {
    use receiver::{opsassist, write_config};
    let Some(d) = dockerd::daemon_or_skip("watch_docker_team") else {
        return;
    };
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-team-web",
            script: "echo team failing; exit 3",
            labels: &[("environment", "production"), ("oa-test", "team")],
            health: None,
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let url = postgres::database("watch_docker");
    let (watcher_dir, console_dir) = (tempdir(), tempdir());
    let store = format!("[store]\nurl = {url:?}\n");
    write_config(
        watcher_dir.path(),
        &format!(
            "{store}[watch.docker]\nhost = \"{}\"\nlabels = [\"environment=production\", \"oa-test=team\"]\n",
            d.host()
        ),
    );
    write_config(console_dir.path(), &store);
    let out = opsassist(watcher_dir.path())
        .args(["watch", "docker", "--once", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("watch docker: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let incident = summary["containers"]
        .as_array()
        .and_then(|a| a.iter().find_map(|c| c["incident"].as_str()))
        .unwrap_or_else(|| panic!("no incident: {summary}"))
        .to_string();
    let list = opsassist(console_dir.path())
        .args(["sessions", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("sessions list: {e}"));
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.lines().any(|l| l.contains(&incident)),
        "{incident} not on the board:\n{list}"
    );
    assert!(!watcher_dir.path().join("data/inbox").exists());
}

/// Opens, repeats, resolves (with and without the source's end time), reopens, claims, a
/// session and a record of an unknown incident, in several appends.
fn mixed_history() -> Vec<Vec<InboxRecord>> {
    let ended = Utc::now() - chrono::Duration::minutes(5);
    vec![
        vec![
            opened("a", "fp-a"),
            opened("b", "fp-b"),
            record("a", Change::Repeated),
        ],
        vec![
            record("a", Change::ResolvedAtSource { ended: Some(ended) }),
            record("b", Change::Claimed { by: "op".into() }),
            record(
                "b",
                Change::Started {
                    session: "s-b".into(),
                },
            ),
        ],
        vec![
            record(
                "a",
                Change::Reopened {
                    alert: Arc::new(alert("fp-a")),
                },
            ),
            record("b", Change::ResolvedAtSource { ended: None }),
            opened("c", "fp-c"),
            record("ghost", Change::Repeated),
        ],
        vec![record("c", Change::Claimed { by: "op".into() })],
    ]
}

fn replay(store: &PgStore) -> Incidents {
    let (records, _) = store.read_from(0).unwrap_or_else(|e| panic!("read: {e}"));
    let mut replayed = Incidents::default();
    for record in &records {
        replayed.apply(record);
    }
    replayed
}

/// Every row equals the incident a replay of the inbox makes (in first-opened order), and
/// the pending counter equals both the replay's and the rows' own count.
fn assert_rows_match_replay(store: &PgStore, url: &str) {
    let replayed = replay(store);
    let rows = store.incidents().unwrap_or_else(|e| panic!("rows: {e}"));
    let ids = |i: &Incidents| i.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&rows), ids(&replayed));
    for incident in replayed.iter() {
        assert_eq!(rows.get(&incident.id), Some(incident), "{}", incident.id);
        let one = store
            .incident(&incident.id)
            .unwrap_or_else(|e| panic!("get: {e}"));
        assert_eq!(one.as_ref(), Some(incident));
    }
    let (waiting, total) = store
        .waiting(100)
        .unwrap_or_else(|e| panic!("waiting: {e}"));
    assert_eq!(total, replayed.pending());
    // The count alone (what a follower asks after each poll) is the same count.
    let (none, alone) = store.waiting(0).unwrap_or_else(|e| panic!("waiting: {e}"));
    assert!(none.is_empty());
    assert_eq!(alone, total);
    assert_eq!(
        ids_of(&waiting),
        ids_of(
            &replayed
                .iter()
                .filter(|i| i.is_pending())
                .cloned()
                .collect::<Vec<_>>()
        )
    );
    let counted = postgres::cluster().psql(
        &postgres::db_of(url),
        "SELECT count(*) FROM incidents WHERE pending",
    );
    assert_eq!(counted, replayed.pending().to_string());
}

fn ids_of(incidents: &[opsassist::store::Incident]) -> Vec<String> {
    incidents.iter().map(|i| i.id.clone()).collect()
}

/// The incident rows are what a replay of the inbox makes, whichever way the records came in:
/// plain appends (reconciled), `claim`, and `decide` (whose lookups read the rows it then
/// writes); and the queries a console uses read them.
#[test]
fn the_incident_rows_match_a_replay_of_the_inbox() {
    let url = postgres::database("rows_replay");
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    for batch in mixed_history() {
        store
            .append(&batch)
            .unwrap_or_else(|e| panic!("append: {e}"));
    }
    assert_rows_match_replay(&store, &url);
    let rows = store.incidents().unwrap_or_else(|e| panic!("rows: {e}"));
    assert_eq!(
        rows.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    // a reopened (its claim cleared) waits; b resolved, c claimed do not.
    assert_eq!(rows.pending(), 1);
    let of = |s: &str| {
        store
            .incident_of_session(s)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(of("s-b").map(|i| i.id), Some("b".to_string()));
    assert_eq!(of("s-none"), None);
    assert_eq!(
        store
            .of_source(Source::Alertmanager)
            .unwrap_or_else(|e| panic!("{e}"))
            .len(),
        3
    );
    assert!(
        store
            .of_source(Source::Docker)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    // A claim reads and writes the row: a is taken once.
    assert!(store.claim("a", "s1").unwrap_or_else(|e| panic!("{e}")));
    assert!(!store.claim("a", "s2").unwrap_or_else(|e| panic!("{e}")));
    assert!(!store.claim("nope", "s3").unwrap_or_else(|e| panic!("{e}")));
    assert_rows_match_replay(&store, &url);
    // A decision reads by key (each incident once) and writes what it decided.
    let key = |fp: &str| DedupKey {
        source: Source::Alertmanager,
        fingerprint: fp.into(),
    };
    let mut seen = None;
    store
        .decide(&mut |lookup| {
            let pending = lookup.pending()?;
            let found = lookup.by_keys(&[key("fp-a"), key("fp-a"), key("fp-new")])?;
            seen = Some((pending, ids_of(&found)));
            let a = &found[0];
            Ok(vec![
                record(&a.id, Change::Repeated),
                record(&a.id, Change::ResolvedAtSource { ended: None }),
                opened("d", "fp-new"),
                record("d", Change::Repeated),
                record(
                    "b",
                    Change::Reopened {
                        alert: Arc::new(alert("fp-b")),
                    },
                ),
            ])
        })
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(seen, Some((0, vec!["a".to_string()])));
    assert_rows_match_replay(&store, &url);
    let d = store.incident("d").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.map(|d| d.count), Some(2));
    // A follower's start: the waiting ones (b, d) and the newest, in first-opened order.
    let (followed, cursor) = store
        .followed_from(1)
        .unwrap_or_else(|e| panic!("followed: {e}"));
    assert_eq!(
        followed.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["b", "d"]
    );
    let (_, head) = store.read_from(0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cursor, head);
}

/// A database an earlier release wrote (schema 5: the key table only, the records in the
/// inbox) gets its incident rows from the inbox when a store opens it, and they go on from
/// there: the key is found, counts move, the waiting counter is right; the inbox's index by
/// incident goes.
#[test]
fn a_database_written_before_the_incident_rows_is_filled_from_its_inbox() {
    use opsassist::store::postgres::migrations::MIGRATIONS;
    let url = postgres::database("rows_backfill");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    let mut sql = String::from(
        "CREATE TABLE opsassist_migrations (
            version INT PRIMARY KEY, name TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
    );
    for (version, name, migration) in MIGRATIONS.iter().filter(|(v, _, _)| *v <= 5) {
        sql.push_str(migration);
        sql.push_str(&format!(
            "INSERT INTO opsassist_migrations (version, name) VALUES ({version}, '{name}');"
        ));
    }
    // The records and the key rows as that release's appends left them.
    let mut seq = 0;
    for record in mixed_history().into_iter().flatten() {
        seq += 1;
        let json = serde_json::to_string(&record).unwrap_or_else(|e| panic!("{e}"));
        let kind = opsassist::store::postgres::kind(&record.change);
        sql.push_str(&format!(
            "INSERT INTO inbox (seq, at, incident, kind, record)
             VALUES ({seq}, '{}', '{}', '{kind}', $json${json}$json$);",
            record.at.to_rfc3339(),
            record.incident
        ));
        if let Change::Opened { key, .. } = &record.change {
            sql.push_str(&format!(
                "INSERT INTO incidents (id, source, fingerprint, firing, opened_at)
                 VALUES ('{}', '{}', '{}', TRUE, '{}');",
                record.incident,
                key.source.name(),
                key.fingerprint,
                record.at.to_rfc3339()
            ));
        }
    }
    sql.push_str(&format!("SELECT setval('inbox_seq_seq', {seq});"));
    cluster.psql(&db, &sql);
    let inbox_indexes = || {
        cluster.psql(
            &db,
            "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes
              WHERE tablename = 'inbox'",
        )
    };
    assert_eq!(
        inbox_indexes(),
        "inbox_incident,inbox_pkey,inbox_started_session"
    );
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect migrates: {e}"));
    assert_eq!(store.incidents().unwrap_or_else(|e| panic!("{e}")).len(), 3);
    assert_rows_match_replay(&store, &url);
    // Nothing reads the inbox by incident (claims ask the row): no B-tree insert for it.
    assert_eq!(inbox_indexes(), "inbox_pkey,inbox_started_session");
    // They go on from there: a's key is found (a new open of it is a repeat), and counted.
    store
        .append(&[opened("a2", "fp-a"), record("c", Change::Repeated)])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let a = store.incident("a").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.map(|a| a.count), Some(5));
    assert_eq!(store.incident("a2").unwrap_or_else(|e| panic!("{e}")), None);
    assert_rows_match_replay(&store, &url);
}

/// A database the previous release wrote (schema 9: records and bodies as `json`) is moved to
/// `text` when a store opens it: every record and row reads as before, a session's incident
/// is still found through the index of started sessions, and appends go on.
#[test]
fn a_database_with_json_records_is_moved_to_text_and_reads_the_same() {
    let url = postgres::database("json_to_text");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    {
        let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
        for batch in mixed_history() {
            store
                .append(&batch)
                .unwrap_or_else(|e| panic!("append: {e}"));
        }
    }
    // Back to what release 9 left: json columns, its index of started sessions, no version 10.
    cluster.psql(
        &db,
        "DROP INDEX inbox_started_session;
         ALTER TABLE inbox ALTER COLUMN record TYPE json USING record::json;
         ALTER TABLE incidents ALTER COLUMN body TYPE json USING body::json;
         CREATE INDEX inbox_started_session ON inbox ((record->'change'->>'session'))
             WHERE kind = 'started';
         DELETE FROM opsassist_migrations WHERE version = 10;",
    );
    let types = || {
        cluster.psql(
            &db,
            "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ',' ORDER BY table_name)
               FROM information_schema.columns
              WHERE (table_name, column_name) IN (('inbox', 'record'), ('incidents', 'body'))",
        )
    };
    assert_eq!(types(), "inbox.record json,incidents.body json");
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect migrates: {e}"));
    assert_eq!(types(), "inbox.record text,incidents.body text");
    assert_rows_match_replay(&store, &url);
    let found = store
        .incident_of_session("s-b")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.map(|i| i.id), Some("b".to_string()));
    // The session lookup's expression is the index's: the index is searched by it, not only
    // scanned for its `started` records.
    let plan = cluster.psql(
        &db,
        "SET enable_seqscan = off;
         EXPLAIN SELECT incident FROM inbox
          WHERE kind = 'started' AND (record::json)->'change'->>'session' = 's-b'",
    );
    assert!(
        plan.contains("inbox_started_session") && plan.contains("Index Cond"),
        "{plan}"
    );
    store
        .append(&[record("c", Change::Repeated), opened("d", "fp-d")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    assert_rows_match_replay(&store, &url);
    assert_eq!(store.incidents().unwrap_or_else(|e| panic!("{e}")).len(), 4);
}

/// A repeat rewrites its incident's row with no indexed column changed: with room left on
/// each page of `incidents` (its fillfactor) the new version stays on the page as a heap-only
/// tuple and none of the table's five indexes gets an entry. At the default fillfactor the
/// rows a batch opened fill their pages and nearly every repeat is a full update.
#[test]
fn repeats_rewrite_incident_rows_without_an_index_entry() {
    let url = postgres::database("rows_hot");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let ids: Vec<String> = (0..300).map(|i| format!("inc-{i}")).collect();
    let opens: Vec<InboxRecord> = ids
        .iter()
        .map(|id| opened(id, &format!("fp-{id}")))
        .collect();
    store
        .append(&opens)
        .unwrap_or_else(|e| panic!("append: {e}"));
    let repeats: Vec<InboxRecord> = ids.iter().map(|id| record(id, Change::Repeated)).collect();
    store
        .append(&repeats)
        .unwrap_or_else(|e| panic!("repeats: {e}"));
    // Its connections end and report their statistics.
    drop(store);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let (updated, hot) = loop {
        let stats = cluster.psql(
            &db,
            "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables
              WHERE relname = 'incidents'",
        );
        let mut n = stats.split(' ').map(|n| n.parse::<u64>().unwrap_or(0));
        let (updated, hot) = (n.next().unwrap_or(0), n.next().unwrap_or(0));
        if updated >= 300 || std::time::Instant::now() > deadline {
            break (updated, hot);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(updated, 300, "one update per repeat");
    assert!(hot >= 290, "{hot} of {updated} updates were heap-only");
}

/// A row's body leaves its alert in the inbox record that brought it (`alert_seq`); a row as
/// schema 6 wrote it (the whole incident in the body) still reads, and stays whole when a
/// repeat rewrites it; a reopen moves the alert to the reopening record.
#[test]
fn a_row_keeps_its_alert_once_and_a_schema_6_row_stays_whole() {
    let url = postgres::database("rows_alert_once");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    store
        .append(&[opened("a", "fp-a"), opened("b", "fp-b")])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let row = |id: &str| {
        cluster.psql(
            &db,
            &format!(
                "SELECT body::text LIKE '%\"alert\"%', coalesce(alert_seq::text, 'null'),
                        (SELECT max(seq) FROM inbox WHERE incident = '{id}')
                   FROM incidents WHERE id = '{id}'"
            ),
        )
    };
    assert_eq!(
        row("b"),
        "f|2|2",
        "b's alert is in its opening record, once"
    );
    let a = store
        .incident("a")
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("a"));
    let whole = serde_json::to_string(&a).unwrap_or_else(|e| panic!("{e}"));
    cluster.psql(
        &db,
        &format!("UPDATE incidents SET body = $j${whole}$j$, alert_seq = NULL WHERE id = 'a'"),
    );
    let again = |id: &str| {
        store
            .incident(id)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(again("a"), a, "a row as schema 6 wrote it reads");
    store
        .append(&[record("a", Change::Repeated), record("b", Change::Repeated)])
        .unwrap_or_else(|e| panic!("repeats: {e}"));
    assert_eq!((again("a").count, again("a").alert), (2, a.alert.clone()));
    assert_eq!(row("a"), "t|null|3", "still whole after a repeat");
    assert_eq!(again("b").count, 2);
    assert_eq!(again("b").alert.title, "Disk full (fp-b)");
    let mut moved = alert("fp-a");
    moved.title = "Disk full again".into();
    store
        .append(&[
            record("a", Change::ResolvedAtSource { ended: None }),
            record(
                "a",
                Change::Reopened {
                    alert: Arc::new(moved),
                },
            ),
        ])
        .unwrap_or_else(|e| panic!("reopen: {e}"));
    assert_eq!(again("a").alert.title, "Disk full again");
    assert_eq!(
        row("a"),
        "f|6|6",
        "the reopening record holds the alert now"
    );
    assert_rows_match_replay(&store, &url);
}

/// A batch's dedup lookup probes the unique key index once per key, also in a new database
/// under a storm, before autovacuum has analyzed `incidents`. With the keys as
/// `(source, fingerprint) IN (SELECT * FROM unnest(..))`, the planner guessed that a large
/// share of the table matched, so the plan's cost grew with the table: in the ingest bench a
/// sequential scan and a hash join at 15,000 incidents, and a JIT-compiled plan at 45,000
/// (68 ms against 3 ms per batch, under the inbox lock). The server logs each plan
/// (`auto_explain`), and the lookup's is read back.
#[test]
fn the_dedup_lookup_probes_the_key_index_before_the_table_is_analyzed() {
    let url = postgres::database("keyplan");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    let seed = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    cluster.psql(
        &db,
        "ALTER TABLE incidents SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)",
    );
    for chunk in 0..20 {
        let records: Vec<InboxRecord> = (0..1_000)
            .map(|i| {
                let n = chunk * 1_000 + i;
                opened(&format!("inc-{n}"), &format!("fp-{n}"))
            })
            .collect();
        seed.append(&records)
            .unwrap_or_else(|e| panic!("append: {e}"));
    }
    drop(seed);
    let analyzed = cluster.psql(
        &db,
        "SELECT reltuples < 0 FROM pg_class WHERE relname = 'incidents'",
    );
    assert_eq!(analyzed, "t", "the table must not have statistics yet");
    cluster.psql(
        &db,
        &format!(
            "ALTER DATABASE {db} SET session_preload_libraries = 'auto_explain';
             ALTER DATABASE {db} SET auto_explain.log_min_duration = 0"
        ),
    );
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    let keys: Vec<DedupKey> = (0..200)
        .map(|i| DedupKey {
            source: Source::Alertmanager,
            fingerprint: format!("fp-{}", i * 97),
        })
        .collect();
    let before = cluster.log().len();
    let mut found = 0;
    store
        .decide(&mut |lookup| {
            found = lookup.by_keys(&keys)?.len();
            Ok(Vec::new())
        })
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(found, keys.len());
    let log = cluster.log();
    let logged = log.get(before..).unwrap_or("");
    // Each plan is one log entry: from its "duration:" line to the next.
    let plan = logged
        .split(" LOG:  duration: ")
        .find(|entry| entry.contains("i.fingerprint"))
        .unwrap_or_else(|| panic!("no plan of the lookup in the server log:\n{logged}"));
    assert!(
        plan.contains("Index Scan using incidents_key"),
        "the lookup does not probe the key index:\n{plan}"
    );
    // The planner's guess of the rows it returns (the plan's first node) is what priced
    // it: the old form guessed 4,576 here for 200 keys, and its cost grew with the table.
    let guessed: usize = plan
        .split(" rows=")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no row estimate in the plan:\n{plan}"));
    assert!(
        guessed <= 2 * keys.len(),
        "the planner guessed {guessed} rows for {} keys:\n{plan}",
        keys.len()
    );
    assert!(!plan.contains("Seq Scan on incidents"), "{plan}");
    assert!(!plan.contains("JIT:"), "{plan}");
}

/// What the receiver's writer foresees (its batch's keys, the window's start) is read with
/// the lock in one round trip, and the decision gets the same answers as when it asks: the
/// rows holding the keys (a repeated key once, a missing one none), the waiting and
/// lingering counts; a key or a `since` it did not foresee is still looked up; and the
/// records it returns are written against what was read, a foreseen key with no holder
/// opening its incident.
#[test]
fn a_foreseen_decision_is_answered_as_one_that_asks() {
    use opsassist::store::{Foreseen, Lookup};
    let url = postgres::database("foreseen");
    let store = PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}"));
    store
        .append(&[
            opened("inc-a", "k1"),
            opened("inc-b", "k2"),
            opened("inc-c", "k3"),
            record("inc-c", Change::ResolvedAtSource { ended: None }),
        ])
        .unwrap_or_else(|e| panic!("append: {e}"));
    let key = |fingerprint: &str| DedupKey {
        source: Source::Alertmanager,
        fingerprint: fingerprint.into(),
    };
    let hour_ago = Utc::now() - chrono::Duration::hours(1);
    let later = Utc::now() + chrono::Duration::hours(1);
    // Every answer a decision gets, in the order it asks.
    let ask = |lookup: &mut dyn Lookup| -> Result<Vec<String>, opsassist::store::StoreError> {
        let ids = |found: Vec<opsassist::store::Incident>| {
            let mut ids: Vec<String> = found.into_iter().map(|i| i.id).collect();
            ids.sort();
            ids.join(",")
        };
        Ok(vec![
            format!("pending {}", lookup.pending()?),
            format!("lingering {}", lookup.lingering(hour_ago)?),
            ids(lookup.by_keys(&[key("k1"), key("k3"), key("k9"), key("k1")])?),
            ids(lookup.by_keys(&[key("k2")])?),
            format!("lingering later {}", lookup.lingering(later)?),
        ])
    };
    let mut asked = Vec::new();
    store
        .decide(&mut |lookup| {
            asked = ask(lookup)?;
            Ok(Vec::new())
        })
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(
        asked,
        [
            "pending 2",
            "lingering 1",
            "inc-a,inc-c",
            "inc-b",
            "lingering later 0"
        ]
    );
    let foreseen = Foreseen {
        keys: vec![key("k1"), key("k3"), key("k9"), key("k1")],
        lingering_since: Some(hour_ago),
    };
    let mut foreseen_answers = Vec::new();
    store
        .decide_foreseen(&foreseen, &mut |lookup| {
            foreseen_answers = ask(lookup)?;
            Ok(vec![opened("inc-e", "k9")])
        })
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(foreseen_answers, asked);
    let opened_e = store
        .incident("inc-e")
        .unwrap_or_else(|e| panic!("incident: {e}"))
        .unwrap_or_else(|| panic!("inc-e was not opened"));
    assert_eq!(opened_e.key, key("k9"));
    let mut after = Vec::new();
    store
        .decide_foreseen(&foreseen, &mut |lookup| {
            after = ask(lookup)?;
            Ok(Vec::new())
        })
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(after[0], "pending 3");
    assert_eq!(after[2], "inc-a,inc-c,inc-e");
}

/// The scenario of support/follow_own.rs on PostgreSQL: "another process" is psql.
#[test]
fn a_follower_takes_its_own_process_records_as_written_and_reads_the_rest() {
    let url = postgres::database("recent");
    let db = postgres::db_of(&url);
    let cluster = postgres::cluster();
    follow_own::a_follower_takes_its_own_records_and_reads_the_rest(
        || PgStore::connect(&url, None).unwrap_or_else(|e| panic!("connect: {e}")),
        follow_own::Behind {
            write: &|record| {
                let json = serde_json::to_string(record).unwrap_or_else(|e| panic!("json: {e}"));
                cluster.psql(
                    &db,
                    &format!(
                        "INSERT INTO inbox (at, incident, kind, record)
                         VALUES (now(), '{}', 'opened', '{}')",
                        record.incident,
                        json.replace('\'', "''")
                    ),
                );
            },
            spoil_first: &|| {
                cluster.psql(&db, "UPDATE inbox SET record = 'spoiled' WHERE seq = 1");
            },
        },
    );
}
