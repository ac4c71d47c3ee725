//! The room's inbox view: the waiting rows go to the consoles when (and only when) the list
//! of incidents that wait for the operator changed.

use std::sync::Arc;

use super::*;
use crate::config::Investigate;
use crate::intake::{Intake, IntakeOptions};
use crate::store::{SqliteStore, Store};

fn alerts(range: std::ops::Range<usize>) -> Vec<crate::alert::Alert> {
    range
        .flat_map(|n| {
            let body = format!(
                r#"{{"title":"disk full {n}","severity":"critical","host":"db-{n}","fingerprint":"fp-{n}"}}"#
            );
            crate::alert::parse(body.as_bytes(), &crate::alert::ParseOptions::default())
                .expect("alert")
        })
        .collect()
}

fn waiting_ids(events: &[DeskEvent]) -> Option<Vec<String>> {
    events.iter().find_map(|e| match e {
        DeskEvent::Waiting { incidents } => Some(incidents.iter().map(|w| w.id.clone()).collect()),
        _ => None,
    })
}

/// The room's reading of the inbox, one poll at a time, as `Room::poll` does it.
struct Follower {
    scheduler: Scheduler,
    first: bool,
    listed: Vec<String>,
}

impl Follower {
    fn poll(&mut self, store: &dyn Store) -> Vec<DeskEvent> {
        let update = self.scheduler.poll(store).expect("poll");
        let events = view_events(&self.scheduler, &update, self.first, &mut self.listed);
        self.first = false;
        events
    }
}

#[test]
fn waiting_rows_are_sent_only_when_the_list_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::at(&dir.path().join("store.db")).expect("store"));
    let intake = Intake::open(store.clone(), IntakeOptions::default()).expect("intake");
    intake.accept_blocking(alerts(0..3)).expect("accept");
    let mut follower = Follower {
        scheduler: Scheduler::new(SchedulerOptions {
            investigate: Investigate::Manual,
            max_concurrent: 3,
            min_severity: None,
        }),
        first: true,
        listed: Vec::new(),
    };
    let ids = waiting_ids(&follower.poll(store.as_ref())).expect("first list");
    assert_eq!(ids.len(), 3);

    // Repeats of waiting incidents leave the list as it is: no rows are sent.
    intake.accept_blocking(alerts(0..3)).expect("repeat");
    assert_eq!(waiting_ids(&follower.poll(store.as_ref())), None);

    // A claim (another console took it up) drops its row.
    assert!(store.claim(&ids[0], "other-console").expect("claim"));
    assert_eq!(
        waiting_ids(&follower.poll(store.as_ref())),
        Some(ids[1..].to_vec())
    );

    // A new incident adds one.
    intake.accept_blocking(alerts(3..4)).expect("new");
    let now = waiting_ids(&follower.poll(store.as_ref())).expect("grown list");
    assert_eq!(now.len(), 3);
    assert_eq!(now[..2], ids[1..]);
}
