//! The PostgreSQL store against a real throwaway cluster: two writers' read-decide-append
//! never both open the same incident; corrections written through one store teach another;
//! `sessions list` of a second data dir shows what a receiver took into the same database.

#[path = "support/postgres.rs"]
mod postgres;
#[path = "support/receiver.rs"]
mod receiver;

use std::sync::{Arc, Barrier, Mutex};

use chrono::Utc;

use opsassist::alert::{Alert, Source, Status};
use opsassist::store::{Change, Cursor, DedupKey, InboxRecord, Incidents, PgStore, Store};

fn alert(fingerprint: &str) -> Alert {
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
        raw: serde_json::Value::Null,
    }
}

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
            .transact(*cursor, &mut |records, _reset| {
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
                            alert: Box::new(alert(fingerprint)),
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
