//! Each key's exact command/decision.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op};

use super::super::app::{App, Command, Overlay, PromptPurpose};
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

    // A bare `y` is not the word: the prompt stays, says so, and nothing reaches the core
    // (which would log a second, identical re-ask).
    let mut app = with_pending(Class::Destructive);
    app.handle_key(key(KeyCode::Char('a')));
    type_text(&mut app, "y");
    let out = app.handle_key(key(KeyCode::Enter));
    assert!(out.is_empty(), "{out:?}");
    assert!(matches!(&app.overlay, Overlay::Prompt(p) if p.input.is_empty()));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("type yes")),
        "{:?}",
        app.message
    );
    type_text(&mut app, "YES");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Approve {
            confirm: Some("YES".into())
        }),
        "the typed word goes to the core, which rules on it"
    );
    assert!(matches!(app.overlay, Overlay::None));
    feed(
        &mut app,
        SID,
        vec![Event::ApprovalReasked(crate::protocol::Reask {
            call_id: "c1".into(),
            why: "destructive command: type `yes` to confirm".into(),
            command: "ps aux --sort=-%cpu".into(),
            class: Class::Destructive,
            class_reason: "recursive delete".into(),
            needs_confirm: true,
            edit: None,
            offer: None,
        })],
    );
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert!(out.is_empty(), "asked again: the typed yes prompt opens");
    assert!(matches!(app.overlay, Overlay::Prompt(_)));
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

/// The core's answer to an edit that needs `yes`: the edited command, its class.
fn reask_edit(replacement: &str, command: &str) -> Event {
    Event::ApprovalReasked(crate::protocol::Reask {
        call_id: "c1".into(),
        why: "the edited command is destructive: type `yes` to confirm".into(),
        command: command.into(),
        class: Class::Destructive,
        class_reason: "rm -r/-f is destructive".into(),
        needs_confirm: true,
        edit: Some(replacement.into()),
        offer: None,
    })
}

#[test]
fn destructive_edit_asks_for_yes_when_the_core_says_so() {
    let mut app = with_pending(Class::Change);
    app.handle_key(key(KeyCode::Char('e')));
    type_text(&mut app, "; rm -rf /var/lib/app");
    let out = app.handle_key(ctrl('s'));
    let edited = "ps aux --sort=-%cpu; rm -rf /var/lib/app";
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: edited.into(),
            confirm: None
        }),
        "the front end sends the edit; the core rules on it"
    );
    feed(&mut app, SID, vec![reask_edit(edited, edited)]);
    let panel = app.current().and_then(|i| i.panel());
    assert!(
        panel.as_ref().is_some_and(|p| p.class == Class::Destructive
            && p.needs_confirm
            && p.command == edited),
        "the panel shows the edited command and its class: {panel:?}"
    );
    assert!(
        matches!(&app.overlay, Overlay::Prompt(p) if matches!(&p.purpose, PromptPurpose::ConfirmEdit { command, .. } if command == edited)),
        "the typed yes is asked for that text"
    );
    type_text(&mut app, "yes");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: edited.into(),
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

fn with_json_call() -> App {
    let mut app = app();
    let mut events = started();
    let mut json_call = proposal("c1", "tail -n 50 -- /var/log/syslog", Class::ReadOnly);
    json_call.shell = false;
    json_call.arguments = r#"{"path":"/var/log/syslog","lines":50}"#.into();
    events.push(Event::ApprovalRequested {
        proposal: json_call,
    });
    feed(&mut app, SID, events);
    app
}

fn edit_json(app: &mut App, arguments: &str) -> Vec<Command> {
    app.handle_key(key(KeyCode::Char('e')));
    if let Overlay::Editor(ed) = &mut app.overlay {
        ed.textarea.select_all();
        ed.textarea.cut();
    }
    type_text(app, arguments);
    app.handle_key(ctrl('s'))
}

#[test]
fn a_json_edit_the_core_finds_destructive_asks_for_yes_for_it() {
    let mut app = with_json_call();
    let edited = r#"{"path":"/dev/sda","lines":50}"#;
    let out = edit_json(&mut app, edited);
    assert!(matches!(
        decision(&out),
        Some(Decision::Edit { confirm: None, .. })
    ));
    feed(&mut app, SID, vec![reask_edit(edited, "shred /dev/sda")]);
    type_text(&mut app, "yes");
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: edited.into(),
            confirm: Some("yes".into())
        })
    );
}

#[test]
fn a_json_edit_the_core_refuses_leaves_the_call_pending() {
    let mut app = with_json_call();
    let out = edit_json(&mut app, r#"{"path":"/var/log/syslog","lines":"many"}"#);
    assert!(decision(&out).is_some());
    assert!(app.current().and_then(|i| i.panel()).is_none());
    feed(
        &mut app,
        SID,
        vec![Event::ApprovalReasked(crate::protocol::Reask {
            call_id: "c1".into(),
            why: "edit not accepted: `lines` must be an integer".into(),
            command: "tail -n 50 -- /var/log/syslog".into(),
            class: Class::ReadOnly,
            class_reason: "tail only reads".into(),
            needs_confirm: false,
            edit: None,
            offer: None,
        })],
    );
    let panel = app.current().and_then(|i| i.panel());
    assert!(
        panel.as_ref().is_some_and(|p| p.call_id == "c1"
            && p.command == "tail -n 50 -- /var/log/syslog"
            && p.why
                .as_deref()
                .is_some_and(|w| w.contains("edit not accepted"))),
        "the call is pending again with the core's reason: {panel:?}"
    );
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
}

#[test]
fn a_refused_edit_is_pending_again_with_a_core_that_re_sends_the_request() {
    // Logs written before `ApprovalReasked`: the core warned and sent the request again.
    let mut app = with_json_call();
    let out = edit_json(&mut app, r#"{"path":"/var/log/syslog","lines":"many"}"#);
    assert!(decision(&out).is_some());
    let mut again = proposal("c1", "tail -n 50 -- /var/log/syslog", Class::ReadOnly);
    again.shell = false;
    feed(
        &mut app,
        SID,
        vec![
            Event::Warning {
                message: "edit not accepted: `lines` must be an integer".into(),
            },
            Event::ApprovalRequested { proposal: again },
        ],
    );
    assert!(
        app.current()
            .and_then(|i| i.panel())
            .is_some_and(|p| p.call_id == "c1"),
        "the call is pending again"
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
    // `A` opens the scope prompt; its first option is this incident.
    assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
    let out = app.handle_key(key(KeyCode::Enter));
    assert_eq!(decision(&out), Some(Decision::ApprovePrefix));

    let mut app = with_pending(Class::Destructive);
    assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("no prefix")),
        "{:?}",
        app.message
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
    let overrides = BTreeMap::from([("approve".to_string(), "z".to_string())]);
    let mut app = with_pending(Class::Change);
    app.keymap = Keymap::from_config(&overrides).unwrap();
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    let out = app.handle_key(key(KeyCode::Char('z')));
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
