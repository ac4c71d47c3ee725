//! Intake: dedup by (source, fingerprint), resolve at source, reopen, groups, full inbox.

use std::sync::Arc;

use super::*;
use crate::store::{FileStore, IncidentState, SqliteStore};

fn am(fp: &str, status: &str) -> String {
    format!(
        r#"{{"version":"4","status":"{status}","receiver":"r","groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{{"status":"{status}","labels":{{"alertname":"HighCpu","instance":"web-1:9100","severity":"critical"}},"annotations":{{"summary":"cpu"}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{fp}"}}]}}"#
    )
}

/// A receiver on the default store (SQLite) in `dir`.
fn open(dir: &std::path::Path, options: IntakeOptions) -> (Intake, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::at(&dir.join("store.db")).expect("store"));
    let intake = Intake::open(store.clone(), options).expect("open");
    (intake, store)
}

fn kinds(outcomes: &[Outcome]) -> Vec<OutcomeKind> {
    outcomes.iter().map(|o| o.kind.clone()).collect()
}

#[tokio::test]
async fn repeat_resolve_and_refire_stay_one_incident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let max = 1 << 20;
    let first = intake
        .ingest(am("aa", "firing").as_bytes(), None, max)
        .await
        .expect("first");
    assert_eq!(kinds(&first), vec![OutcomeKind::Opened]);
    let again = intake
        .ingest(am("aa", "firing").as_bytes(), None, max)
        .await
        .expect("again");
    assert_eq!(kinds(&again), vec![OutcomeKind::Repeated]);
    assert_eq!(again[0].incident, first[0].incident);
    let resolved = intake
        .ingest(am("aa", "resolved").as_bytes(), None, max)
        .await
        .expect("resolved");
    assert_eq!(kinds(&resolved), vec![OutcomeKind::Resolved]);
    let refire = intake
        .ingest(am("aa", "firing").as_bytes(), None, max)
        .await
        .expect("refire");
    assert_eq!(kinds(&refire), vec![OutcomeKind::Reopened]);
    let other = intake
        .ingest(am("bb", "resolved").as_bytes(), None, max)
        .await
        .expect("other");
    assert_eq!(kinds(&other), vec![OutcomeKind::Ignored]);
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 1);
    let incident = incidents.get(&first[0].incident).expect("incident");
    assert_eq!(
        (incident.count, incident.reopened, incident.state),
        (4, 1, IncidentState::Open)
    );
    drop(intake);
    // A restart rebuilds dedup state from the inbox.
    let (intake, _) = open(dir.path(), IntakeOptions::default());
    let after = intake
        .ingest(am("aa", "resolved").as_bytes(), None, max)
        .await
        .expect("after");
    assert_eq!(kinds(&after), vec![OutcomeKind::Resolved]);
}

#[tokio::test]
async fn a_group_of_two_is_two_incidents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let payload = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/alerts/alertmanager-disk-full-var.json"
    ))
    .expect("fixture");
    let outcomes = intake.ingest(&payload, None, 1 << 20).await.expect("group");
    assert_eq!(
        kinds(&outcomes),
        vec![OutcomeKind::Opened, OutcomeKind::Opened]
    );
    assert_eq!(store.incidents().expect("incidents").len(), 2);
}

#[tokio::test]
async fn a_full_inbox_refuses_new_incidents_but_takes_repeats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = IntakeOptions {
        inbox_capacity: 2,
        ..IntakeOptions::default()
    };
    let (intake, store) = open(dir.path(), options);
    let max = 1 << 20;
    for fp in ["a", "b"] {
        intake
            .ingest(am(fp, "firing").as_bytes(), None, max)
            .await
            .expect("fits");
    }
    let full = intake.ingest(am("c", "firing").as_bytes(), None, max).await;
    assert!(matches!(full, Err(IntakeError::InboxFull(2))), "{full:?}");
    let repeat = intake
        .ingest(am("a", "firing").as_bytes(), None, max)
        .await
        .expect("repeat");
    assert_eq!(kinds(&repeat), vec![OutcomeKind::Repeated]);
    // A console taking one up frees a slot.
    let a = repeat[0].incident.clone();
    assert!(store.claim(&a, "console").expect("claim"));
    let now = intake
        .ingest(am("c", "firing").as_bytes(), None, max)
        .await
        .expect("room");
    assert_eq!(kinds(&now), vec![OutcomeKind::Opened]);
    assert_eq!(intake.metrics().inbox_depth.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn garbage_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let err = intake.ingest(b"{not json", None, 1 << 20).await;
    assert!(matches!(err, Err(IntakeError::Parse(_))));
    assert!(store.incidents().expect("incidents").is_empty());
}

