//! A message the operator sends while the model is busy is echoed at once as queued, and
//! reaches the model when the turn ends.

mod session_harness;
mod support;

use std::time::Duration;

use opsassist::protocol::{Event, Op};
use opsassist::session;
use session_harness::{Setup, alert, core, drive};
use support::fake_llm::{FakeLlm, Reply};
use tokio::sync::mpsc;

#[tokio::test]
async fn a_message_sent_while_the_model_streams_is_echoed_as_queued_then_sent() {
    let fake = FakeLlm::openai(vec![
        Reply::Text("Looking at the CPU graphs for a while".into()),
        Reply::Text("Disk is fine too.".into()),
    ])
    .await;
    fake.set_chunk_delay(Duration::from_millis(300));
    let root = tempfile::tempdir().expect("tempdir");
    let core = core(root.path(), &fake, &Setup::default());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(core, alert("High CPU", "cpu at 99%"), tx).expect("start");
    let first = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::ModelDelta { .. }),
    )
    .await;
    assert!(
        !first
            .iter()
            .any(|e| matches!(e.event, Event::Finished { .. }))
    );
    assert!(handle.send(Op::UserMessage {
        text: "also check the disk".into()
    }));
    let rest = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::UserMessage { text } if text == "also check the disk"),
    )
    .await;
    let queued = rest.iter().position(|e| {
        matches!(&e.event, Event::Note { message } if message.contains("queued") && message.contains("also check the disk"))
    });
    let finished = rest
        .iter()
        .position(|e| matches!(e.event, Event::Finished { .. }));
    assert!(
        queued.is_some() && queued < finished,
        "echoed as queued while the model still worked: {rest:#?}"
    );
    let last = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::Finished { .. }),
    )
    .await;
    assert!(!last.is_empty());
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].to_string().contains("also check the disk"));
}
