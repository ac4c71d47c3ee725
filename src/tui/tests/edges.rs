//! Small rough edges of the console's prompts and editor: Ctrl+U clears a one-line prompt,
//! `e` on a structured tool opens its real JSON arguments, `YES` confirms like `yes`.

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op};

use super::super::app::{Command, Overlay};
use super::*;

#[test]
fn ctrl_u_clears_a_one_line_prompt() {
    let mut app = app();
    feed(&mut app, SID, started());
    app.handle_key(key(KeyCode::Char('m')));
    type_text(&mut app, "first try");
    app.handle_key(ctrl('u'));
    match &app.overlay {
        Overlay::Prompt(p) => assert_eq!(p.input, ""),
        _ => panic!("prompt closed"),
    }
    type_text(&mut app, "second");
    let out = app.handle_key(key(KeyCode::Enter));
    assert!(
        out.iter().any(
            |c| matches!(c, Command::Send { op: Op::UserMessage { text }, .. } if text == "second")
        ),
        "{out:?}"
    );
}

#[test]
fn e_on_a_structured_tool_opens_its_json_arguments() {
    let mut app = app();
    let mut events = started();
    let mut structured = proposal("c1", "du -x -d 1 /var", Class::ReadOnly);
    structured.tool = "disk_usage".into();
    structured.shell = false;
    structured.arguments = r#"{"path":"/var","depth":1}"#.into();
    events.push(Event::CallProposed {
        proposal: structured.clone(),
    });
    events.push(Event::ApprovalRequested {
        proposal: structured,
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('e')));
    match &app.overlay {
        Overlay::Editor(ed) => {
            let text = ed.textarea.lines().join("\n");
            let value: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("not the JSON arguments: {e}: {text}"));
            assert_eq!(value, serde_json::json!({"path": "/var", "depth": 1}));
        }
        _ => panic!("editor not open"),
    }
}

#[test]
fn upper_case_yes_confirms_a_destructive_call() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "rm -rf /tmp/cache", Class::Destructive),
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('a')));
    type_text(&mut app, "YES");
    let out = app.handle_key(key(KeyCode::Enter));
    assert!(
        out.iter().any(|c| matches!(
            c,
            Command::Send {
                op: Op::Decide {
                    decision: Decision::Approve { confirm: Some(word) },
                    ..
                },
                ..
            } if word == "YES"
        )),
        "{out:?}"
    );
}
