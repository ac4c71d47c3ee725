//! SqliteStore: round trip and cursors, claims from two handles, one-winner leases and
//! transacts from many threads, data_version change notice, corrections,
//! a rolled-back transaction (a panic in `decide`), the file's mode, and checkpoints off the
//! writer with a bounded WAL.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::SqliteStore;
use crate::alert::{Alert, Source, Status};
use crate::session::corrections::CorrectionSink;
use crate::store::{Board, Change, ClaimOutcome, DedupKey, InboxRecord, Store};

fn alert(title: &str) -> Alert {
    Alert {
        source: Source::Alertmanager,
        title: title.into(),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("web-1".into()),
        description: None,
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some(format!("fp-{title}")),
        raw: crate::alert::RawJson::null(),
    }
}

fn opened(id: &str) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change: Change::Opened {
            key: DedupKey {
                source: Source::Alertmanager,
                fingerprint: format!("fp-{id}"),
            },
            alert: Arc::new(alert(id)),
        },
    }
}

fn repeat(id: &str) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change: Change::Repeated,
    }
}

fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::at(&dir.path().join("store.db")).expect("open")
}

#[test]
fn records_round_trip_and_follow_from_a_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    assert_eq!(store.read_from(0).expect("empty").0, Vec::new());
    let range = store.append(&[opened("a"), opened("b")]).expect("append");
    let (first, cursor) = store.read_from(0).expect("read");
    assert_eq!(first.len(), 2);
    assert_eq!(range.end, cursor);
    assert_eq!(store.read_from(range.start).expect("read").0, first);
    store.append(&[repeat("a")]).expect("append");
    let (more, _) = store.read_from(cursor).expect("read");
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].change, Change::Repeated);
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 2);
    assert_eq!(incidents.get("a").map(|i| i.count), Some(2));
    // Another handle (another process) reads the same records.
    let again = SqliteStore::at(store.path()).expect("reopen");
    assert_eq!(again.read_from(0).expect("read").0.len(), 3);
}

#[test]
fn an_incident_is_claimed_once_until_it_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = store(&dir);
    let two = SqliteStore::at(one.path()).expect("second handle");
    one.append(&[opened("a")]).expect("append");
    assert!(Store::claim(&one, "a", "s1").expect("claim"));
    assert!(
        !Store::claim(&two, "a", "s2").expect("claim"),
        "lost the race"
    );
    assert!(!Store::claim(&one, "nope", "s3").expect("claim"), "unknown");
    two.append(&[InboxRecord {
        at: Utc::now(),
        incident: "a".into(),
        change: Change::Reopened {
            alert: Arc::new(alert("a")),
        },
    }])
    .expect("reopen");
    assert!(Store::claim(&two, "a", "s2").expect("claim after reopen"));
    let incidents = one.incidents().expect("incidents");
    assert_eq!(
        incidents.get("a").and_then(|a| a.claimed_by.as_deref()),
        Some("s2")
    );
    assert_eq!(incidents.pending(), 0);
}

#[test]
fn a_claim_asks_the_incidents_row_after_repeats_and_legacy_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    let snapshot = |id: &str, claimed_by: Option<&str>| {
        let mut incidents = crate::store::Incidents::default();
        incidents.apply(&opened(id));
        let mut incident = incidents.get(id).cloned().expect("folded");
        incident.claimed_by = claimed_by.map(str::to_string);
        record(
            id,
            Change::Snapshot {
                incident: Box::new(incident),
                recent_reopens: Vec::new(),
            },
        )
    };
    // A files inbox's compaction records, as `store migrate` copies them.
    store
        .append(&[snapshot("taken", Some("console-1")), snapshot("free", None)])
        .expect("append");
    assert!(!Store::claim(&store, "taken", "s1").expect("claim"), "held");
    assert!(Store::claim(&store, "free", "s1").expect("claim"));
    // Repeats after a claim do not free it; a reopen does.
    store
        .append(&[repeat("free"), repeat("free")])
        .expect("repeats");
    assert!(!Store::claim(&store, "free", "s2").expect("claim"));
    store
        .append(&[record(
            "free",
            Change::Reopened {
                alert: Arc::new(alert("free")),
            },
        )])
        .expect("reopen");
    store.append(&[repeat("free")]).expect("repeat");
    assert!(Store::claim(&store, "free", "s2").expect("claim after reopen"));
}

