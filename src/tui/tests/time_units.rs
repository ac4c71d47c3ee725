//! Time and units in the console: entry times, human durations and sizes, the last lines of
//! a finished command, the incident's token total, markdown in model text, and a question
//! from the model told apart from "done".

use crate::policy::Class;
use crate::protocol::{Event, SessionState, Verdict};

use super::*;

fn finished_call(duration_ms: u64, bytes: u64) -> Vec<Event> {
    let mut events = started();
    events.push(Event::CallProposed {
        proposal: proposal("c1", "journalctl -u nginx", Class::ReadOnly),
    });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: Verdict::Approved,
    });
    let mut s = summary(
        "c1",
        "journalctl -u nginx",
        "first\nsecond\nthird\nfourth\nfifth\nlast line\n",
    );
    s.duration_ms = duration_ms;
    s.stdout_bytes = bytes;
    events.push(Event::ExecFinished { summary: s });
    events
}

#[test]
fn a_finished_call_reads_in_human_units_and_previews_its_last_lines() {
    let mut app = app();
    feed(&mut app, SID, finished_call(16_140, 14_889_779));
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("16.1 s · 14.2 MiB out, 0 B err"),
        "{screen}"
    );
    assert!(screen.contains("│ last line"), "{screen}");
    assert!(
        screen.contains("[2 earlier lines, Enter to expand]"),
        "{screen}"
    );
    assert!(!screen.contains("│ first"), "{screen}");
}

#[test]
fn each_entry_shows_the_time_of_its_event() {
    let mut app = app();
    let events = finished_call(42, 10);
    for (i, event) in events.into_iter().enumerate() {
        app.apply(crate::protocol::EventEnvelope {
            session_id: SID.into(),
            seq: i as u64 + 1,
            at: Utc.with_ymd_and_hms(2025, 3, 11, 3, 4, i as u32).unwrap(),
            event,
        });
    }
    let screen = draw(&app, 120, 32).backend().to_string();
    // The alert (event 1) and the call (proposed in event 3).
    assert!(screen.contains("03:04:00"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("$ ssh_shell") && l.contains("03:04:02")),
        "{screen}"
    );
}

#[test]
fn the_status_bar_shows_the_selected_incidents_tokens() {
    let mut app = app();
    let usage = |p, c| Event::Usage {
        prompt_tokens: p,
        completion_tokens: c,
    };
    let mut a = started();
    a.push(usage(1000, 200));
    feed(&mut app, "s-a", a);
    let mut b = started();
    b.push(usage(30, 4));
    feed(&mut app, "s-b", b);
    app.selected = 1;
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("tokens 34 "), "{screen}");
    app.selected = 0;
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("tokens 1200 "), "{screen}");
}

#[test]
fn model_markdown_renders_bold_code_and_lists() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ModelText {
        text: "The **root cause** is `php-fpm`:\n- restart it\n```\nsystemctl restart php-fpm\n```"
            .into(),
        tool_calls: Vec::new(),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("The root cause is php-fpm:"), "{screen}");
    assert!(screen.contains("• restart it"), "{screen}");
    assert!(!screen.contains("**"), "{screen}");
}

#[test]
fn a_question_from_the_model_is_not_done() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ModelText {
        text: "Disk is 98% full.\nShould I delete the rotated logs in /var/log/nginx?".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::State {
        state: SessionState::Done,
    });
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished".into(),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("question for you"), "{screen}");
    let mut app = super::app();
    let mut events = started();
    events.push(Event::ModelText {
        text: "Fixed: the logs were rotated.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished".into(),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(!screen.contains("question for you"), "{screen}");
    assert!(screen.contains("   done"), "{screen}");
}

#[test]
fn a_cut_output_gets_its_exact_line_count_and_keeps_it_through_expand_and_collapse() {
    use super::super::app::{AppEvent, Command};
    use crossterm::event::KeyCode;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("001-c1.log");
    let body: String = (0..10_000).map(|i| format!("row {i}\n")).collect();
    std::fs::write(&path, &body).unwrap();
    let mut app = app();
    let mut events = started();
    events.push(Event::CallProposed {
        proposal: proposal("c1", "seq 10000", Class::ReadOnly),
    });
    // What the executor gives the model for a big output: head, marker, tail.
    let mut s = summary(
        "c1",
        "seq 10000",
        "row 0\nrow 1\n[68000 bytes omitted]\nrow 9998\nrow 9999\n",
    );
    s.stdout_bytes = body.len() as u64;
    s.output_path = path.to_string_lossy().into_owned();
    events.push(Event::ExecFinished { summary: s });
    feed(&mut app, SID, events);
    draw(&app, 120, 32);
    let io = app.pending_io();
    let index = io.iter().find_map(|c| match c {
        Command::IndexOutput {
            session_id,
            call_id,
            path,
        } => Some((session_id.clone(), call_id.clone(), path.clone())),
        _ => None,
    });
    let Some((session_id, call_id, file)) = index else {
        panic!("the cut preview on screen was not indexed: {io:?}");
    };
    app.apply_app_event(AppEvent::OutputIndexed {
        session_id,
        call_id,
        result: super::super::output_file::LineIndex::build(std::path::Path::new(&file))
            .map(std::sync::Arc::new)
            .map_err(|e| e.to_string()),
    });
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("[9996 earlier lines, Enter to expand]"),
        "{screen}"
    );
    let collapsed = app.incidents[0].transcript.len_lines();
    app.handle_key(key(KeyCode::Enter));
    let expanded = app.incidents[0].transcript.len_lines();
    assert_eq!(expanded, collapsed - 5 + 10_001, "body and the fold line");
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("[10000 lines; Enter to collapse]"),
        "{screen}"
    );
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.incidents[0].transcript.len_lines(), collapsed);
}
