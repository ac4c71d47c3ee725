//! The `A` scope prompt and the `P` rules view: the exact decision or command each key
//! produces, and both screens at 80x24 (insta snapshots). The scopes and the revocable flag
//! come from the core; these tests feed them as the core would send them.

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op, RuleInfo, RuleScope, SessionState};

use super::super::app::{App, AppEvent, Command, Overlay};
use super::*;

fn pending(class: Class) -> App {
    let mut app = app();
    let mut events = started();
    let proposal = proposal("c1", "systemctl status nginx", class);
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

fn screen(app: &App) -> String {
    screen_at(app, 80, 24)
}

fn screen_at(app: &App, width: u16, height: u16) -> String {
    screen_text(app, width, height)
}

#[test]
fn shift_a_opens_the_scope_prompt_and_each_option_is_its_decision() {
    let host = RuleScope::Host {
        host: "web01".into(),
    };
    let tag = RuleScope::Tag { tag: "prod".into() };
    let cases: Vec<(Vec<KeyCode>, Decision)> = vec![
        (vec![KeyCode::Enter], Decision::ApprovePrefix),
        (vec![KeyCode::Char('1')], Decision::ApprovePrefix),
        (
            vec![KeyCode::Char('2')],
            Decision::ApproveRule {
                scope: host.clone(),
            },
        ),
        (
            vec![KeyCode::Char('j'), KeyCode::Enter],
            Decision::ApproveRule { scope: host },
        ),
        (
            vec![KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Enter],
            Decision::ApproveRule { scope: tag.clone() },
        ),
        (
            vec![KeyCode::Char('3')],
            Decision::ApproveRule { scope: tag },
        ),
    ];
    for (keys, want) in cases {
        let mut app = pending(Class::ReadOnly);
        assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
        assert!(matches!(app.overlay, Overlay::Scope(_)));
        let mut out = Vec::new();
        for code in &keys {
            out = app.handle_key(key(*code));
        }
        assert_eq!(decision(&out), Some(want), "{keys:?}");
        assert!(matches!(app.overlay, Overlay::None));
    }
}

#[test]
fn the_scope_prompt_cancels_and_the_call_still_waits() {
    let mut app = pending(Class::Change);
    app.handle_key(key(KeyCode::Char('A')));
    assert!(
        app.handle_key(key(KeyCode::Char('9'))).is_empty(),
        "no 9th option"
    );
    assert!(app.handle_key(key(KeyCode::Esc)).is_empty());
    assert!(matches!(app.overlay, Overlay::None));
    let out = app.handle_key(key(KeyCode::Char('a')));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
}

#[test]
fn a_destructive_call_gets_no_scope_prompt() {
    let mut app = pending(Class::Destructive);
    assert!(app.handle_key(key(KeyCode::Char('A'))).is_empty());
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn a_proposal_from_an_older_log_offers_only_the_incident() {
    let mut app = app();
    let mut events = started();
    let mut old = proposal("c1", "uptime", Class::ReadOnly);
    old.scopes = Vec::new();
    events.push(Event::ApprovalRequested { proposal: old });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('A')));
    match &app.overlay {
        Overlay::Scope(prompt) => assert_eq!(prompt.scopes, vec![RuleScope::Incident]),
        other => panic!("no scope prompt: {other:?}"),
    }
    assert!(app.handle_key(key(KeyCode::Char('2'))).is_empty());
}

fn rules() -> Vec<RuleInfo> {
    vec![
        RuleInfo {
            name: "no-reboot-prod".into(),
            action: "forbid".into(),
            origin: "team-rules.toml:2".into(),
            targets: vec!["tag:prod".into()],
            tools: Vec::new(),
            prefix: "reboot".into(),
            reason: "never reboot prod from a console".into(),
            revocable: false,
        },
        RuleInfo {
            name: "systemctl-status".into(),
            action: "allow".into(),
            origin: "rules.toml:1".into(),
            targets: Vec::new(),
            tools: Vec::new(),
            prefix: "systemctl status".into(),
            reason: "status only reads".into(),
            revocable: false,
        },
        RuleInfo {
            name: "df-h-web01".into(),
            action: "allow".into(),
            origin: "personal-rules.toml:3".into(),
            targets: vec!["web01".into()],
            tools: vec!["remote_shell".into()],
            prefix: "df -h".into(),
            reason: "approved for good from the console".into(),
            revocable: true,
        },
        RuleInfo {
            name: "journalctl-u-nginx-web-prod-03-example-com".into(),
            action: "allow".into(),
            origin: "personal-rules.toml:9".into(),
            targets: vec!["web-prod-03.example.com".into()],
            tools: vec!["remote_shell".into()],
            prefix: "journalctl -u nginx".into(),
            reason: "approved for good from the console".into(),
            revocable: true,
        },
    ]
}

