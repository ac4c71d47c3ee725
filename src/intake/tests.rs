//! Intake: dedup by (source, fingerprint), resolve at source, reopen, groups, full inbox.

use std::sync::Arc;

use super::*;
use crate::store::{IncidentState, SqliteStore};

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
                alert: Arc::new(alert),
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
