//! One scenario run against both stores (tests/sqlite_store.rs, tests/team_store.rs): a
//! follower in the writing process takes the records its own process committed as they were
//! written (their text is not read back: a record spoiled in the database afterwards still
//! comes through whole), through any handle on the database (a daemon's receiver and desk
//! open it separately), and reads the records another process wrote in between, in seq
//! order; a handle of another process holds nothing and skips the spoiled record.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use opsassist::alert::{Alert, RawJson, Source, Status};
use opsassist::store::postgres::kind;
use opsassist::store::{Change, DedupKey, InboxRecord, Store};

/// What the test does to the database behind the stores' backs, as another program.
pub struct Behind<'a> {
    /// Insert this record (as its JSON text) as the next inbox row.
    pub write: &'a dyn Fn(&InboxRecord),
    /// Make the text of the first record (seq 1, `a` opened) unreadable.
    pub spoil_first: &'a dyn Fn(),
}

/// Run the scenario on a fresh, empty database that `open` opens a handle on.
pub fn a_follower_takes_its_own_records_and_reads_the_rest<S: Store>(
    open: impl Fn() -> S,
    behind: Behind<'_>,
) {
    let (mine, desk) = (open(), open());
    let a = opened("a");
    mine.append(&[a.clone(), opened("b")])
        .unwrap_or_else(|e| panic!("mine: {e}"));
    let theirs = opened("c");
    (behind.write)(&theirs);
    assert!(
        mine.claim("a", "op")
            .unwrap_or_else(|e| panic!("claim: {e}"))
    );
    mine.append(&[record("b", Change::Repeated)])
        .unwrap_or_else(|e| panic!("mine again: {e}"));
    (behind.spoil_first)();
    let all = [
        "a:opened",
        "b:opened",
        "c:opened",
        "a:claimed",
        "b:repeated",
    ];
    for handle in [&mine, &desk] {
        let (records, next) = handle.read_from(0).unwrap_or_else(|e| panic!("read: {e}"));
        assert_eq!(order(&records), all);
        assert_eq!(next, 5);
        assert_eq!(records[0], a, "taken as written, not read back spoiled");
        assert_eq!(records[2], theirs, "read from the database");
    }
    let (from_three, _) = desk.read_from(3).unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(order(&from_three), ["a:claimed", "b:repeated"]);
    // A handle of another process holds nothing: the spoiled record is skipped.
    drop((mine, desk));
    let (records, _) = open().read_from(0).unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(order(&records), all[1..]);
}

fn order(records: &[InboxRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{}:{}", r.incident, kind(&r.change)))
        .collect()
}

fn record(incident: &str, change: Change) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: incident.into(),
        change,
    }
}

/// An Alertmanager alert with this fingerprint (the PostgreSQL tests build theirs here too).
pub fn alert(fingerprint: &str) -> Alert {
    Alert {
        source: Source::Alertmanager,
        title: format!("Disk full ({fingerprint})"),
        severity: Some("critical".into()),
        status: Status::Firing,
        host: Some("db-4".into()),
        description: None,
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some(fingerprint.into()),
        raw: RawJson::null(),
    }
}

fn opened(id: &str) -> InboxRecord {
    let fingerprint = format!("fp-{id}");
    let alert = alert(&fingerprint);
    record(
        id,
        Change::Opened {
            key: DedupKey {
                source: Source::Alertmanager,
                fingerprint,
            },
            alert: Arc::new(alert),
        },
    )
}