#[test]
fn p_lists_the_rules_and_revokes_only_a_personal_one() {
    let mut app = pending(Class::ReadOnly);
    assert_eq!(
        app.handle_key(key(KeyCode::Char('P'))),
        vec![Command::LoadRules]
    );
    app.apply_app_event(AppEvent::Rules(Ok(rules())));
    // A team rule is read-only here.
    assert!(app.handle_key(key(KeyCode::Char('r'))).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("team rule")),
        "{:?}",
        app.message
    );
    app.handle_key(key(KeyCode::Char('G')));
    assert!(app.handle_key(key(KeyCode::Char('r'))).is_empty());
    // Anything but `y` keeps it.
    assert!(app.handle_key(key(KeyCode::Char('n'))).is_empty());
    app.handle_key(key(KeyCode::Char('r')));
    assert_eq!(
        app.handle_key(key(KeyCode::Char('y'))),
        vec![Command::RevokeRule {
            name: "journalctl-u-nginx-web-prod-03-example-com".into()
        }]
    );
    assert!(matches!(app.overlay, Overlay::Rules(_)));
    assert!(app.handle_key(key(KeyCode::Esc)).is_empty());
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn scope_prompt_at_80x24() {
    let mut app = pending(Class::ReadOnly);
    app.handle_key(key(KeyCode::Char('A')));
    let screen = screen(&app);
    assert!(screen.contains("host web01 for good"), "{screen}");
    assert_snapshot!(screen);
}

/// The scope prompt shows what the prefix covers and what it does not, as the core computed
/// them for the proposal (here by the core's own function).
#[test]
fn the_scope_prompt_shows_the_core_s_examples_at_80x24() {
    let mut app = app();
    let mut events = started();
    let mut proposal = proposal("c1", "systemctl status nginx", Class::ReadOnly);
    proposal.scope_examples = crate::policy::scope_examples("systemctl status nginx");
    let examples = proposal
        .scope_examples
        .clone()
        .expect("the core gives examples");
    events.push(Event::ApprovalRequested { proposal });
    events.push(Event::State {
        state: SessionState::AwaitingApproval,
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('A')));
    let screen = screen(&app);
    assert!(screen.contains("covers:"), "{screen}");
    assert!(screen.contains("but not:"), "{screen}");
    assert!(
        screen.contains(&format!("`{}`", examples.not_covered[0])),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn rules_view_at_80x24() {
    let mut app = pending(Class::ReadOnly);
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_app_event(AppEvent::Rules(Ok(rules())));
    app.handle_key(key(KeyCode::Char('G')));
    let screen = screen(&app);
    assert!(screen.contains("personal-rules.toml:9"), "{screen}");
    // Every rule's tool is in its row; no name or prefix is cut at 80 columns.
    assert!(screen.contains("TOOL"), "{screen}");
    assert!(screen.contains("remote_shell"), "{screen}");
    assert!(screen.contains("systemctl status "), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn the_rules_view_names_each_rule_s_tool_and_shows_the_selected_one_whole_at_60x20() {
    let mut app = pending(Class::ReadOnly);
    app.handle_key(key(KeyCode::Char('P')));
    app.apply_app_event(AppEvent::Rules(Ok(rules())));
    app.handle_key(key(KeyCode::Char('G')));
    let screen = screen_at(&app, 60, 20);
    // Narrow: ORIGIN and TOOL give way, and short columns are not cut for long ones.
    assert!(screen.contains("systemctl status"), "{screen}");
    assert!(screen.contains("tag:prod"), "{screen}");
    // The selected rule is shown whole below the list, wrapped: name, prefix, target.
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '┃' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("journalctl-u-nginx-web-prod-03-example-com: allow `journalctl -u nginx` on web-prod-03.example.com via remote_shell"),
        "{screen}"
    );
    assert!(flat.contains("Esc close"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn a_recovered_call_says_so_in_the_approval_panel_at_80x24() {
    let mut app = app();
    let mut events = started();
    let mut recovered = proposal("text_call_1", "df -h", Class::ReadOnly);
    recovered.recovered_from_text = true;
    events.push(Event::ApprovalRequested {
        proposal: recovered,
    });
    feed(&mut app, SID, events);
    let screen = screen(&app);
    assert!(screen.contains("recovered from text"), "{screen}");
    assert_snapshot!(screen);
}
