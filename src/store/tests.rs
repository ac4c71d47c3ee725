//! The store's records through [`SqliteStore`]: round trip, following from a cursor, claims
//! across handles; old record forms that must still read.

use chrono::Utc;
use std::sync::Arc;

use super::*;
use crate::alert::{Alert, Source, Status};

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
        fingerprint: Some("fp1".into()),
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

#[test]
fn records_round_trip_and_follow_from_a_cursor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::at(&dir.path().join("store.db")).expect("open");
    assert_eq!(store.read_from(0).expect("empty").0, Vec::new());
    store.append(&[opened("a"), opened("b")]).expect("append");
    let (first, cursor) = store.read_from(0).expect("read");
    assert_eq!(first.len(), 2);
    let repeat = InboxRecord {
        at: Utc::now(),
        incident: "a".into(),
        change: Change::Repeated,
    };
    store.append(std::slice::from_ref(&repeat)).expect("append");
    let (more, _) = store.read_from(cursor).expect("read");
    assert_eq!(more, vec![repeat]);
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.len(), 2);
    assert_eq!(incidents.get("a").map(|i| i.count), Some(2));
    assert_eq!(incidents.pending(), 2);
}

#[test]
fn an_incident_is_claimed_once_until_it_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = SqliteStore::at(&dir.path().join("store.db")).expect("open");
    let two = SqliteStore::at(&dir.path().join("store.db")).expect("open");
    one.append(&[opened("a")]).expect("append");
    assert!(Store::claim(&one, "a", "s1").expect("claim"));
    assert!(
        !Store::claim(&two, "a", "s2").expect("claim"),
        "another console lost the race"
    );
    assert!(
        !Store::claim(&one, "nope", "s3").expect("claim"),
        "unknown incidents are not claimed"
    );
    one.append(&[InboxRecord {
        at: Utc::now(),
        incident: "a".into(),
        change: Change::Reopened {
            alert: Arc::new(alert("a")),
        },
    }])
    .expect("reopen");
    assert!(Store::claim(&two, "a", "s2").expect("claim after reopen"));
    let incidents = one.incidents().expect("incidents");
    let a = incidents.get("a").expect("a");
    assert_eq!(a.claimed_by.as_deref(), Some("s2"));
    assert_eq!(incidents.pending(), 0);
}

#[test]
fn a_resolve_record_written_before_it_carried_an_end_time_still_reads() {
    let line = r#"{"at":"2026-11-20T03:12:04Z","incident":"inc-1","change":{"kind":"resolved_at_source"}}"#;
    let record: InboxRecord = serde_json::from_str(line).expect("old record");
    assert_eq!(record.change, Change::ResolvedAtSource { ended: None });
    assert_eq!(record.source_time(), record.at);
    let ended = "2026-11-20T03:07:00Z".parse().expect("time");
    let new = InboxRecord {
        change: Change::ResolvedAtSource { ended: Some(ended) },
        ..record
    };
    let back: InboxRecord =
        serde_json::from_str(&serde_json::to_string(&new).expect("json")).expect("new record");
    assert_eq!(back.source_time(), ended);
}

#[test]
fn a_docker_incident_stored_as_generic_reads_back_as_docker() {
    let old: DedupKey =
        serde_json::from_str(r#"{"source":"generic","fingerprint":"docker:0123abc:exited"}"#)
            .expect("old key");
    assert_eq!(old.source, Source::Docker);
    let plain: DedupKey =
        serde_json::from_str(r#"{"source":"generic","fingerprint":"fp-1"}"#).expect("generic key");
    assert_eq!(plain.source, Source::Generic);
    let new = serde_json::to_string(&old).expect("serialize");
    assert!(new.contains(r#""source":"docker""#), "{new}");
}

#[test]
fn a_store_db_that_cannot_be_opened_is_an_error_not_another_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = crate::paths::Paths::in_dir(dir.path());
    // A directory where the database file should be: SQLite cannot open it.
    std::fs::create_dir_all(paths.data_dir.join(sqlite::FILE)).expect("in the way");
    let config = crate::config::StoreConfig::default();
    assert!(open(&paths, &config).is_err());
    assert!(open::or_local(&paths, &config).is_err());
    assert!(inbox_or_local(&paths, &config).is_err());
    let entries: Vec<_> = std::fs::read_dir(&paths.data_dir)
        .expect("data dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(
        entries,
        vec![std::ffi::OsString::from(sqlite::FILE)],
        "nothing else written"
    );
}

/// Every record kind and both incident states read back as written (they are read through
/// the flat forms in `flat.rs`, written by the derived serializers).
#[test]
fn every_record_kind_and_incident_state_reads_back_as_written() {
    let at = Utc::now();
    let mut incidents = Incidents::default();
    let open = opened("a");
    incidents.apply(&open);
    let resolve = InboxRecord {
        at,
        incident: "a".into(),
        change: Change::ResolvedAtSource { ended: Some(at) },
    };
    incidents.apply(&resolve);
    let resolved = incidents.get("a").cloned().expect("a");
    let changes = vec![
        open.change.clone(),
        Change::Repeated,
        Change::ResolvedAtSource { ended: None },
        resolve.change.clone(),
        Change::Reopened {
            alert: Arc::new(alert("again")),
        },
        Change::Claimed { by: "ana".into() },
        Change::Started {
            session: "s-1".into(),
        },
        Change::Snapshot {
            incident: Box::new(resolved.clone()),
            recent_reopens: vec![at],
        },
    ];
    for change in changes {
        let record = InboxRecord {
            at,
            incident: "a".into(),
            change,
        };
        let json = serde_json::to_string(&record).expect("encode");
        let back: InboxRecord = serde_json::from_str(&json).expect(&json);
        assert_eq!(back, record, "{json}");
    }
    let open_incident = {
        let mut fresh = Incidents::default();
        fresh.apply(&opened("b"));
        fresh.get("b").cloned().expect("b")
    };
    for incident in [open_incident, resolved] {
        let json = serde_json::to_string(&incident).expect("encode");
        let back: Incident = serde_json::from_str(&json).expect(&json);
        assert_eq!(back, incident, "{json}");
    }
}

/// A record whose fields come in another order (`kind` last) reads the same; one that lacks
/// its kind's field is an error naming it, not a default.
#[test]
fn a_record_reads_whatever_its_field_order_and_names_a_missing_field() {
    let json =
        r#"{"incident":"a","change":{"by":"ana","kind":"claimed"},"at":"2026-01-01T00:00:00Z"}"#;
    let record: InboxRecord = serde_json::from_str(json).expect("reordered");
    assert_eq!(record.change, Change::Claimed { by: "ana".into() });
    let err = serde_json::from_str::<InboxRecord>(
        r#"{"at":"2026-01-01T00:00:00Z","incident":"a","change":{"kind":"started"}}"#,
    )
    .expect_err("a started record without a session");
    assert!(err.to_string().contains("without `session`"), "{err}");
    let err = serde_json::from_str::<InboxRecord>(
        r#"{"at":"2026-01-01T00:00:00Z","incident":"a","change":{"kind":"paused"}}"#,
    )
    .expect_err("an unknown kind");
    assert!(err.to_string().contains("paused"), "{err}");
}
