//! Two consoles (two processes, two data dirs) on one team database, in tmux: both list the
//! incident a receiver took in; alice presses `c` and is on it; bob presses `c` on the same
//! incident and is told "alice is on it"; alice releases with `C` and bob's `c` then wins.

#[path = "support/receiver.rs"]
mod receiver;
mod support;

use receiver::{Served, TOKEN, write_config};
use support::fake_llm::FakeLlm;
use support::postgres;
use support::tmux::Pane;

fn console(name: &str, user: &str, url: &str, fake: &FakeLlm) -> Pane {
    Pane::start_as(name, user, &format!("[store]\nurl = {url:?}\n"), fake)
}

#[test]
fn two_consoles_share_the_board_and_one_claim_wins() {
    let url = postgres::database("consoles");
    let recv = tempfile::tempdir().expect("tempdir");
    write_config(recv.path(), &format!("\n[store]\nurl = {url:?}\n"));
    let served = Served::start(recv.path());
    let fake = FakeLlm::spawn_blocking_openai(Vec::new());
    let alice = console("alice", "alice", &url, &fake);
    let bob = console("bob", "bob", &url, &fake);
    let body = serde_json::json!({
        "version": "4", "status": "firing", "receiver": "r", "groupKey": "g",
        "alerts": [{"status": "firing",
            "labels": {"alertname": "TeamBoardAlert", "severity": "critical", "instance": "db-1"},
            "annotations": {"summary": "Replication lag on db-1"},
            "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "team-tui-1"}]
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(served.url("/v1/alerts"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    });
    assert_eq!(status, 200);
    // Both consoles list it (shared board).
    for pane in [&alice, &bob] {
        pane.wait_for("the received incident", |s| {
            s.contains("Replication lag on db-1")
        });
    }
    alice.keys(&["c"]);
    alice.wait_for("alice's claim", |s| s.contains("you are on inc-"));
    bob.keys(&["c"]);
    bob.wait_for("bob told who holds it", |s| s.contains("alice is on it"));
    alice.keys(&["C"]);
    alice.wait_for("released", |s| s.contains("released inc-"));
    bob.keys(&["c"]);
    bob.wait_for("bob's claim", |s| s.contains("you are on inc-"));
}