#[test]
fn the_inbox_has_no_index_beside_its_seq_on_a_new_or_an_upgraded_file() {
    // Every index on the inbox is one more B-tree insert per record; one by incident put a
    // repeat's entry on a random leaf page, one more page in every commit's WAL, and nothing
    // reads the inbox but by seq.
    let dir = tempfile::tempdir().expect("tempdir");
    let indexes = |path: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(path).expect("conn");
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_index_list('inbox')")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("names")
    };
    let new = dir.path().join("new.db");
    drop(SqliteStore::at(&new).expect("create"));
    assert_eq!(indexes(&new), Vec::<String>::new());
    // A file of schema 4, as the release before wrote it.
    let old = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&old).expect("conn");
        for (version, _, sql) in super::schema::MIGRATIONS.iter().filter(|(v, _, _)| *v <= 4) {
            conn.execute_batch(sql).expect("migration");
            conn.execute_batch(&format!("PRAGMA user_version = {version}"))
                .expect("version");
        }
    }
    assert_eq!(indexes(&old), vec!["inbox_incident".to_string()]);
    let store = SqliteStore::at(&old).expect("upgrade");
    assert_eq!(indexes(&old), Vec::<String>::new());
    store.append(&[opened("a")]).expect("append");
    assert!(Store::claim(&store, "a", "s1").expect("claim"));
}

#[test]
fn transacts_from_many_handles_never_decide_on_a_stale_view() {
    // Eight writers, each with its own handle (as eight processes), each opening the same
    // incident unless it already sees it: exactly one Opened, the others repeat.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    SqliteStore::at(&path).expect("create");
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::at(&path).expect("open");
                store
                    .transact(0, &mut |records| {
                        let seen = records
                            .iter()
                            .any(|r| matches!(r.change, Change::Opened { .. }));
                        // Widen the window a race would need.
                        std::thread::sleep(Duration::from_millis(5));
                        vec![if seen {
                            repeat("x")
                        } else {
                            InboxRecord {
                                incident: format!("x{i}"),
                                ..opened("x")
                            }
                        }]
                    })
                    .expect("transact")
            })
        })
        .collect();
    for h in handles {
        h.join().expect("join");
    }
    let (records, _) = SqliteStore::at(&path)
        .expect("open")
        .read_from(0)
        .expect("read");
    let opens = records
        .iter()
        .filter(|r| matches!(r.change, Change::Opened { .. }))
        .count();
    assert_eq!((records.len(), opens), (8, 1));
}

#[test]
fn a_panic_inside_transact_rolls_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(store(&dir));
    let s = store.clone();
    let died = std::thread::spawn(move || {
        let _ = s.transact(0, &mut |_| panic!("decide failed"));
    })
    .join();
    assert!(died.is_err());
    store
        .append(&[opened("a")])
        .expect("the store still writes");
    assert_eq!(store.read_from(0).expect("read").0.len(), 1);
}

#[test]
fn a_follower_hears_of_another_handles_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let follower = store(&dir);
    let writer = SqliteStore::at(follower.path()).expect("second");
    assert!(!follower.changed().expect("version"));
    assert!(!follower.wait_for_commit(Duration::from_millis(10)));
    writer.append(&[opened("a")]).expect("append");
    assert!(follower.wait_for_commit(Duration::from_secs(5)));
    assert!(
        !follower.changed().expect("version"),
        "one notice per change"
    );
}

