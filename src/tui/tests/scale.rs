//! Large outputs: only the visible window is read from disk, and scrolling asks for new windows.

use std::sync::Arc;

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::Event;

use super::super::app::{AppEvent, Command};
use super::super::output_file::LineIndex;
use super::*;

#[test]
fn expanded_output_reads_only_the_visible_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.log");
    let body: String = (0..100_000).map(|i| format!("output line {i}\n")).collect();
    std::fs::write(&path, body).unwrap();

    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "journalctl -n 100000", Class::ReadOnly),
    });
    let mut s = summary(
        "c1",
        "journalctl -n 100000",
        "output line 0\noutput line 1\n",
    );
    s.output_path = path.to_string_lossy().into_owned();
    events.push(Event::ExecFinished { summary: s });
    feed(&mut app, SID, events);
    draw(&app, 120, 40);

    let out = app.handle_key(key(KeyCode::Enter));
    let [
        Command::IndexOutput {
            path: p, call_id, ..
        },
    ] = out.as_slice()
    else {
        panic!("{out:?}")
    };
    let index = Arc::new(LineIndex::build(std::path::Path::new(p)).unwrap());
    app.apply_app_event(AppEvent::OutputIndexed {
        session_id: SID.into(),
        call_id: call_id.clone(),
        result: Ok(index),
    });
    assert!(app.current().unwrap().transcript.len_lines() > 100_000);

    let reads = app.pending_io();
    let [
        Command::ReadOutput {
            start,
            count,
            index,
            path,
            ..
        },
    ] = reads.as_slice()
    else {
        panic!("{reads:?}")
    };
    assert!(*count < 1000, "reads a window, not the file: {count}");
    let lines = index
        .read_window(std::path::Path::new(path), *start, *count)
        .unwrap();
    assert!(
        app.pending_io().is_empty(),
        "no duplicate read while one is in flight"
    );
    app.apply_app_event(AppEvent::OutputWindow {
        session_id: SID.into(),
        call_id: "c1".into(),
        start: *start,
        result: Ok(lines),
    });
    let screen = draw(&app, 120, 40).backend().to_string();
    assert!(screen.contains("output line 99999"), "{screen}");
    assert!(
        screen.contains("100000 lines; Enter to collapse"),
        "{screen}"
    );
    assert!(app.pending_io().is_empty(), "the window covers the view");

    app.handle_key(key(KeyCode::Char('g')));
    let reads = app.pending_io();
    assert!(
        matches!(reads.as_slice(), [Command::ReadOutput { start: 0, .. }]),
        "scrolling to the top asks for the first lines: {reads:?}"
    );
}
