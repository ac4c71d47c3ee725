//! Incidents of earlier runs: listed below live ones newest first, without duplicates, and
//! their transcripts read from the log only when selected.

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::KeyCode;

use crate::protocol::{Event, EventEnvelope, SessionState};
use crate::session::SessionSummary;

use super::super::app::{AppEvent, Command, History};
use super::*;

fn summary_n(i: usize, state: SessionState) -> SessionSummary {
    SessionSummary {
        id: format!("past-{i:05}"),
        started: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(i as i64),
        title: format!("Disk full on db-{i}"),
        host: Some(format!("db-{i}")),
        severity: Some("critical".into()),
        source: "grafana".into(),
        state,
        resolved: None,
    }
}

fn envelopes(id: &str, events: Vec<Event>) -> Vec<EventEnvelope> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| EventEnvelope {
            session_id: id.into(),
            seq: i as u64 + 1,
            at: Utc.with_ymd_and_hms(2025, 3, 11, 2, 15, 0).unwrap(),
            event,
        })
        .collect()
}

fn finished_log(id: &str) -> Vec<EventEnvelope> {
    let mut events = started();
    events.push(Event::ModelText {
        text: "The disk filled with old WAL segments.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished".into(),
    });
    envelopes(id, events)
}

fn screen_text(app: &App) -> String {
    let terminal = draw(app, 120, 30);
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn past_incidents_follow_live_ones_newest_first_without_duplicates() {
    let mut app = app();
    feed(&mut app, SID, started());
    let mut summaries: Vec<SessionSummary> = (0..10_000)
        .map(|i| summary_n(i, SessionState::Done))
        .collect();
    summaries[17].state = SessionState::Failed;
    summaries[18].state = SessionState::Interrupted;
    // The live incident is also on disk: it must not appear twice.
    let mut dup = summary_n(20_000, SessionState::Investigating);
    dup.id = SID.into();
    summaries.push(dup);
    summaries.reverse();
    summaries.swap(3, 9000);
    app.apply_app_event(AppEvent::PastSessions(Ok(summaries)));

    assert_eq!(app.incidents.len(), 10_001);
    assert_eq!(app.live_len(), 1);
    assert_eq!(app.incidents[0].session_id, SID);
    assert_eq!(app.incidents[1].session_id, "past-09999");
    assert_eq!(app.incidents[10_000].session_id, "past-00000");
    assert!(
        app.incidents[1..]
            .windows(2)
            .all(|w| w[0].session_id > w[1].session_id)
    );
    let counts = app.state_counts();
    assert!(counts.contains(&(SessionState::Done, 9_998)));
    assert!(counts.contains(&(SessionState::Failed, 1)));
    assert!(counts.contains(&(SessionState::Interrupted, 1)));
    assert_eq!(app.selected, 0, "the live incident stays selected");

    let text = screen_text(&app);
    assert!(text.contains("Incidents (10001)"), "{text}");
    assert!(text.contains("Disk full on db-9999"), "{text}");
    assert!(!text.contains("Disk full on db-0 "), "{text}");
}

#[test]
fn selecting_a_past_incident_loads_its_log_once() {
    let mut app = app();
    app.apply_app_event(AppEvent::PastSessions(Ok(vec![
        summary_n(1, SessionState::Done),
        summary_n(2, SessionState::Interrupted),
    ])));
    assert_eq!(app.selected, 0);
    assert_eq!(
        app.pending_io(),
        vec![Command::LoadHistory {
            session_id: "past-00002".into()
        }]
    );
    assert!(app.pending_io().is_empty(), "asked only once");
    assert!(screen_text(&app).contains("Loading this incident's transcript"));

    // While a read is in flight, moving on asks for nothing more (one read at a time).
    app.handle_key(key(KeyCode::Char('j')));
    assert!(app.pending_io().is_empty());
    app.apply_app_event(AppEvent::History {
        session_id: "past-00002".into(),
        result: Ok(finished_log("past-00002")),
    });
    assert_eq!(
        app.pending_io(),
        vec![Command::LoadHistory {
            session_id: "past-00001".into()
        }]
    );
    app.apply_app_event(AppEvent::History {
        session_id: "past-00001".into(),
        result: Ok(finished_log("past-00001")),
    });
    let incident = app.current().unwrap();
    assert_eq!(incident.history, History::Loaded);
    assert_eq!(incident.state, SessionState::Done);
    let text = screen_text(&app);
    assert!(text.contains("old WAL segments"), "{text}");
    assert!(text.contains("done: the model finished"), "{text}");
    assert!(app.pending_io().is_empty());
    // The transcript read before was dropped when this one was read: only one is held.
    assert_eq!(app.incidents[0].history, History::NotLoaded);
    assert_eq!(app.incidents[0].transcript.len_lines(), 0);
    assert_eq!(app.incidents[0].state, SessionState::Interrupted);
    app.handle_key(key(KeyCode::Char('k')));
    assert_eq!(
        app.pending_io(),
        vec![Command::LoadHistory {
            session_id: "past-00002".into()
        }]
    );
}

#[test]
fn unreadable_log_is_reported_in_the_transcript() {
    let mut app = app();
    app.apply_app_event(AppEvent::PastSessions(Ok(vec![summary_n(
        1,
        SessionState::Done,
    )])));
    app.pending_io();
    app.apply_app_event(AppEvent::History {
        session_id: "past-00001".into(),
        result: Err("permission denied".into()),
    });
    let text = screen_text(&app);
    assert!(
        text.contains("cannot read this incident's log: permission denied"),
        "{text}"
    );
}

#[test]
fn events_during_loading_wait_and_are_not_applied_twice() {
    let mut app = app();
    app.apply_app_event(AppEvent::PastSessions(Ok(vec![summary_n(
        1,
        SessionState::Done,
    )])));
    app.pending_io();
    let mut log = finished_log("past-00001");
    let resumed = EventEnvelope {
        session_id: "past-00001".into(),
        seq: log.len() as u64 + 1,
        at: Utc::now(),
        event: Event::UserMessage {
            text: "check the replica too".into(),
        },
    };
    let state = EventEnvelope {
        seq: resumed.seq + 1,
        event: Event::State {
            state: SessionState::Investigating,
        },
        ..resumed.clone()
    };
    app.apply(resumed.clone());
    app.apply(state.clone());
    assert_eq!(app.current().unwrap().transcript.len_lines(), 0);
    // The log was read after the resumed session wrote its message.
    log.push(resumed);
    app.apply_app_event(AppEvent::History {
        session_id: "past-00001".into(),
        result: Ok(log),
    });
    let incident = app.current().unwrap();
    assert_eq!(incident.state, SessionState::Investigating);
    let text = screen_text(&app);
    assert_eq!(text.matches("check the replica too").count(), 1, "{text}");
    assert!(
        app.state_counts()
            .contains(&(SessionState::Investigating, 1))
    );
}

#[test]
fn a_new_incident_goes_above_past_ones_and_keeps_the_selection() {
    let mut app = app();
    app.apply_app_event(AppEvent::PastSessions(Ok((0..5)
        .map(|i| summary_n(i, SessionState::Done))
        .collect())));
    app.handle_key(key(KeyCode::Char('j')));
    app.handle_key(key(KeyCode::Char('j')));
    let chosen = app.current().unwrap().session_id.clone();
    feed(&mut app, SID, started());
    assert_eq!(app.incidents[0].session_id, SID);
    assert_eq!(app.current().unwrap().session_id, chosen);
    app.follow_new_incident();
    feed(&mut app, "s-2", started());
    assert_eq!(app.incidents[1].session_id, "s-2");
    assert_eq!(app.current().unwrap().session_id, "s-2");
    assert_eq!(app.live_len(), 2);
    // Events still reach the right incidents after the shift.
    feed(
        &mut app,
        SID,
        vec![Event::State {
            state: SessionState::Running,
        }],
    );
    assert_eq!(app.incidents[0].state, SessionState::Running);
}

#[test]
fn events_for_an_unread_past_incident_wait_until_it_is_read() {
    let mut app = app();
    app.apply_app_event(AppEvent::PastSessions(Ok(vec![
        summary_n(1, SessionState::Done),
        summary_n(2, SessionState::Done),
    ])));
    let resumed = EventEnvelope {
        session_id: "past-00001".into(),
        seq: 10,
        at: Utc::now(),
        event: Event::UserMessage {
            text: "check the replica too".into(),
        },
    };
    app.apply(resumed);
    app.handle_key(key(KeyCode::Char('j')));
    assert_eq!(
        app.pending_io(),
        vec![Command::LoadHistory {
            session_id: "past-00001".into()
        }]
    );
    app.apply_app_event(AppEvent::History {
        session_id: "past-00001".into(),
        result: Ok(finished_log("past-00001")),
    });
    assert_eq!(app.current().unwrap().history, History::Live);
    let text = screen_text(&app);
    assert!(text.contains("old WAL segments"), "{text}");
    assert!(text.contains("check the replica too"), "{text}");
}