#[test]
fn one_winner_renew_release_hand_over_and_lapse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = store(&dir);
    let b = SqliteStore::at(a.path()).expect("second");
    let lease = Duration::from_secs(30);
    assert!(matches!(
        a.lease("inc-1", "alice", lease).expect("claim"),
        ClaimOutcome::Won {
            took_over_from: None,
            ..
        }
    ));
    match b.lease("inc-1", "bob", lease).expect("claim") {
        ClaimOutcome::Held { claim } => assert_eq!(claim.operator, "alice"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        a.lease("inc-1", "alice", lease).expect("renew"),
        ClaimOutcome::Renewed { .. }
    ));
    assert!(a.renew("inc-1", "alice", lease).expect("renew"));
    assert!(!b.renew("inc-1", "bob", lease).expect("renew"));
    assert!(!b.release("inc-1", "bob").expect("release"));
    assert!(
        a.hand_over("inc-1", "alice", "bob", lease)
            .expect("hand over")
    );
    assert_eq!(b.claims().expect("claims")[0].operator, "bob");
    assert!(b.release("inc-1", "bob").expect("release"));
    assert!(b.claims().expect("claims").is_empty());
    a.lease("inc-2", "alice", Duration::from_millis(1))
        .expect("claim");
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        b.claims().expect("claims").is_empty(),
        "a lapsed claim is not live"
    );
    match b.lease("inc-2", "bob", lease).expect("claim") {
        ClaimOutcome::Won { took_over_from, .. } => {
            assert_eq!(took_over_from.as_deref(), Some("alice"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn simultaneous_leases_from_many_handles_have_one_winner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    SqliteStore::at(&path).expect("create");
    let winners: usize = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::at(&path).expect("open");
                matches!(
                    store
                        .lease("inc", &format!("op{i}"), Duration::from_secs(30))
                        .expect("claim"),
                    ClaimOutcome::Won { .. }
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| usize::from(h.join().expect("join")))
        .sum();
    assert_eq!(winners, 1);
}

#[test]
fn corrections_keep_the_newest_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    for n in 0..crate::session::learning::KEEP + 3 {
        store.add(&format!("{{\"n\":{n}}}")).expect("add");
    }
    let recent = store.recent(2).expect("recent");
    let last = crate::session::learning::KEEP + 2;
    assert_eq!(
        recent,
        vec![
            format!("{{\"n\":{}}}", last - 1),
            format!("{{\"n\":{last}}}")
        ]
    );
    let all = store.recent(10_000).expect("all");
    assert_eq!(all.len(), crate::session::learning::KEEP);
}

#[test]
fn forget_removes_exactly_the_named_correction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    let line = |session: &str| {
        format!(
            r#"{{"at":"2026-12-06T03:00:00Z","session_id":"{session}","source":"generic","title":"disk full","host":null,"labels":{{}},"tool":"local_shell","proposed":"df -h","executed":"du -sh /var"}}"#
        )
    };
    store.add(&line("s1")).expect("add");
    store.add(&line("s2")).expect("add");
    let first: crate::session::learning::Correction =
        serde_json::from_str(&line("s1")).expect("correction");
    assert_eq!(store.forget(&first.id()).expect("forget"), 1);
    assert_eq!(store.recent(10).expect("recent"), vec![line("s2")]);
    assert_eq!(store.forget(&first.id()).expect("again"), 0);
}

#[test]
fn the_file_is_private_and_in_wal_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    store.append(&[opened("a")]).expect("append");
    for name in ["store.db", "store.db-wal"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .expect(name)
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
}

fn record(id: &str, change: Change) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change,
    }
}

/// Opens, repeats, resolves (with and without the source's end time), reopens, claims,
/// sessions and a legacy snapshot, written in several appends.
fn mixed_history() -> Vec<Vec<InboxRecord>> {
    let ended = Utc::now() - chrono::Duration::minutes(5);
    vec![
        vec![opened("a"), opened("b"), repeat("a")],
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
                    alert: Arc::new(alert("a")),
                },
            ),
            record("b", Change::ResolvedAtSource { ended: None }),
            opened("c"),
            record("ghost", Change::Repeated),
        ],
        vec![record("c", Change::Claimed { by: "op".into() })],
    ]
}

#[test]
fn the_incidents_table_matches_a_replay_of_the_inbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    for batch in mixed_history() {
        store.append(&batch).expect("append");
    }
    let (records, _) = store.read_from(0).expect("read");
    let mut replayed = crate::store::Incidents::default();
    for record in &records {
        replayed.apply(record);
    }
    let table = store.incidents().expect("table");
    let ids = |i: &crate::store::Incidents| i.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&table), vec!["a", "b", "c"]);
    assert_eq!(ids(&table), ids(&replayed));
    for incident in replayed.iter() {
        assert_eq!(table.get(&incident.id), Some(incident), "{}", incident.id);
        assert_eq!(
            store.incident(&incident.id).expect("get").as_ref(),
            Some(incident)
        );
    }
    assert_eq!(table.pending(), replayed.pending());
    // a reopened (its claim cleared) waits; b resolved, c claimed do not.
    assert_eq!(replayed.pending(), 1);
    assert_eq!(
        store
            .incident_of_session("s-b")
            .expect("session")
            .map(|i| i.id),
        Some("b".to_string())
    );
    assert_eq!(store.incident_of_session("s-none").expect("session"), None);
    assert_eq!(
        store.of_source(Source::Alertmanager).expect("source").len(),
        3
    );
    assert!(store.of_source(Source::Docker).expect("source").is_empty());
    let mut pending = None;
    store
        .decide(&mut |lookup| {
            pending = Some(lookup.pending()?);
            let key = DedupKey {
                source: Source::Alertmanager,
                fingerprint: "fp-a".into(),
            };
            let found = lookup.by_keys(&[key.clone(), key])?;
            assert_eq!(found.len(), 1, "one incident per key, once");
            assert_eq!(found[0].id, "a");
            assert_eq!(found[0].reopened, 1);
            Ok(Vec::new())
        })
        .expect("decide");
    assert_eq!(pending, Some(1));
}