/// Records another process (a paste in a console) appends are part of the receiver's dedup
/// state: the receiver does not open a second incident for the same key.
#[tokio::test]
async fn the_receiver_dedups_against_incidents_another_process_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let max = 1 << 20;
    // Warm the writer up so it has a cursor past the start.
    intake
        .ingest(am("warm", "firing").as_bytes(), None, max)
        .await
        .expect("warm");
    // Another process opens an incident for fingerprint "cc" (its own store handle).
    let other = SqliteStore::at(&dir.path().join("store.db")).expect("store");
    let alert = crate::alert::parse(am("cc", "firing").as_bytes(), &ParseOptions::default())
        .expect("parse")
        .remove(0);
    let key = key_of(&alert);
    other
        .append(&[crate::store::InboxRecord {
            at: chrono::Utc::now(),
            incident: "inc-other-1".into(),
            change: crate::store::Change::Opened {
                key,
                alert: Box::new(alert),
            },
        }])
        .expect("append");
    let outcomes = intake
        .ingest(am("cc", "firing").as_bytes(), None, max)
        .await
        .expect("cc");
    assert_eq!(
        outcomes,
        vec![Outcome {
            incident: "inc-other-1".into(),
            kind: OutcomeKind::Repeated
        }]
    );
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 2);
    assert_eq!(incidents.get("inc-other-1").map(|i| i.count), Some(2));
}

/// A paste, in another process while a receiver runs, goes through the same rule: a repeat
/// of a received alert counts on that incident; a new pasted alert is opened and claimed, and
/// the receiver then counts its webhook on the pasted incident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_and_receiver_share_one_dedup_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let max = 1 << 20;
    let received = intake
        .ingest(am("dd", "firing").as_bytes(), None, max)
        .await
        .expect("dd");
    let paste = paste::Paste::new(Arc::new(
        SqliteStore::at(&dir.path().join("store.db")).expect("store"),
    ));
    let parse = |fp: &str| {
        crate::alert::parse(am(fp, "firing").as_bytes(), &ParseOptions::default()).expect("parse")
    };
    let pasted =
        tokio::task::block_in_place(|| paste.accept(parse("dd"), "console-1")).expect("paste dd");
    assert_eq!(kinds(&pasted), vec![OutcomeKind::Repeated]);
    assert_eq!(pasted[0].incident, received[0].incident);
    assert_eq!(
        paste.incident(&pasted[0].incident).map(|i| i.count),
        Some(2)
    );
    let new =
        tokio::task::block_in_place(|| paste.accept(parse("ee"), "console-1")).expect("paste ee");
    assert_eq!(kinds(&new), vec![OutcomeKind::Opened]);
    let again = tokio::task::block_in_place(|| paste.accept(parse("ee"), "console-1"))
        .expect("paste ee again");
    assert_eq!(kinds(&again), vec![OutcomeKind::Repeated]);
    let hooked = intake
        .ingest(am("ee", "firing").as_bytes(), None, max)
        .await
        .expect("ee");
    assert_eq!(kinds(&hooked), vec![OutcomeKind::Repeated]);
    assert_eq!(hooked[0].incident, new[0].incident);
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 2);
    let ee = incidents.get(&new[0].incident).expect("ee");
    assert_eq!(ee.count, 3);
    assert_eq!(
        ee.claimed_by.as_deref(),
        Some("console-1"),
        "the paster took it up"
    );
    assert_eq!(incidents.pending(), 1, "only the received one waits");
}

/// The receiver compacts a grown inbox between batches and keeps deduplicating after it.
#[tokio::test]
async fn the_receiver_compacts_and_keeps_counting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(FileStore::in_dir(dir.path()).compact_over(64 * 1024));
    let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("open");
    let max = 1 << 20;
    let mut first = None;
    for _ in 0..1000 {
        let out = intake
            .ingest(am("ff", "firing").as_bytes(), None, max)
            .await
            .expect("ff");
        first.get_or_insert(out[0].incident.clone());
    }
    let len = std::fs::metadata(store.inbox_path()).expect("meta").len();
    assert!(len < 128 * 1024, "compacted: {len} bytes");
    let (_, cursor) = store.read_from(0).expect("read");
    assert!(crate::store::cursor_generation(cursor) >= 1);
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 1);
    let ff = incidents.iter().next().expect("ff");
    assert_eq!((ff.id.clone(), ff.count), (first.expect("first"), 1000));
    drop(intake);
    // A restart reads the compacted inbox and still knows the incident.
    let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("reopen");
    let out = intake
        .ingest(am("ff", "resolved").as_bytes(), None, max)
        .await
        .expect("resolve");
    assert_eq!(kinds(&out), vec![OutcomeKind::Resolved]);
}

