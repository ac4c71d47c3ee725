//! Each key's exact command/decision.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op};

use super::super::app::{Command, Overlay};
use super::super::keymap::Keymap;
use super::*;

fn with_pending(class: Class) -> App {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "ps aux --sort=-%cpu", class),
    });
    feed(&mut app, SID, events);
    app
}

fn decision(commands: &[Command]) -> Option<Decision> {
    match commands {
        [
            Command::Send {
                session_id,
                op: Op::Decide { call_id, decision },
            },
        ] if session_id == SID && call_id == "c1" => Some(decision.clone()),
        _ => None,
    }
}

#[test]
fn a_approves() {
    let mut app = with_pending(Class::Change);
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
    assert!(
        app.handle_key(key(KeyCode::Char('a'))).is_empty(),
        "no second decision for the same call"
    );
}

#[test]
fn destructive_a_needs_typed_yes() {
    let mut app = with_pending(Class::Destructive);
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    type_text(&mut app, "yes");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Approve {
            confirm: Some("yes".into())
        })
    );

    let mut app = with_pending(Class::Destructive);
    app.handle_key(key(KeyCode::Char('a')));
    type_text(&mut app, "y");
    assert!(
        app.handle_key(key(KeyCode::Enter)).is_empty(),
        "a bare y is not enough"
    );
    assert!(matches!(app.overlay, Overlay::None));
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert!(out.is_empty(), "the call is still pending and asks again");
}

#[test]
fn e_edits_and_ctrl_s_sends_the_replacement() {
    let mut app = with_pending(Class::Change);
    assert!(app.handle_key(key(KeyCode::Char('e'))).is_empty());
    match &app.overlay {
        Overlay::Editor(ed) => assert_eq!(ed.textarea.lines(), ["ps aux --sort=-%cpu"]),
        _ => panic!("editor not open"),
    }
    type_text(&mut app, " | head");
    let out = app.handle_key(ctrl('s'));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: "ps aux --sort=-%cpu | head".into(),
            confirm: None
        })
    );
}

#[test]
fn e_then_esc_sends_nothing() {
    let mut app = with_pending(Class::Change);
    app.handle_key(key(KeyCode::Char('e')));
    assert!(app.handle_key(key(KeyCode::Esc)).is_empty());
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn destructive_edit_needs_typed_yes() {
    let mut app = with_pending(Class::Change);
    app.handle_key(key(KeyCode::Char('e')));
    type_text(&mut app, "; rm -rf /var/lib/app");
    assert!(app.handle_key(ctrl('s')).is_empty());
    type_text(&mut app, "yes");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: "ps aux --sort=-%cpu; rm -rf /var/lib/app".into(),
            confirm: Some("yes".into())
        })
    );
}

#[test]
fn a_safe_edit_of_a_destructive_call_needs_no_yes() {
    // The core rules on the command that would run, not the one that was proposed.
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "rm -rf /tmp/cache", Class::Destructive),
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('e')));
    if let Overlay::Editor(ed) = &mut app.overlay {
        ed.textarea.select_all();
        ed.textarea.cut();
    }
    type_text(&mut app, "ls -la /tmp/cache");
    let out = app.handle_key(ctrl('s'));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: "ls -la /tmp/cache".into(),
            confirm: None
        })
    );
}

#[test]
fn an_edit_the_core_classifies_destructive_asks_for_yes_first() {
    // A structured tool's JSON arguments: only the core's classifier (injected by the
    // console) can tell what the edit would run.
    let mut app = app();
    let mut events = started();
    let mut json_call = proposal("c1", "tail -n 50 -- /var/log/syslog", Class::ReadOnly);
    json_call.shell = false;
    json_call.arguments = r#"{"path":"/var/log/syslog","lines":50}"#.into();
    events.push(Event::ApprovalRequested {
        proposal: json_call,
    });
    feed(&mut app, SID, events);
    app.edit_class = super::super::app::EditClassifier::new(|_, replacement| {
        Some(if replacement.contains("/dev/sda") {
            Class::Destructive
        } else {
            Class::ReadOnly
        })
    });
    app.handle_key(key(KeyCode::Char('e')));
    if let Overlay::Editor(ed) = &mut app.overlay {
        ed.textarea.select_all();
        ed.textarea.cut();
    }
    type_text(&mut app, r#"{"path":"/dev/sda","lines":50}"#);
    assert!(
        app.handle_key(ctrl('s')).is_empty(),
        "nothing is sent before the typed yes"
    );
    type_text(&mut app, "yes");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: r#"{"path":"/dev/sda","lines":50}"#.into(),
            confirm: Some("yes".into())
        })
    );
}