#[test]
fn a_store_written_before_the_incidents_table_is_filled_from_its_inbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    drop(SqliteStore::at(&path).expect("create"));
    {
        // Back to schema 2, with the records as an older release wrote them.
        let conn = rusqlite::Connection::open(&path).expect("conn");
        conn.execute_batch(
            "DROP TABLE incidents; DROP TABLE incident_sessions; DROP TABLE counters;
             PRAGMA user_version = 2;",
        )
        .expect("downgrade");
        let mut n = 0;
        for batch in mixed_history() {
            for record in batch {
                n += 1;
                conn.execute(
                    "INSERT INTO inbox (seq, at, incident, kind, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![
                        n,
                        record.at.to_rfc3339(),
                        record.incident,
                        super::inbox::kind(&record.change),
                        serde_json::to_string(&record).expect("json")
                    ],
                )
                .expect("insert");
            }
        }
    }
    let store = SqliteStore::at(&path).expect("reopen migrates");
    let (records, _) = store.read_from(0).expect("read");
    let mut replayed = crate::store::Incidents::default();
    for record in &records {
        replayed.apply(record);
    }
    let table = store.incidents().expect("table");
    assert_eq!(table.len(), 3);
    for incident in replayed.iter() {
        assert_eq!(table.get(&incident.id), Some(incident), "{}", incident.id);
    }
    // The table goes on from there: opened, repeated, resolved, reopened, and this repeat.
    store.append(&[repeat("a")]).expect("append");
    assert_eq!(store.incident("a").expect("get").map(|i| i.count), Some(5));
}

#[test]
fn a_second_incident_for_a_key_takes_the_key_and_the_first_keeps_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    let same = |id: &str| {
        let mut record = opened(id);
        if let Change::Opened { key, .. } = &mut record.change {
            key.fingerprint = "fp-shared".into();
        }
        record
    };
    // As an older inbox can hold them: two opens of one key, in two appends and in one.
    store.append(&[same("a")]).expect("a");
    store.append(&[same("b")]).expect("b");
    store.append(&[same("c"), same("d")]).expect("c, d");
    let key = DedupKey {
        source: Source::Alertmanager,
        fingerprint: "fp-shared".into(),
    };
    let mut holder = None;
    store
        .decide(&mut |lookup| {
            holder = lookup
                .by_keys(std::slice::from_ref(&key))?
                .pop()
                .map(|i| i.id);
            Ok(Vec::new())
        })
        .expect("decide");
    let (records, _) = store.read_from(0).expect("read");
    let mut replayed = crate::store::Incidents::default();
    for record in &records {
        replayed.apply(record);
    }
    assert_eq!(holder, replayed.by_key(&key).map(|i| i.id.clone()));
    assert_eq!(holder.as_deref(), Some("d"));
    assert_eq!(store.incidents().expect("all").len(), 4);
}

/// A row's body leaves its alert in the inbox record that brought it; a row written by
/// schema 3 (the whole incident in the body) still reads, and stays whole when a repeat
/// rewrites it.
#[test]
fn a_row_keeps_its_alert_once_and_a_schema_3_row_stays_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    store.append(&[opened("a"), opened("b")]).expect("append");
    let a = store.incident("a").expect("get").expect("a");
    let conn = rusqlite::Connection::open(dir.path().join("store.db")).expect("conn");
    let (body, seq): (String, Option<i64>) = conn
        .query_row(
            "SELECT body, alert_seq FROM incidents WHERE id = 'b'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("b's row");
    assert!(!body.contains("\"alert\""), "{body}");
    assert_eq!(seq, Some(2), "b's alert is in its opening record");
    conn.execute(
        "UPDATE incidents SET body = ?1, alert_seq = NULL WHERE id = 'a'",
        rusqlite::params![serde_json::to_string(&a).expect("json")],
    )
    .expect("a row as schema 3 wrote it");
    assert_eq!(store.incident("a").expect("get").as_ref(), Some(&a));
    store.append(&[repeat("a"), repeat("b")]).expect("repeats");
    let again = store.incident("a").expect("get").expect("a after a repeat");
    assert_eq!((again.count, &again.alert), (2, &a.alert));
    let b = store.incident("b").expect("get").expect("b after a repeat");
    assert_eq!((b.count, b.alert.title.as_str()), (2, "b"));
    // A reopen moves the alert to the reopening record.
    let reopen = |id: &str, title: &str| InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change: Change::Reopened {
            alert: Arc::new(alert(title)),
        },
    };
    let resolve = InboxRecord {
        at: Utc::now(),
        incident: "a".into(),
        change: Change::ResolvedAtSource { ended: None },
    };
    store
        .append(&[resolve, reopen("a", "a again")])
        .expect("resolve and reopen");
    let reopened = store.incident("a").expect("get").expect("a reopened");
    assert_eq!(reopened.alert.title, "a again");
    assert_eq!(store.incidents().expect("all").len(), 2);
}

