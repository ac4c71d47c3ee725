//! The spinner while the model works, the contextual cancel / interrupt / retry keys and the
//! status bar's connection state.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;

use crate::protocol::{Event, Op, SessionState, Target};

use super::super::app::{Command, LlmState};
use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn sent(commands: &[Command]) -> Vec<Op> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Send { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_spinner_shows_elapsed_seconds_while_the_model_works() {
    let mut app = app();
    feed(&mut app, SID, started());
    let now = Instant::now();
    app.now = now;
    app.incidents[0].working_since = now.checked_sub(Duration::from_millis(12_400));
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("model working · 12 s · Esc interrupts"),
        "{screen}"
    );
    assert!(
        screen.contains("Esc interrupt"),
        "the hint names the key: {screen}"
    );
    assert_snapshot!(draw(&app, 120, 32).backend());

    feed(
        &mut app,
        SID,
        vec![Event::State {
            state: SessionState::Done,
        }],
    );
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(!screen.contains("model working"), "{screen}");
}

/// Call `c1` running `command` locally: asked, approved, started.
fn approved_and_running(command: &str) -> Vec<Event> {
    vec![
        Event::ApprovalRequested {
            proposal: proposal("c1", command, crate::policy::Class::ReadOnly),
        },
        Event::Decided {
            call_id: "c1".into(),
            verdict: crate::protocol::Verdict::Approved,
        },
        Event::State {
            state: SessionState::Running,
        },
        Event::ExecStarted {
            call_id: "c1".into(),
            target: Target::Local,
            command: command.into(),
            output_path: None,
            process: None,
        },
    ]
}

#[test]
fn esc_interrupts_only_a_working_model_and_x_cancels_only_a_running_command() {
    let mut app = app();
    feed(&mut app, SID, started());
    assert_eq!(
        sent(&app.handle_key(key(KeyCode::Esc))),
        vec![Op::Interrupt]
    );
    assert!(sent(&app.handle_key(key(KeyCode::Char('x')))).is_empty());

    feed(&mut app, SID, approved_and_running("sleep 30"));
    assert!(sent(&app.handle_key(key(KeyCode::Esc))).is_empty());
    assert_eq!(
        sent(&app.handle_key(key(KeyCode::Char('x')))),
        vec![Op::Cancel {
            call_id: Some("c1".into())
        }]
    );
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("x cancel"), "{screen}");
}

#[test]
fn a_running_command_shows_its_elapsed_time_and_keeps_the_screen_ticking() {
    use chrono::TimeZone;
    let mut app = app();
    let mut events = started();
    events.extend(approved_and_running("sleep 300"));
    // `feed` stamps every event 2025-03-11 02:15:00 UTC.
    feed(&mut app, SID, events);
    let started = chrono::Utc
        .with_ymd_and_hms(2025, 3, 11, 2, 15, 0)
        .single()
        .unwrap_or_default();
    assert!(super::super::widgets::spinner::animating(&app));
    app.wall = started + chrono::Duration::seconds(12);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("⏳ running since 02:15:00 (12 s)"),
        "{screen}"
    );
    app.wall = started + chrono::Duration::seconds(75);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("⏳ running since 02:15:00 (1 min 15 s)"),
        "{screen}"
    );
}

#[test]
fn r_retries_a_failed_turn_without_a_message() {
    let mut app = app();
    let mut events = started();
    events.push(Event::Finished {
        state: SessionState::Failed,
        reason: "server error 503".into(),
    });
    feed(&mut app, SID, events);
    let ops = sent(&app.handle_key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT)));
    assert_eq!(ops, vec![Op::Retry]);
}

#[test]
fn the_status_bar_says_disconnected_after_a_failure_and_connected_after_a_success() {
    let mut app = app();
    feed(&mut app, SID, started());
    let connection = |ok: bool| Event::Connection {
        connected: ok,
        detail: "x".into(),
    };
    feed(&mut app, SID, vec![connection(false)]);
    assert!(matches!(app.llm, LlmState::Disconnected(_)));
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("✘ disconnected"), "{screen}");
    feed(&mut app, SID, vec![connection(true)]);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("● connected"), "{screen}");
}

#[test]
fn a_status_message_clears_after_a_while() {
    let mut app = app();
    app.notify(
        super::super::transcript_store::NoteKind::Info,
        "opening 1 incident(s)",
    );
    let t0 = Instant::now();
    app.expire_message(t0);
    assert!(app.message.is_some());
    app.expire_message(t0 + Duration::from_secs(2));
    assert!(app.message.is_some());
    app.expire_message(t0 + Duration::from_secs(7));
    assert!(app.message.is_none());
}
