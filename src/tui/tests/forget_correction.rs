//! Past corrections the core added to an incident's prompt: `P` lists them with the incident
//! they were shown to, and `r` then `y` asks the desk to forget one (`DeskOp::ForgetCorrection`);
//! the desk's answer removes the row.

use crossterm::event::KeyCode;

use crate::protocol::{DeskOp, Event, UsedCorrection};

use super::super::app::{App, AppEvent, Command};
use super::*;

fn used(id: &str) -> UsedCorrection {
    UsedCorrection {
        id: id.into(),
        title: "replication lag 412s on db-prod-02".into(),
        session_id: "s-20261201-0303-ab12".into(),
        score: 0.71,
        shared: vec!["replication".into(), "lag".into()],
        proposed: "systemctl restart postgresql".into(),
        executed: "psql -c 'select * from pg_stat_replication'".into(),
    }
}

fn with_examples() -> App {
    let mut app = app();
    let mut events = started();
    events.push(Event::CorrectionsUsed {
        examples: vec![used("1a2b3c4d")],
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_rules(Ok(Vec::new()));
    app
}

fn text(app: &App, width: u16, height: u16) -> String {
    screen_text(app, width, height)
}

#[test]
fn p_lists_the_corrections_an_incident_s_prompt_used() {
    let app = with_examples();
    let screen = text(&app, 80, 24);
    assert!(!screen.contains("no rules are loaded"), "{screen}");
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '┃' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("correction 1a2b3c4d from"), "{screen}");
    assert!(flat.contains("r forgets it"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn r_then_y_asks_the_desk_to_forget_it_and_its_answer_removes_the_row() {
    let mut app = with_examples();
    assert!(app.handle_key(key(KeyCode::Char('r'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("forget correction 1a2b3c4d")),
        "{:?}",
        app.message
    );
    assert_eq!(
        app.handle_key(key(KeyCode::Char('y'))),
        vec![Command::Desk(DeskOp::ForgetCorrection {
            id: "1a2b3c4d".into()
        })]
    );
    app.apply_app_event(AppEvent::CorrectionForgotten {
        id: "1a2b3c4d".into(),
        removed: 1,
    });
    assert!(app.incidents[0].examples.is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("forgot correction 1a2b3c4d")),
        "{:?}",
        app.message
    );
    let screen = text(&app, 80, 24);
    assert!(!screen.contains("example "), "{screen}");
    assert!(screen.contains("no rules are loaded"), "{screen}");
    assert!(
        !screen.contains("ACTION"),
        "no header over an empty list: {screen}"
    );
}

#[test]
fn any_other_key_keeps_the_correction_and_an_unknown_id_is_said() {
    let mut app = with_examples();
    app.handle_key(key(KeyCode::Char('r')));
    assert!(app.handle_key(key(KeyCode::Char('n'))).is_empty());
    assert_eq!(app.incidents[0].examples.len(), 1);
    app.apply_app_event(AppEvent::CorrectionForgotten {
        id: "ffffffff".into(),
        removed: 0,
    });
    assert_eq!(app.incidents[0].examples.len(), 1);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("no correction has id ffffffff")),
        "{:?}",
        app.message
    );
}