/// The writer finds each alert's incident with one compiled statement: a plan that depended
/// on the key bound would be recompiled for every alert (it was 20% of serve's samples).
#[test]
fn looking_up_many_keys_compiles_the_statement_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    let ids: Vec<String> = (0..50).map(|i| format!("k{i}")).collect();
    let records: Vec<InboxRecord> = ids.iter().map(|id| opened(id)).collect();
    store.append(&records).expect("append");
    store
        .decide(&mut |lookup| {
            let keys: Vec<DedupKey> = ids
                .iter()
                .chain(std::iter::once(&"absent".to_string()))
                .map(|id| DedupKey {
                    source: Source::Alertmanager,
                    fingerprint: format!("fp-{id}"),
                })
                .collect();
            assert_eq!(lookup.by_keys(&keys)?.len(), 50);
            Ok(Vec::new())
        })
        .expect("decide");
    let writer = super::lock(&store.writer);
    assert_eq!(
        super::incidents::by_key_reprepared(&writer).expect("status"),
        0
    );
}

/// The connections this process holds to `path` (open descriptors of the file itself).
fn connections_to(path: &std::path::Path) -> usize {
    let path = path.canonicalize().expect("canonical path");
    std::fs::read_dir("/proc/self/fd")
        .expect("fd dir")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| *target == path)
        .count()
}

#[test]
fn a_handle_holds_a_writer_and_a_reader_and_watches_through_the_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    // Each connection costs ~160 KB of SQLite's page cache, lookaside and schema
    // (BENCHMARKS.md, "Headless memory"): followers poll the reader, not a third one.
    assert_eq!(connections_to(store.path()), 2);
    // The handle's own writer is another connection to the reader: its commits are news,
    // and reads (even in a transaction, as `followed_from` does) are not.
    assert!(!store.changed().expect("version"));
    store.append(&[opened("a")]).expect("append");
    assert!(store.changed().expect("version"));
    store.followed_from(10).expect("followed_from");
    store.read_from(0).expect("read");
    assert!(!store.changed().expect("version"), "a read is not a change");
}

/// The WAL file's size.
fn wal_bytes(store: &SqliteStore) -> u64 {
    let mut wal = store.path().as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn a_busy_writer_leaves_checkpoints_to_a_thread_and_its_wal_stays_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    // A short-lived handle that never fills the WAL has no checkpoint thread (nor its
    // connection): a headless `run` stays as small as before.
    store.append(&[opened("first")]).expect("append");
    assert_eq!(store.checkpoints(), (0, 0));
    assert_eq!(connections_to(store.path()), 2);
    let big = "x".repeat(2_000);
    let mut written = 1;
    for batch in 0..400 {
        let records: Vec<InboxRecord> = (0..40)
            .map(|i| {
                let id = format!("b{batch}-{i}");
                let mut a = alert(&id);
                a.description = Some(big.clone());
                InboxRecord {
                    at: Utc::now(),
                    incident: id.clone(),
                    change: Change::Opened {
                        key: DedupKey {
                            source: Source::Alertmanager,
                            fingerprint: format!("fp-{id}"),
                        },
                        alert: Arc::new(a),
                    },
                }
            })
            .collect();
        written += records.len();
        store.append(&records).expect("append");
    }
    // About 40 MB went through the WAL: the thread checkpointed it (the writer's commits
    // did not), and the writer caught a pass up often enough that the WAL started over.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while store.checkpoints().0 == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let (background, caught_up) = store.checkpoints();
    assert!(background > 0, "no background checkpoint");
    let page = 4_096 + 24;
    let most = u64::try_from(super::checkpoint::CATCH_UP + 1_000).expect("frames") * page;
    assert!(
        wal_bytes(&store) <= most,
        "WAL of {} bytes (caught up {caught_up} times)",
        wal_bytes(&store)
    );
    assert_eq!(store.read_from(0).expect("read").0.len(), written);
    let again = SqliteStore::at(store.path()).expect("reopen");
    assert_eq!(again.incidents().expect("incidents").len(), written);
}
