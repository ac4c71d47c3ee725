//! What the inbox does with a flood of fire-then-resolve cycles (the resolved incidents still
//! fill `inbox_capacity` for `inbox_window_secs`) and with late firings: a firing the source
//! says started no later than the source said the alert ended reopens nothing and opens
//! nothing, whichever of the two arrives first.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use opsassist::intake::{Intake, IntakeError, IntakeOptions, Outcome, OutcomeKind};
use opsassist::store::{IncidentState, SqliteStore, Store};

const MAX: usize = 1 << 20;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An Alertmanager notice for fingerprint `fp` that started at `starts` (and, when resolved,
/// ended at `ends`).
fn am(fp: &str, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> Vec<u8> {
    let (status, ends) = match ends {
        Some(ends) => ("resolved", rfc3339(ends)),
        None => ("firing", "0001-01-01T00:00:00Z".to_string()),
    };
    format!(
        r#"{{"version":"4","status":"{status}","receiver":"r","groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{{"status":"{status}","labels":{{"alertname":"Flood","instance":"web-1:9100"}},"annotations":{{"summary":"{fp}"}},"startsAt":"{}","endsAt":"{ends}","generatorURL":"http://p","fingerprint":"{fp}"}}]}}"#,
        rfc3339(starts)
    )
    .into_bytes()
}

/// A PagerDuty V3 event about incident `Q1` created at `created`.
fn pagerduty(kind: &str, occurred: DateTime<Utc>, created: DateTime<Utc>) -> Vec<u8> {
    let status = if kind == "incident.resolved" {
        "resolved"
    } else {
        "triggered"
    };
    format!(
        r#"{{"event":{{"id":"E-{kind}-{}","event_type":"{kind}","resource_type":"incident","occurred_at":"{}","data":{{"id":"Q1","type":"incident","status":"{status}","title":"replication lag on pg-2","created_at":"{}","urgency":"high","incident_key":"k1"}}}}}}"#,
        occurred.timestamp(),
        rfc3339(occurred),
        rfc3339(created)
    )
    .into_bytes()
}

fn open(dir: &std::path::Path, options: IntakeOptions) -> (Intake, Arc<SqliteStore>) {
    let store =
        Arc::new(SqliteStore::at(&dir.join("store.db")).unwrap_or_else(|e| panic!("store: {e}")));
    let intake = Intake::open(store.clone(), options).unwrap_or_else(|e| panic!("open: {e}"));
    (intake, store)
}

async fn one(intake: &Intake, payload: &[u8]) -> Outcome {
    let mut outcomes = intake
        .ingest(payload, None, MAX)
        .await
        .unwrap_or_else(|e| panic!("ingest: {e}"));
    assert_eq!(outcomes.len(), 1);
    outcomes.remove(0)
}

fn state(store: &SqliteStore, id: &str) -> IncidentState {
    let incidents = store
        .incidents()
        .unwrap_or_else(|e| panic!("incidents: {e}"));
    incidents
        .get(id)
        .map(|i| i.state)
        .unwrap_or_else(|| panic!("no incident {id}"))
}

#[tokio::test]
async fn fire_then_resolve_cycles_fill_the_inbox_like_firing_alone() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let options = IntakeOptions {
        inbox_capacity: 50,
        ..IntakeOptions::default()
    };
    let (intake, store) = open(dir.path(), options);
    let started = Utc::now() - chrono::Duration::minutes(5);
    let ended = Utc::now() - chrono::Duration::minutes(1);
    let (mut opened, mut refused) = (Vec::new(), 0);
    for n in 0..800 {
        let fp = format!("flood-{n}");
        match intake.ingest(&am(&fp, started, None), None, MAX).await {
            Ok(outcomes) => {
                assert_eq!(outcomes[0].kind, OutcomeKind::Opened);
                opened.push(outcomes[0].incident.clone());
                let resolved = one(&intake, &am(&fp, started, Some(ended))).await;
                assert_eq!(resolved.kind, OutcomeKind::Resolved);
            }
            Err(IntakeError::InboxFull(n)) => {
                assert_eq!(n, 50);
                refused += 1;
            }
            Err(e) => panic!("cycle {n}: {e}"),
        }
    }
    let stored = store
        .incidents()
        .unwrap_or_else(|e| panic!("incidents: {e}"))
        .len();
    assert_eq!(
        (opened.len(), stored, refused),
        (50, 50, 750),
        "800 fire-then-resolve cycles against inbox_capacity = 50"
    );
    assert_eq!(
        intake
            .metrics()
            .inbox_depth
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "none is waiting, yet none fits: they ended untouched within the window"
    );
    // Taking one up (a console, `incidents take`) makes room, as for waiting incidents.
    assert!(
        store
            .claim(&opened[0], "operator")
            .unwrap_or_else(|e| panic!("claim: {e}"))
    );
    let next = one(&intake, &am("after-take", started, None)).await;
    assert_eq!(next.kind, OutcomeKind::Opened);
    let full = intake
        .ingest(&am("one-more", started, None), None, MAX)
        .await;
    assert!(matches!(full, Err(IntakeError::InboxFull(50))), "{full:?}");
    // Repeats and resolves of known incidents are always taken.
    let repeat = one(&intake, &am("after-take", started, None)).await;
    assert_eq!(repeat.kind, OutcomeKind::Repeated);
    drop(intake);

    // The window is what bounds them: once it has passed, ended incidents stop counting
    // (and a restart rebuilds the count from the inbox).
    let (intake, _) = open(
        dir.path(),
        IntakeOptions {
            inbox_capacity: 50,
            inbox_window: Duration::ZERO,
            ..IntakeOptions::default()
        },
    );
    let later = one(&intake, &am("window-passed", started, None)).await;
    assert_eq!(later.kind, OutcomeKind::Opened);
    drop(intake);
    let (intake, _) = open(
        dir.path(),
        IntakeOptions {
            inbox_capacity: 50,
            ..IntakeOptions::default()
        },
    );
    let full = intake
        .ingest(&am("restarted", started, None), None, MAX)
        .await;
    assert!(matches!(full, Err(IntakeError::InboxFull(_))), "{full:?}");
}

#[tokio::test]
async fn a_late_firing_after_its_resolve_reopens_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let now = Utc::now();
    let (t0, t1, t2) = (
        now - chrono::Duration::minutes(30),
        now - chrono::Duration::minutes(20),
        now - chrono::Duration::minutes(10),
    );
    let fired = one(&intake, &am("a", t0, None)).await;
    assert_eq!(fired.kind, OutcomeKind::Opened);
    let resolved = one(&intake, &am("a", t0, Some(t1))).await;
    assert_eq!(resolved.kind, OutcomeKind::Resolved);
    // The same firing delivered late (a retry, a slow path): counted, not reopened.
    let late = one(&intake, &am("a", t0, None)).await;
    assert_eq!(
        (late.kind, late.incident.as_str()),
        (OutcomeKind::Repeated, fired.incident.as_str())
    );
    assert!(matches!(
        state(&store, &fired.incident),
        IncidentState::ResolvedAtSource { .. }
    ));
    // Started at the resolve instant is not after it either.
    let at_end = one(&intake, &am("a", t1, None)).await;
    assert_eq!(at_end.kind, OutcomeKind::Repeated);
    // A firing that started after the resolve is a new one: it reopens.
    let refired = one(&intake, &am("a", t2, None)).await;
    assert_eq!(refired.kind, OutcomeKind::Reopened);
    assert_eq!(state(&store, &fired.incident), IncidentState::Open);
}