#[test]
fn r_rejects_with_reason() {
    let mut app = with_pending(Class::Change);
    assert!(app.handle_key(key(KeyCode::Char('r'))).is_empty());
    type_text(&mut app, "check the other host");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Reject {
            reason: "check the other host".into()
        })
    );
}

#[test]
fn shift_a_approves_prefix_but_not_destructive() {
    let mut app = with_pending(Class::ReadOnly);
    let out = app.handle_key(key(KeyCode::Char('A')));
    assert_eq!(decision(&out), Some(Decision::ApprovePrefix));

    let mut app = with_pending(Class::Destructive);
    assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("not offered"))
    );
}

#[test]
fn m_sends_a_follow_up() {
    let mut app = with_pending(Class::Change);
    app.handle_key(key(KeyCode::Char('m')));
    type_text(&mut app, "continue");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        out,
        vec![Command::Send {
            session_id: SID.into(),
            op: Op::UserMessage {
                text: "continue".into()
            }
        }]
    );
}

#[test]
fn q_asks_while_pending_and_quits_when_idle() {
    let mut app = with_pending(Class::Change);
    assert!(app.handle_key(key(KeyCode::Char('q'))).is_empty());
    assert!(matches!(app.overlay, Overlay::ConfirmQuit));
    assert!(app.handle_key(key(KeyCode::Char('n'))).is_empty());
    app.handle_key(key(KeyCode::Char('q')));
    assert_eq!(app.handle_key(key(KeyCode::Char('y'))), vec![Command::Quit]);

    let mut idle = super::app();
    assert_eq!(
        idle.handle_key(key(KeyCode::Char('q'))),
        vec![Command::Quit]
    );
}

#[test]
fn overridden_keymap_is_used() {
    let overrides = BTreeMap::from([("approve".to_string(), "y".to_string())]);
    let mut app = with_pending(Class::Change);
    app.keymap = Keymap::from_config(&overrides).unwrap();
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    let out = app.handle_key(key(KeyCode::Char('y')));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
}

#[test]
fn pasted_alert_opens_an_incident() {
    let mut app = app();
    let payload = r#"{"title": "disk full on db1", "host": "db1", "severity": "critical"}"#;
    app.handle_key(key(KeyCode::Char('n')));
    app.handle_paste(payload);
    let out = app.handle_key(ctrl('s'));
    assert!(
        matches!(out.as_slice(), [Command::StartSession { .. }]),
        "{out:?}"
    );
}

#[test]
fn enter_expands_output_and_requests_index() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "ps", Class::ReadOnly),
    });
    let mut s = summary("c1", "ps", "1\n2\n3\n4\n5\n6\n");
    s.output_path = "/tmp/out".into();
    events.push(Event::ExecFinished { summary: s });
    feed(&mut app, SID, events);
    let out = app.handle_key(key(KeyCode::Enter));
    assert!(
        matches!(out.as_slice(), [Command::IndexOutput { path, .. }] if path == "/tmp/out"),
        "{out:?}"
    );
}

#[test]
fn shift_a_refuses_chained_commands() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "ls && rm -rf /tmp/x", Class::Change),
    });
    feed(&mut app, SID, events);
    assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("no prefix"))
    );
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
}

#[test]
fn large_paste_is_kept_whole_and_submitted() {
    let description: String = (0..20_000).map(|i| format!("log line {i}\\n")).collect();
    let payload =
        format!(r#"{{"title": "big paste", "host": "web01", "description": "{description}"}}"#);
    assert!(payload.len() > super::super::app::LARGE_PASTE);
    let mut app = app();
    app.handle_paste(&payload);
    match &app.overlay {
        Overlay::Editor(ed) => assert!(ed.large.as_ref().is_some_and(|l| l.text == payload)),
        _ => panic!("editor not open"),
    }
    assert!(
        app.handle_key(key(KeyCode::Char('x'))).is_empty(),
        "read-only"
    );
    let out = app.handle_key(ctrl('s'));
    let [Command::StartSession { alert }] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert!(
        alert
            .description
            .as_deref()
            .is_some_and(|d| d.contains("log line 19999"))
    );
}
