//! Intake: dedup by (source, fingerprint), resolve at source, reopen, groups, full inbox.

use std::sync::Arc;

use super::*;
use crate::store::{FileStore, IncidentState};

fn am(fp: &str, status: &str) -> String {
    format!(
        r#"{{"version":"4","status":"{status}","receiver":"r","groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{{"status":"{status}","labels":{{"alertname":"HighCpu","instance":"web-1:9100","severity":"critical"}},"annotations":{{"summary":"cpu"}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"{fp}"}}]}}"#
    )
}

fn open(dir: &std::path::Path, options: IntakeOptions) -> (Intake, Arc<FileStore>) {
    let store = Arc::new(FileStore::in_dir(dir));
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
