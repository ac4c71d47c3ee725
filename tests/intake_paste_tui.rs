//! Pasting goes through the intake module (issue 14, "Many incidents"): in tmux, pasting the
//! same alert twice leaves one incident with count 2 and one model session; the second paste
//! says which incident it counted on.

#[path = "support/receiver.rs"]
mod receiver;
mod support;

use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{Pane, nonce};

#[test]
fn pasting_the_same_alert_twice_leaves_one_incident_with_count_2() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(format!("Looks fine. final-{n}"))]);
    let pane = Pane::start("paste-twice", &fake);
    pane.open_incident(&n);
    pane.wait_for("the first paste's session", |s| {
        s.contains(&format!("final-{n}"))
    });
    pane.open_incident(&n);
    let screen = pane.wait_for("the second paste counted on the first incident", |s| {
        s.contains("matches open incident") && s.contains("count 2")
    });
    assert!(screen.contains(&format!("web-e2e {n}")), "{screen}");
    let listed = receiver::incidents(pane.dir.path());
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["count"], 2, "{listed:#?}");
    assert_eq!(
        listed[0]["sessions"].as_array().map(Vec::len),
        Some(1),
        "{listed:#?}"
    );
    assert_eq!(fake.chat_count(), 1, "one model session");
    let sessions = std::fs::read_dir(pane.dir.path().join("data/sessions"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(sessions, 1, "one session log");
    pane.quit();
}
