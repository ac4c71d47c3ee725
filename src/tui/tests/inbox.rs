//! Received incidents waiting for the operator: listed as rows, started with the start key
//! (handed to the intake watcher), dropped once taken up, with the selection kept in place.

use crossterm::event::KeyCode;

use super::super::app::{AppEvent, Command};
use super::super::inbox::Waiting;
use super::{app, key};

fn waiting(id: &str) -> Waiting {
    Waiting {
        id: id.into(),
        source: "alertmanager".into(),
        severity: Some("critical".into()),
        host: Some("mq-3".into()),
        title: format!("Queue backlog {id}"),
        alert: Box::new(super::alert()),
    }
}

#[test]
fn start_key_hands_the_selected_waiting_incident_to_the_watcher() {
    let mut app = app();
    app.apply_app_event(AppEvent::Waiting(vec![waiting("inc-1"), waiting("inc-2")]));
    assert_eq!(app.incidents.len(), 2);
    assert!(app.incidents.iter().all(|i| i.received));
    let selected = app.current().map(|i| i.session_id.clone()).expect("row");
    // The key handler returns the request for the loop to send.
    assert_eq!(
        app.handle_key(key(KeyCode::Char('s'))),
        vec![Command::Desk(crate::protocol::DeskOp::Start {
            incident: selected.clone()
        })]
    );
    // Pressed twice before the watcher answers: one request.
    assert!(app.handle_key(key(KeyCode::Char('s'))).is_empty());
    assert!(app.pending_io().is_empty());
    // A start that failed may be asked again.
    app.apply_app_event(AppEvent::SessionStartFailed("no".into()));
    app.selected = app
        .incidents
        .iter()
        .position(|i| i.session_id == selected)
        .expect("still listed");
    assert_eq!(
        app.handle_key(key(KeyCode::Char('s'))),
        vec![Command::Desk(crate::protocol::DeskOp::Start {
            incident: selected
        })]
    );
}

#[test]
fn taken_rows_leave_and_the_selection_stays_on_its_incident() {
    let mut app = app();
    app.apply_app_event(AppEvent::Waiting(vec![
        waiting("inc-1"),
        waiting("inc-2"),
        waiting("inc-3"),
    ]));
    let keep = app.incidents[2].session_id.clone();
    app.selected = 2;
    let gone = app.incidents[0].session_id.clone();
    let rest: Vec<Waiting> = app
        .incidents
        .iter()
        .filter(|i| i.session_id != gone)
        .map(|i| waiting(&i.session_id))
        .collect();
    app.apply_app_event(AppEvent::Waiting(rest));
    assert_eq!(app.incidents.len(), 2);
    assert_eq!(app.current().map(|i| i.session_id.clone()), Some(keep));
    assert_eq!(app.live_len(), 2);
    assert_eq!(app.state_counts().iter().map(|(_, n)| n).sum::<usize>(), 2);
    app.apply_app_event(AppEvent::Waiting(Vec::new()));
    assert!(app.incidents.is_empty());
}

#[test]
fn start_key_on_a_session_row_starts_nothing() {
    let mut app = app();
    super::feed(&mut app, super::SID, super::started());
    let commands = app.handle_key(key(KeyCode::Char('s')));
    assert!(
        !commands.iter().any(|c| matches!(c, Command::Desk(_))),
        "{commands:?}"
    );
    assert!(app.pending_io().is_empty());
}

#[test]
fn details_of_a_waiting_incident_show_its_alert_before_it_starts() {
    let mut app = app();
    app.apply_app_event(AppEvent::Waiting(vec![waiting("inc-1")]));
    assert!(app.handle_key(key(KeyCode::Char('d'))).is_empty());
    assert!(
        matches!(app.overlay, super::super::overlay::Overlay::Text(_)),
        "d opens the alert details of a received incident"
    );
}
