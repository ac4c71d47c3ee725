//! Pasting goes through the intake module (issue 14, "Many incidents"): in tmux, pasting the
//! same alert twice leaves one incident with count 2 and one model session; the second paste
//! says which incident it counted on; a paste the terminal does not bracket arrives whole.

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

/// A paste the terminal does not bracket (tmux `paste-buffer` without `-p`, terminals and SSH
/// clients without bracketed paste) arrives as keys, several kilobytes at once. All of it
/// reaches the editor with no further key: crossterm's default reader (edge-triggered epoll
/// on the tty) stopped after its first reads and went on only at the next key press.
#[test]
fn an_unbracketed_paste_of_several_kilobytes_arrives_whole() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(format!("Looks fine. final-{n}"))]);
    let pane = Pane::start("paste-raw", &fake);
    let mut labels = serde_json::Map::new();
    for i in 0..100 {
        labels.insert(
            format!("label_{i:02}"),
            format!("value {i} of a long label set").into(),
        );
    }
    let alert = serde_json::json!({
        "title": format!("Disk full on web-raw {n}"),
        "host": "web-raw",
        "severity": "critical",
        "labels": labels,
        "description": format!("the last line names tail-{n}"),
    });
    let text = serde_json::to_string_pretty(&alert).expect("json");
    assert!(text.len() > 4_096, "{} bytes", text.len());
    let lines = text.lines().count();
    let file = pane.dir.path().join("long-alert.json");
    std::fs::write(&file, &text).expect("write alert");
    pane.keys(&["n"]);
    pane.wait_for("editor", |s| s.contains("New alert"));
    pane.tmux(&["load-buffer", "-b", "raw", &file.to_string_lossy()]);
    pane.tmux(&["paste-buffer", "-b", "raw"]);
    pane.wait_for("every line of the paste, with no other key", |s| {
        s.contains(&format!("{lines} lines"))
    });
    pane.keys(&["C-s"]);
    pane.wait_for("the incident opened from the whole alert", |s| {
        s.contains(&format!("final-{n}"))
    });
    let listed = receiver::incidents(pane.dir.path());
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(
        listed[0]["alert"]["labels"]["label_99"],
        "value 99 of a long label set"
    );
    pane.quit();
}
