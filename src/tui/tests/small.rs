//! The main screens at 80x24 (and below the minimum size): the command, its class and the
//! `?`/`q` hints stay on screen; the help scrolls; the no-LLM banner takes one line.

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use crate::policy::Class;
use crate::protocol::{Event, SessionState};

use super::super::app::LlmState;
use super::*;

fn pending(command: &str, class: Class) -> App {
    let mut app = app();
    let mut events = started();
    events.push(Event::ModelText {
        text: "The load is high; let me look at the busiest processes first.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::CallProposed {
        proposal: proposal("c1", command, class),
    });
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", command, class),
    });
    events.push(Event::State {
        state: SessionState::AwaitingApproval,
    });
    feed(&mut app, SID, events);
    app
}

fn essentials(screen: &str, command_start: &str) {
    assert!(screen.contains(command_start), "command visible:\n{screen}");
    assert!(screen.contains("class "), "class visible:\n{screen}");
    assert!(
        screen.contains("? help") && screen.contains("q quit"),
        "hints visible:\n{screen}"
    );
}

#[test]
fn approval_at_80x24() {
    // Destructive: no prefix is offered, so this screen does not depend on the prefix grammar.
    let app = pending("rm -rf /var/log/old", Class::Destructive);
    let screen = draw(&app, 80, 24).backend().to_string();
    essentials(&screen, "$ rm -rf /var/log/old");
    assert!(screen.contains("type yes"), "{screen}");
    assert!(screen.contains("A: no prefix for this command"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn long_command_at_80x24_and_60x15_shows_a_full_line() {
    let long: Vec<String> = (1..=72)
        .map(|i| format!("echo step-{i:02} && ps aux | head -n {i}"))
        .collect();
    let app = pending(&long.join(" \\\n  "), Class::Change);
    for (w, h) in [(80, 24), (60, 15)] {
        let screen = draw(&app, w, h).backend().to_string();
        essentials(&screen, "$ echo step-01");
        assert!(screen.contains("more lines"), "{screen}");
    }
    assert_snapshot!(draw(&app, 60, 15).backend().to_string());
}

#[test]
fn help_at_80x24_scrolls() {
    let mut app = app();
    app.handle_key(key(KeyCode::Char('?')));
    let top = draw(&app, 80, 24).backend().to_string();
    assert!(top.contains("j/k scroll"), "{top}");
    for _ in 0..30 {
        app.handle_key(key(KeyCode::Char('j')));
    }
    let bottom = draw(&app, 80, 24).backend().to_string();
    assert!(bottom.contains("Keys can be changed"), "{bottom}");
    assert!(!top.contains("Keys can be changed"), "{top}");
    assert_snapshot!(bottom);
}

#[test]
fn no_llm_banner_is_one_line_once_an_incident_is_open() {
    let mut app = pending("rm -rf /var/log/old", Class::Destructive);
    app.llm = LlmState::Unreachable("connection refused (is the server running?)".into());
    let screen = draw(&app, 80, 24).backend().to_string();
    essentials(&screen, "$ rm -rf /var/log/old");
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.contains(" No LLM: cannot reach")),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn below_the_minimum_size_a_notice_replaces_the_layout() {
    let mut app = pending("uptime", Class::ReadOnly);
    let screen = draw(&app, 40, 10).backend().to_string();
    assert!(
        screen.contains("terminal too small (need 50×12)"),
        "{screen}"
    );
    app.drawn(40, 10, std::time::Instant::now());
    assert!(app.seen.is_none(), "no call is on screen");
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    assert_snapshot!(screen);
}

#[test]
fn auto_approved_and_refused_calls_are_in_the_transcript_at_80x24() {
    let mut app = app();
    let mut events = started();
    let auto = proposal("c1", "uptime", Class::ReadOnly);
    let refused = proposal("c2", "systemctl restart php-fpm", Class::Change);
    events.push(Event::CallProposed { proposal: auto });
    events.push(Event::CallProposed { proposal: refused });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: crate::protocol::Verdict::AutoApproved {
            rule: "auto-approve read-only".into(),
        },
    });
    events.push(Event::ExecFinished {
        summary: summary("c1", "uptime", "up 3 days, load average: 9.1\n"),
    });
    events.push(Event::Decided {
        call_id: "c2".into(),
        verdict: crate::protocol::Verdict::Refused {
            reason: "refused: the session is in check mode".into(),
        },
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 80, 24).backend().to_string();
    for want in [
        "    uptime",
        "⟳ auto (auto-approve read-only)",
        "│ up 3 days",
        "    systemctl restart php-fpm",
        "⊘ refused: the session is in check mode",
    ] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    assert!(
        !screen.contains("refused: refused"),
        "doubled word:\n{screen}"
    );
    let wide = draw(&app, 120, 40).backend().to_string();
    assert!(wide.contains("· 2 calls"), "{wide}");
    assert_eq!(
        app.current().map(|i| i.calls),
        Some(super::super::app::CallCounts {
            total: 2,
            auto: 1,
            refused: 1
        })
    );
    assert_snapshot!(screen);
}
