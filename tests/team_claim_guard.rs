//! The core's claim guard against a real PostgreSQL (tests/support/postgres.rs): a session
//! acting for alice runs her approved command while she holds the claim; once bob holds it
//! (after her lease lapsed, on the session or on the inbox incident it was started for), the
//! session spawns no command and starts no model turn, and says that bob is on it. A stored
//! session event is never rewritten by another console.

mod session_harness;
mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use opsassist::protocol::{Decision, Event, EventEnvelope, Op};
use opsassist::session::log::EventSink;
use opsassist::session::{self, claim_guard};
use opsassist::store::{Board, ClaimOutcome, PgStore, Store};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};
use support::postgres;

/// The database of this test binary, with the guard installed for alice (once per process).
fn store() -> Arc<PgStore> {
    let url = STORE_URL.get_or_init(|| postgres::database("guard"));
    let pg = Arc::new(PgStore::connect(url, None).expect("team store"));
    claim_guard::install(pg.clone(), "alice");
    pg
}

async fn recv_until(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<EventEnvelope>,
    pred: impl Fn(&Event) -> bool,
) -> Vec<EventEnvelope> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let e = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out: {seen:#?}"))
            .unwrap_or_else(|| panic!("channel closed: {seen:#?}"));
        let stop = pred(&e.event);
        seen.push(e);
        if stop {
            return seen;
        }
    }
}

fn approval(events: &[EventEnvelope]) -> String {
    events
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => Some(proposal.call_id.clone()),
            _ => None,
        })
        .expect("an approval request")
}

fn approve(handle: &session::SessionHandle, call_id: String) {
    assert!(handle.send(Op::Decide {
        call_id,
        decision: Decision::Approve { confirm: None },
    }));
}

fn stopped_for_bob(e: &Event) -> bool {
    matches!(e, Event::Error { message } if message.contains("bob is on this incident"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_command_runs_once_another_operator_took_the_claim_over() {
    let pg = store();
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": format!("echo one >> {}", marker.display()), "reason": "a"}),
        )]),
        Reply::ToolCalls(vec![(
            "local_shell".into(),
            json!({"command": format!("echo two >> {}", marker.display()), "reason": "b"}),
        )]),
        Reply::Text("done".into()),
    ]);
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("Disk full", "df"), tx).expect("start");
    let first = recv_until(&mut rx, |e| matches!(e, Event::ApprovalRequested { .. })).await;
    // alice holds the claim (short lease): her approved command runs.
    let board: &dyn Board = pg.as_ref();
    let alice = board
        .lease(&handle.id, "alice", Duration::from_secs(1))
        .expect("lease");
    assert!(matches!(alice, ClaimOutcome::Won { .. }), "{alice:?}");
    approve(&handle, approval(&first));
    let second = recv_until(&mut rx, |e| matches!(e, Event::ApprovalRequested { .. })).await;
    assert!(
        second
            .iter()
            .any(|e| matches!(e.event, Event::ExecFinished { .. }))
    );
    assert_eq!(std::fs::read_to_string(&marker).expect("ran"), "one\n");
    // Her lease lapses (her console looked dead); bob takes the incident over.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    match board
        .lease(&handle.id, "bob", Duration::from_secs(30))
        .expect("lease")
    {
        ClaimOutcome::Won { took_over_from, .. } => {
            assert_eq!(took_over_from.as_deref(), Some("alice"))
        }
        other => panic!("{other:?}"),
    }
    // alice's session (only partitioned, not dead) gets her approval: it must not run.
    approve(&handle, approval(&second));
    let rest = recv_until(&mut rx, stopped_for_bob).await;
    assert!(
        !rest
            .iter()
            .any(|e| matches!(e.event, Event::ExecStarted { .. })),
        "{rest:#?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(std::fs::read_to_string(&marker).expect("ran"), "one\n");
    assert_eq!(fake.chat_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_model_turn_while_another_operator_holds_the_inbox_incident() {
    let pg = store();
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::Text("first look: fine".into()),
        Reply::Text("never asked".into()),
    ]);
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let alert = alert("Queue stuck", "q");
    let handle = session::start(core, alert.clone(), tx).expect("start");
    recv_until(&mut rx, |e| matches!(e, Event::Finished { .. })).await;
    // The session belongs to inbox incident inc-guard-1, which bob holds.
    let incident = "inc-guard-1".to_string();
    let at = chrono::Utc::now();
    let records = [
        opsassist::store::InboxRecord {
            at,
            incident: incident.clone(),
            change: opsassist::store::Change::Opened {
                key: opsassist::store::DedupKey {
                    source: alert.source,
                    fingerprint: "guard-1".into(),
                },
                alert: Arc::new(alert.clone()),
            },
        },
        opsassist::store::InboxRecord {
            at,
            incident: incident.clone(),
            change: opsassist::store::Change::Started {
                session: handle.id.clone(),
            },
        },
    ];
    pg.append(&records).expect("append");
    let bob = pg
        .lease(&incident, "bob", Duration::from_secs(30))
        .expect("lease");
    assert!(matches!(bob, ClaimOutcome::Won { .. }), "{bob:?}");
    assert!(handle.send(Op::UserMessage {
        text: "look again".into()
    }));
    recv_until(&mut rx, stopped_for_bob).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        fake.chat_count(),
        1,
        "a model turn started without the claim"
    );
}

#[test]
fn a_stored_event_is_never_rewritten_by_another_console() {
    let pg = store();
    let sink: &dyn EventSink = pg.as_ref();
    sink.put("s-fence", &[(1, "one".into()), (2, "two".into())])
        .expect("first commit");
    // A retry of the same lines is fine.
    sink.put("s-fence", &[(2, "two".into())]).expect("retry");
    // A console cut off after a take-over writes its own seq 2: refused, nothing changes.
    let err = sink
        .put("s-fence", &[(2, "stale".into()), (3, "three".into())])
        .expect_err("a different line under a stored seq");
    assert!(err.contains("another console"), "{err}");
    assert_eq!(sink.lines("s-fence").expect("lines"), vec!["one", "two"]);
}
