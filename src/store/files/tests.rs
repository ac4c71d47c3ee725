//! FileStore compaction: followers by cursor and writers holding an old handle survive it.

use chrono::{Duration, Utc};

use super::*;
use crate::alert::{Alert, Source, Status};
use crate::store::{DedupKey, Incidents, cursor_generation, open_or_recent, snapshot_of};

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
        raw: serde_json::Value::Null,
    }
}

fn record(id: &str, change: Change) -> InboxRecord {
    InboxRecord {
        at: Utc::now(),
        incident: id.into(),
        change,
    }
}

fn opened(id: &str) -> InboxRecord {
    record(
        id,
        Change::Opened {
            key: DedupKey {
                source: Source::Alertmanager,
                fingerprint: format!("fp-{id}"),
            },
            alert: Box::new(alert(id)),
        },
    )
}

/// A follower: incidents rebuilt from reads by cursor, started over on a reset.
struct Follower {
    incidents: Incidents,
    cursor: Cursor,
}

impl Follower {
    fn poll(&mut self, store: &FileStore) {
        let (records, next) = store.read_from(self.cursor).expect("read");
        if is_reset(self.cursor, next) {
            self.incidents = Incidents::default();
        }
        for r in &records {
            self.incidents.apply(r);
        }
        self.cursor = next;
    }
}

fn summary(incidents: &Incidents) -> Vec<(String, u64, bool, Option<String>)> {
    incidents
        .iter()
        .map(|i| (i.id.clone(), i.count, i.is_pending(), i.claimed_by.clone()))
        .collect()
}

#[test]
fn a_follower_and_an_old_writer_survive_a_compaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let receiver = FileStore::in_dir(dir.path());
    // Another process's store, whose append handle is open before the compaction.
    let console = FileStore::in_dir(dir.path());
    receiver
        .append(&[opened("a"), opened("b"), opened("old")])
        .expect("open");
    console
        .append(&[record("a", Change::Repeated)])
        .expect("handle");
    for _ in 0..50 {
        receiver
            .append(&[record("a", Change::Repeated)])
            .expect("repeat");
    }
    let mut long_ago = record("old", Change::ResolvedAtSource { ended: None });
    long_ago.at = Utc::now() - Duration::days(3);
    receiver.append(&[long_ago]).expect("resolve");
    assert!(console.claim("b", "console-1").expect("claim"));
    let mut follower = Follower {
        incidents: Incidents::default(),
        cursor: 0,
    };
    follower.poll(&receiver);
    assert_eq!(follower.incidents.get("a").map(|i| i.count), Some(52));
    // Written after the follower's last read, before the compaction: it must not be lost.
    receiver
        .append(&[record("a", Change::Repeated)])
        .expect("repeat");
    let before = std::fs::metadata(receiver.inbox_path())
        .expect("meta")
        .len();
    let now = Utc::now();
    let done = receiver
        .compact(&|i| open_or_recent(i, now))
        .expect("compact");
    assert_eq!((done.generation, done.kept, done.dropped), (1, 2, 1));
    assert!(done.bytes_after < before / 4, "{done:?} from {before}");
    // The console's handle is of the replaced file: its writes must land in the new one.
    console
        .append(&[record("a", Change::Repeated)])
        .expect("append after compaction");
    assert!(
        !console.claim("b", "console-2").expect("claim"),
        "the claim survives"
    );
    receiver
        .append(&[record("b", Change::Repeated)])
        .expect("b");
    follower.poll(&receiver);
    assert_eq!(cursor_generation(follower.cursor), 1);
    let fresh = receiver.incidents().expect("incidents");
    assert_eq!(summary(&follower.incidents), summary(&fresh));
    let a = fresh.get("a").expect("a");
    assert_eq!(a.count, 54, "51 before + 1 between + 1 after + the first");
    assert_eq!(
        fresh.get("b").map(|b| (b.count, b.is_pending())),
        Some((2, false))
    );
    assert!(fresh.get("old").is_none(), "resolved 3 days ago: dropped");
    // A follower that is up to date stays so across a second compaction.
    let now = Utc::now();
    receiver
        .compact(&|i| open_or_recent(i, now))
        .expect("again");
    receiver
        .append(&[record("a", Change::Repeated)])
        .expect("a");
    follower.poll(&receiver);
    assert_eq!(cursor_generation(follower.cursor), 2);
    assert_eq!(follower.incidents.get("a").map(|i| i.count), Some(55));
    assert_eq!(follower.incidents.len(), 2);
}

#[test]
fn maintain_compacts_only_past_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FileStore::in_dir(dir.path()).compact_over(4096);
    store.append(&[opened("a")]).expect("open");
    assert!(!store.maintain().expect("small"));
    for _ in 0..100 {
        store
            .append(&[record("a", Change::Repeated)])
            .expect("repeat");
    }
    assert!(store.maintain().expect("big"));
    assert!(!store.maintain().expect("just compacted"));
    assert_eq!(
        store
            .incidents()
            .expect("incidents")
            .get("a")
            .map(|a| a.count),
        Some(101)
    );
}

/// The intake writer's compaction: the store catches the caller up on what others appended,
/// then writes the caller's snapshot (it does not read the whole inbox again).
#[test]
fn maintain_from_catches_the_caller_up_then_writes_its_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FileStore::in_dir(dir.path()).compact_over(4096);
    store.append(&[opened("a"), opened("b")]).expect("open");
    // The caller has read this far.
    let (records, cursor) = store.read_from(0).expect("read");
    let mut held = Incidents::default();
    for r in &records {
        held.apply(r);
    }
    let under = store
        .maintain_from(cursor, &mut |_, _| panic!("called below the limit"))
        .expect("small");
    assert_eq!(under, None);
    // Another writer appends after it.
    for _ in 0..100 {
        store
            .append(&[record("a", Change::Repeated)])
            .expect("repeat");
    }
    let mut caught_up = None;
    let after = store
        .maintain_from(cursor, &mut |records, reset| {
            caught_up = Some((records.len(), reset));
            for r in &records {
                held.apply(r);
            }
            // The caller decides what the compacted inbox holds: here, all but b.
            snapshot_of(&held, &|incident| incident.id != "b").0
        })
        .expect("compact")
        .expect("compacted");
    assert_eq!(
        caught_up,
        Some((100, false)),
        "caught up before the snapshot"
    );
    assert_eq!(cursor_generation(after), cursor_generation(cursor) + 1);
    let (rest, next) = store.read_from(after).expect("read on");
    assert!(rest.is_empty());
    assert_eq!(
        next, after,
        "the returned cursor is the end of the new inbox"
    );
    let incidents = store.incidents().expect("incidents");
    assert_eq!(incidents.get("a").map(|a| a.count), Some(101));
    assert!(
        incidents.get("b").is_none(),
        "written from the caller's snapshot, not from the old inbox"
    );
    // Appends after it land after the returned cursor.
    store
        .append(&[record("a", Change::Repeated)])
        .expect("after");
    assert_eq!(store.read_from(after).expect("read on").0.len(), 1);
}