#[tokio::test]
async fn a_firing_that_arrives_after_its_resolve_opens_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let now = Utc::now();
    let (t0, t1, t2) = (
        now - chrono::Duration::minutes(30),
        now - chrono::Duration::minutes(20),
        now - chrono::Duration::minutes(10),
    );
    // The resolve overtook its firing: nothing to resolve yet.
    let resolved = one(&intake, &am("b", t0, Some(t1))).await;
    assert_eq!(resolved.kind, OutcomeKind::Ignored);
    let late = one(&intake, &am("b", t0, None)).await;
    assert_eq!(
        late.kind,
        OutcomeKind::Ignored,
        "an incident no resolve will ever close"
    );
    assert!(
        store
            .incidents()
            .unwrap_or_else(|e| panic!("incidents: {e}"))
            .is_empty()
    );
    let new = one(&intake, &am("b", t2, None)).await;
    assert_eq!(new.kind, OutcomeKind::Opened, "it fired again later");
}

#[tokio::test]
async fn pagerduty_is_judged_by_when_each_event_occurred() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (intake, store) = open(dir.path(), IntakeOptions::default());
    let now = Utc::now();
    let (t0, t1, t2) = (
        now - chrono::Duration::minutes(30),
        now - chrono::Duration::minutes(20),
        now - chrono::Duration::minutes(10),
    );
    let triggered = pagerduty("incident.triggered", t0, t0);
    let fired = one(&intake, &triggered).await;
    assert_eq!(fired.kind, OutcomeKind::Opened);
    let resolved = one(&intake, &pagerduty("incident.resolved", t1, t0)).await;
    assert_eq!(resolved.kind, OutcomeKind::Resolved);
    let replayed = one(&intake, &triggered).await;
    assert_eq!(
        replayed.kind,
        OutcomeKind::Repeated,
        "the old trigger again"
    );
    // A reopen keeps the incident's created_at; its event time is what is new.
    let reopened = one(&intake, &pagerduty("incident.reopened", t2, t0)).await;
    assert_eq!(reopened.kind, OutcomeKind::Reopened);
    assert_eq!(state(&store, &fired.incident), IncidentState::Open);
}

/// A resolve without the source's own end time (generic, Zabbix) is not compared with the
/// source's start times: this machine's clock and the source's may disagree, and missing a
/// real re-fire is worse than an incident left open.
#[tokio::test]
async fn without_a_source_end_time_a_firing_reopens_as_before() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (intake, _store) = open(dir.path(), IntakeOptions::default());
    let generic = |status: &str| {
        format!(
            r#"{{"title":"disk full","host":"db-1","status":"{status}","starts_at":"2026-01-01T00:00:00Z","fingerprint":"g1"}}"#
        )
        .into_bytes()
    };
    assert_eq!(
        one(&intake, &generic("firing")).await.kind,
        OutcomeKind::Opened
    );
    assert_eq!(
        one(&intake, &generic("resolved")).await.kind,
        OutcomeKind::Resolved
    );
    assert_eq!(
        one(&intake, &generic("firing")).await.kind,
        OutcomeKind::Reopened
    );
}
