//! `D` on a busy incident (confirm, then the core stops it: `Op::ResolveAndStop`), and the
//! prefixes remembered for one incident: the transcript line, `P` listing them, `r` revoking.

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Event, Op, SessionState, Target, Verdict};

use super::super::app::{App, Command, Overlay, PromptPurpose};
use super::*;

fn waiting() -> App {
    let mut app = app();
    let mut events = started();
    let proposal = proposal("c1", "touch changed-file", Class::Change);
    events.push(Event::CallProposed {
        proposal: proposal.clone(),
    });
    events.push(Event::ApprovalRequested { proposal });
    events.push(Event::State {
        state: SessionState::AwaitingApproval,
    });
    feed(&mut app, SID, events);
    app
}

fn text(app: &App, width: u16, height: u16) -> String {
    screen_text(app, width, height)
}

#[test]
fn shift_d_on_a_waiting_call_asks_to_stop_and_sends_the_stop_to_the_core() {
    let mut app = waiting();
    app.handle_key(key(KeyCode::Char('D')));
    assert!(matches!(
        &app.overlay,
        Overlay::Prompt(p) if matches!(p.purpose, PromptPurpose::Resolve { stop: true, .. })
    ));
    assert!(
        text(&app, 80, 24).contains("Stop the investigation and resolve?"),
        "{}",
        text(&app, 80, 24)
    );
    type_text(&mut app, "fixed by hand");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        out,
        vec![Command::Send {
            session_id: SID.into(),
            op: Op::ResolveAndStop {
                note: "fixed by hand".into()
            },
        }]
    );
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("stopping the investigation")),
        "{:?}",
        app.message
    );
    // Until the core answers, the incident is listed with its call waiting.
    assert_eq!(app.listed_incidents(), vec![0]);
    assert!(app.incidents[0].pending().is_some());
    // The core rejects the call, ends the session, and resolves it: the call leaves the
    // panel before the incident leaves the list, and nothing brings it back.
    feed(
        &mut app,
        SID,
        vec![
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Rejected {
                    reason: "the operator resolved the incident: fixed by hand; not run".into(),
                },
            },
            Event::State {
                state: SessionState::Done,
            },
        ],
    );
    assert!(app.incidents[0].pending().is_none());
    assert_eq!(app.listed_incidents(), vec![0]);
    feed(
        &mut app,
        SID,
        vec![
            Event::Resolved {
                note: "fixed by hand".into(),
            },
            Event::Finished {
                state: SessionState::Done,
                reason: "resolved by the operator; the investigation was stopped".into(),
            },
        ],
    );
    assert!(app.listed_incidents().is_empty());
    assert!(app.incidents[0].pending().is_none());
}

#[test]
fn shift_d_on_an_idle_incident_resolves_without_stopping() {
    let mut app = app();
    let mut events = started();
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished".into(),
    });
    events.push(Event::State {
        state: SessionState::Done,
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('D')));
    type_text(&mut app, "ok");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        out,
        vec![Command::Send {
            session_id: SID.into(),
            op: Op::Resolve { note: "ok".into() },
        }]
    );
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("resolving the incident")),
        "{:?}",
        app.message
    );
}

fn remembered() -> App {
    let mut app = waiting();
    feed(
        &mut app,
        SID,
        vec![
            Event::PrefixRemembered {
                call_id: "c1".into(),
                prefix: "touch".into(),
                class: Class::Change,
                target: Target::Ssh {
                    host: "web01".into(),
                },
            },
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Approved,
            },
        ],
    );
    app
}

#[test]
fn a_remembered_prefix_is_in_the_transcript_and_in_the_rules_view() {
    let mut app = remembered();
    let screen = text(&app, 120, 40);
    assert!(
        screen.contains("✔ approved · remembered `touch` for this incident"),
        "{screen}"
    );
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_rules(Ok(Vec::new()));
    let screen = text(&app, 100, 24);
    assert!(!screen.contains("no rules are loaded"), "{screen}");
    let row = screen
        .lines()
        .find(|l| l.contains("this incident"))
        .unwrap_or_else(|| panic!("no remembered row:\n{screen}"));
    assert!(row.contains("touch") && row.contains("ssh: web01"), "{row}");
}

#[test]
fn r_then_y_revokes_a_remembered_prefix_through_the_core() {
    let mut app = remembered();
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_rules(Ok(Vec::new()));
    assert!(app.handle_key(key(KeyCode::Char('r'))).is_empty());
    let out = app.handle_key(key(KeyCode::Char('y')));
    assert_eq!(
        out,
        vec![Command::Send {
            session_id: SID.into(),
            op: Op::ForgetPrefix {
                prefix: "touch".into(),
                target: Target::Ssh {
                    host: "web01".into(),
                },
            },
        }]
    );
    feed(
        &mut app,
        SID,
        vec![Event::PrefixForgotten {
            prefix: "touch".into(),
            target: Target::Ssh {
                host: "web01".into(),
            },
        }],
    );
    assert!(app.incidents[0].remembered.is_empty());
    assert!(!text(&app, 100, 24).contains("this incident"));
    // Another key than y keeps it.
    let mut app = remembered();
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_rules(Ok(Vec::new()));
    app.handle_key(key(KeyCode::Char('r')));
    assert!(app.handle_key(key(KeyCode::Char('n'))).is_empty());
    assert_eq!(app.incidents[0].remembered.len(), 1);
}
