//! Smaller things of issue 25 item 8: the re-ask drawn with its call (before the result),
//! an interrupted command's empty output file, status lines that end with their work, and a
//! refused JSON edit that `e` reopens.

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Event, ExecSummary, SessionState, Target, Verdict};

use super::super::app::{App, Overlay};
use super::*;

fn text(app: &App, width: u16, height: u16) -> String {
    screen_text(app, width, height)
}

fn pending(command: &str, class: Class) -> App {
    let mut app = app();
    let mut events = started();
    let proposal = proposal("c1", command, class);
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

#[test]
fn the_asked_again_line_is_drawn_before_the_commands_result() {
    let mut app = pending("ls /tmp/junk", Class::ReadOnly);
    feed(
        &mut app,
        SID,
        vec![
            Event::ApprovalReasked(crate::protocol::Reask {
                call_id: "c1".into(),
                why: "the edited command is destructive: type `yes` to confirm".into(),
                command: "rm -rf /tmp/junk".into(),
                class: Class::Destructive,
                class_reason: "recursive delete".into(),
                needs_confirm: true,
                edit: Some("rm -rf /tmp/junk".into()),
                offer: None,
            }),
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Edited {
                    before: "ls /tmp/junk".into(),
                    after: "rm -rf /tmp/junk".into(),
                    class: Some(Class::Destructive),
                },
            },
            Event::ExecStarted {
                call_id: "c1".into(),
                target: Target::Ssh {
                    host: "web01".into(),
                },
                command: "rm -rf /tmp/junk".into(),
                output_path: None,
                process: None,
            },
            Event::ExecFinished {
                summary: summary("c1", "rm -rf /tmp/junk", "RESULT-LINE\n"),
            },
            Event::State {
                state: SessionState::Investigating,
            },
        ],
    );
    let screen = text(&app, 120, 40);
    let asked = screen
        .find("asked again: the edited command is destructive")
        .unwrap_or_else(|| panic!("no re-ask line:\n{screen}"));
    let result = screen
        .find("RESULT-LINE")
        .unwrap_or_else(|| panic!("no result:\n{screen}"));
    assert!(asked < result, "{screen}");
}

fn interrupted(bytes: u64, sha: &str) -> Box<ExecSummary> {
    let mut s = summary("c1", "sleep 30", "");
    s.exit_code = None;
    s.duration_ms = 0;
    s.stdout_bytes = bytes;
    s.output_sha256 = sha.into();
    s.output_path = "/nonexistent/opsassist/001-c1.log".into();
    s.model_output = crate::audit::INTERRUPTED.into();
    s.interrupted = true;
    s
}

#[test]
fn an_interrupted_command_with_an_empty_output_file_says_so() {
    let mut app = pending("sleep 30", Class::ReadOnly);
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    feed(
        &mut app,
        SID,
        vec![
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Approved,
            },
            Event::ExecFinished {
                summary: interrupted(0, empty),
            },
        ],
    );
    let screen = text(&app, 120, 40);
    assert!(screen.contains("0 B in its output file"), "{screen}");
    assert!(!screen.contains("reading its output file"), "{screen}");
}

#[test]
fn cancel_and_interrupt_status_lines_end_with_the_work() {
    let mut app = pending("sleep 30", Class::ReadOnly);
    feed(
        &mut app,
        SID,
        vec![
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Approved,
            },
            Event::State {
                state: SessionState::Running,
            },
            Event::ExecStarted {
                call_id: "c1".into(),
                target: Target::Local,
                command: "sleep 30".into(),
                output_path: None,
                process: None,
            },
        ],
    );
    app.handle_key(key(KeyCode::Char('x')));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("cancelling the running command")),
        "{:?}",
        app.message
    );
    let mut done = summary("c1", "sleep 30", "");
    done.cancelled = true;
    done.exit_code = None;
    done.signal = Some(15);
    feed(
        &mut app,
        SID,
        vec![
            Event::ExecFinished { summary: done },
            Event::State {
                state: SessionState::Investigating,
            },
        ],
    );
    assert_eq!(app.message, None, "the cancel notice outlived the command");
    app.handle_key(key(KeyCode::Esc));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("interrupting the model")),
        "{:?}",
        app.message
    );
    // Another incident's events do not end it.
    feed(
        &mut app,
        "s-other",
        vec![Event::State {
            state: SessionState::Done,
        }],
    );
    assert!(app.message.is_some());
    feed(
        &mut app,
        SID,
        vec![Event::State {
            state: SessionState::Done,
        }],
    );
    assert_eq!(app.message, None, "the interrupt notice outlived the turn");
}

#[test]
fn a_refused_json_edit_is_reopened_by_e() {
    let mut app = app();
    let mut events = started();
    let mut proposal = proposal("c1", "restart_service nginx", Class::Change);
    proposal.shell = false;
    proposal.arguments = r#"{"service":"nginx"}"#.into();
    events.push(Event::CallProposed {
        proposal: proposal.clone(),
    });
    events.push(Event::ApprovalRequested { proposal });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('e')));
    let Overlay::Editor(editor) = &mut app.overlay else {
        panic!("editor not open");
    };
    editor.textarea =
        ratatui_textarea::TextArea::new(vec![r#"{"service":"nginx","host":"db9"}"#.to_string()]);
    let out = app.handle_key(ctrl('s'));
    assert_eq!(out.len(), 1, "{out:?}");
    feed(
        &mut app,
        SID,
        vec![Event::ApprovalReasked(crate::protocol::Reask {
            call_id: "c1".into(),
            why: "edit not accepted: host `db9` is not in the inventory".into(),
            command: "restart_service nginx".into(),
            class: Class::Change,
            class_reason: "not on the read-only list".into(),
            needs_confirm: false,
            edit: None,
            offer: None,
        })],
    );
    app.handle_key(key(KeyCode::Char('e')));
    match &app.overlay {
        Overlay::Editor(editor) => assert_eq!(
            editor.textarea.lines().join("\n"),
            r#"{"service":"nginx","host":"db9"}"#
        ),
        _ => panic!("editor not open"),
    }
}