/// The writer compacts from its own ledger; an incident the compaction drops (resolved at
/// source more than a day ago) must leave the ledger too, or its next alert would "reopen"
/// an incident no reader has any more.
#[tokio::test]
async fn a_compaction_drops_old_resolved_incidents_from_the_writers_dedup_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let max = 1 << 20;
    let old_id = {
        let store = Arc::new(FileStore::in_dir(dir.path()));
        let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("open");
        let out = intake
            .ingest(am("old", "firing").as_bytes(), None, max)
            .await
            .expect("old");
        intake
            .ingest(am("old", "resolved").as_bytes(), None, max)
            .await
            .expect("resolve");
        drop(intake);
        // Two days ago: past KEEP_RESOLVED_HOURS.
        let path = store.inbox_path().to_path_buf();
        let text = std::fs::read_to_string(&path).expect("inbox");
        let past = (chrono::Utc::now() - chrono::Duration::hours(48)).to_rfc3339();
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let mut value: serde_json::Value = serde_json::from_str(line).expect("record");
                if value.get("at").is_some() {
                    value["at"] = serde_json::Value::String(past.clone());
                }
                value.to_string()
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").expect("rewrite");
        out[0].incident.clone()
    };
    let store = Arc::new(FileStore::in_dir(dir.path()).compact_over(64 * 1024));
    let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("reopen");
    // Grow the inbox past the limit so the writer compacts.
    for _ in 0..1000 {
        intake
            .ingest(am("ff", "firing").as_bytes(), None, max)
            .await
            .expect("ff");
    }
    let (_, cursor) = store.read_from(0).expect("read");
    assert!(crate::store::cursor_generation(cursor) >= 1, "compacted");
    assert!(store.incidents().expect("incidents").get(&old_id).is_none());
    let again = intake
        .ingest(am("old", "firing").as_bytes(), None, max)
        .await
        .expect("old again");
    assert_eq!(kinds(&again), vec![OutcomeKind::Opened]);
    assert_ne!(again[0].incident, old_id);
    let incidents = store.incidents().expect("incidents");
    assert!(
        incidents.get(&again[0].incident).is_some(),
        "a reader sees it"
    );
    let ff = incidents
        .iter()
        .find(|i| i.key.fingerprint == "ff")
        .expect("ff");
    assert_eq!(ff.count, 1000);
}

/// An Alertmanager resolve notice with its own `endsAt`.
fn am_ended(fp: &str, ends: &str) -> String {
    am(fp, "resolved").replace(
        r#""endsAt":"0001-01-01T00:00:00Z""#,
        &format!(r#""endsAt":"{ends}""#),
    )
}

#[tokio::test]
async fn resolved_at_source_is_when_the_source_says_it_ended() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let max = 1 << 20;
    let ended = chrono::Utc::now() - chrono::Duration::minutes(5);
    let ended = ended.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut ids = Vec::new();
    for (fp, resolve) in [
        ("aa", am_ended("aa", &ended)),
        // A source clock ahead of ours, or no end time at all: when the notice arrived.
        ("bb", am_ended("bb", &future)),
        ("cc", am("cc", "resolved")),
    ] {
        let opened = intake
            .ingest(am(fp, "firing").as_bytes(), None, max)
            .await
            .expect("open");
        let before = chrono::Utc::now();
        let done = intake
            .ingest(resolve.as_bytes(), None, max)
            .await
            .expect("resolve");
        assert_eq!(kinds(&done), vec![OutcomeKind::Resolved]);
        ids.push((opened[0].incident.clone(), before, chrono::Utc::now()));
    }
    let incidents = store.incidents().expect("incidents");
    let at = |id: &str| match incidents.get(id).map(|i| i.state) {
        Some(IncidentState::ResolvedAtSource { at }) => at,
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(
        at(&ids[0].0).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ended
    );
    for (id, before, after) in &ids[1..] {
        let at = at(id);
        assert!(
            *before <= at && at <= *after,
            "{id}: {at} not in [{before}, {after}]"
        );
    }
}
