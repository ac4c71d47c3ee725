//! Decision keys act only on the call that was on screen, after the guard time since it was
//! first shown; with no command line visible, `a` opens the full-screen call view.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op};

use super::super::app::{Command, Overlay};
use super::*;

fn three_calls() -> App {
    let mut app = app();
    app.guard = Duration::from_millis(400);
    let mut events = started();
    for (id, command, class) in [
        ("c1", "uptime", Class::ReadOnly),
        ("c2", "touch /tmp/x", Class::Change),
        ("c3", "rm -f /tmp/x", Class::Destructive),
    ] {
        events.push(Event::ApprovalRequested {
            proposal: proposal(id, command, class),
        });
    }
    feed(&mut app, SID, events);
    app
}

fn decided(commands: &[Command]) -> Option<(String, Decision)> {
    match commands {
        [
            Command::Send {
                op: Op::Decide { call_id, decision },
                ..
            },
        ] => Some((call_id.clone(), decision.clone())),
        _ => None,
    }
}

#[test]
fn a_a_decides_only_the_call_that_was_on_screen() {
    let mut app = three_calls();
    app.seen = None;
    let t0 = Instant::now();
    app.drawn(120, 40, t0);
    let a = key(KeyCode::Char('a'));
    assert_eq!(
        decided(&app.handle_key_at(a, t0 + Duration::from_millis(100))),
        None,
        "just shown: the guard holds"
    );
    let out = app.handle_key_at(a, t0 + Duration::from_millis(500));
    assert_eq!(
        decided(&out),
        Some(("c1".into(), Decision::Approve { confirm: None }))
    );
    // The second press comes before the screen shows c2.
    assert_eq!(
        decided(&app.handle_key_at(a, t0 + Duration::from_millis(520))),
        None,
        "c2 was never on screen"
    );
    // Drawn now: c2 is new, so its guard starts.
    app.drawn(120, 40, t0 + Duration::from_millis(530));
    assert_eq!(
        decided(&app.handle_key_at(a, t0 + Duration::from_millis(600))),
        None
    );
    let out = app.handle_key_at(a, t0 + Duration::from_millis(1000));
    assert_eq!(
        decided(&out),
        Some(("c2".into(), Decision::Approve { confirm: None }))
    );
}

#[test]
fn the_guard_hint_shows_while_it_lasts() {
    let mut app = three_calls();
    app.seen = None;
    let t0 = Instant::now();
    app.drawn(120, 40, t0);
    app.now = t0 + Duration::from_millis(100);
    let screen = draw(&app, 120, 40).backend().to_string();
    assert!(screen.contains("decision keys work in 300 ms"), "{screen}");
    app.now = t0 + Duration::from_millis(500);
    let screen = draw(&app, 120, 40).backend().to_string();
    assert!(!screen.contains("decision keys work in"), "{screen}");
}

#[test]
fn without_a_visible_command_line_a_opens_the_call_view() {
    let mut app = three_calls();
    app.guard = Duration::ZERO;
    shown(&mut app);
    if let Some(seen) = &mut app.seen {
        seen.command_whole = false;
    }
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    assert!(matches!(&app.overlay, Overlay::CallView(v) if v.call_id == "c1"));
    let screen = draw(&app, 60, 15).backend().to_string();
    assert!(screen.contains("$ uptime"), "{screen}");
    shown(&mut app);
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert_eq!(
        decided(&out),
        Some(("c1".into(), Decision::Approve { confirm: None }))
    );
}
