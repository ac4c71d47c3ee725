//! Nothing is decided unseen (issue 25): a long command's tail must have been on screen
//! (panel or full view) before `a` or `yes` acts, at every size from the minimum up; paste
//! bursts decide nothing; below 100 columns the list collapses to one strip and the panel's
//! warning, class reason, prompt text and keys wrap instead of being cut.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use insta::assert_snapshot;

use crate::policy::Class;
use crate::protocol::{Decision, Event, Op, SessionState};

use super::super::app::{Command, Overlay, PromptPurpose};
use super::*;

const SIZES: [(u16, u16); 4] = [(50, 12), (60, 20), (80, 24), (160, 45)];

fn long_command() -> String {
    format!(
        "echo {} && rm -rf junk-dir",
        "checking-the-disk-usage-of-the-web-servers-before-cleaning-up-the-old-release-directories-x"
    )
}

fn waiting(command: &str, class: Class) -> App {
    let mut app = app();
    app.guard = Duration::from_millis(400);
    let mut events = started();
    let mut p = proposal("c1", command, class);
    p.host_warning = Some(
        "the alert is about web-prod-03.example.com, but this runs on web01: check the target"
            .into(),
    );
    events.push(Event::CallProposed {
        proposal: p.clone(),
    });
    events.push(Event::ApprovalRequested { proposal: p });
    events.push(Event::State {
        state: SessionState::AwaitingApproval,
    });
    feed(&mut app, SID, events);
    app
}

fn decision(commands: &[Command]) -> Option<Decision> {
    commands.iter().find_map(|c| match c {
        Command::Send {
            op: Op::Decide { decision, .. },
            ..
        } => Some(decision.clone()),
        _ => None,
    })
}

fn screen(app: &App, (w, h): (u16, u16)) -> String {
    draw(app, w, h).backend().to_string()
}

/// The screen once the guard has passed (the keys show instead of the countdown).
fn settled(app: &mut App, size: (u16, u16)) -> String {
    app.now += Duration::from_secs(1);
    app.drawn(size.0, size.1, app.now);
    app.now += Duration::from_secs(1);
    screen(app, size)
}

/// The screen's text with the rows joined and every border and blank removed: what an
/// operator could have read of a wrapped command.
fn flat(screen: &str) -> String {
    screen
        .chars()
        .filter(|c| !c.is_whitespace() && !"│┃║\"─━═┌┐└┘┏┓┗┛$".contains(*c))
        .collect()
}

fn seen_whole(screen: &str, command: &str) -> bool {
    let want: String = command.chars().filter(|c| !c.is_whitespace()).collect();
    flat(screen).contains(&want)
}

/// Press `key` at `at` after drawing the screen at `size` at that time, as the event loop does.
fn press(app: &mut App, size: (u16, u16), key: KeyEvent, at: Instant) -> (String, Vec<Command>) {
    app.now = at;
    app.drawn(size.0, size.1, at);
    let shown = screen(app, size);
    (shown, app.handle_key_at(key, at))
}

#[test]
fn a_long_command_is_decided_only_after_its_tail_was_on_screen_at_every_size() {
    let command = long_command();
    for size in SIZES {
        let mut app = waiting(&command, Class::Destructive);
        let mut t = Instant::now();
        let mut screens = Vec::new();
        let mut approved = false;
        // Press `a` (and scroll when told to), then type yes, as an operator would.
        for _ in 0..40 {
            t += Duration::from_millis(500);
            let (shown, out) = match &app.overlay {
                Overlay::Prompt(_) => {
                    for c in "yes".chars() {
                        app.handle_key_at(key(KeyCode::Char(c)), t);
                    }
                    press(&mut app, size, key(KeyCode::Enter), t)
                }
                _ => press(&mut app, size, key(KeyCode::Char('a')), t),
            };
            screens.push(shown);
            if let Some(d) = decision(&out) {
                assert_eq!(
                    d,
                    Decision::Approve {
                        confirm: Some("yes".into())
                    }
                );
                approved = true;
                break;
            }
        }
        assert!(
            approved,
            "{size:?}: never approved:\n{}",
            screens.join("\n")
        );
        assert!(
            screens.iter().any(|s| seen_whole(s, &command)) || {
                // In the full view the command may take several screens: its tail must
                // have been on one of them, its head on another.
                screens.iter().any(|s| flat(s).contains("rm-rfjunk-dir"))
                    && screens.iter().any(|s| flat(s).contains("echochecking"))
            },
            "{size:?}: the whole command was never on screen:\n{}",
            screens.join("\n")
        );
        // The yes prompt repeats the exact command.
        let prompt = screens
            .iter()
            .rev()
            .find(|s| s.contains("type yes and Enter"))
            .unwrap_or_else(|| panic!("{size:?}: no yes prompt:\n{}", screens.join("\n")));
        if size.1 >= 20 {
            assert!(seen_whole(prompt, &command), "{size:?}:\n{prompt}");
        }
    }
}

#[test]
fn at_60x20_a_opens_the_full_view_first_and_its_tail_must_be_read() {
    let command = long_command();
    let mut app = waiting(&command, Class::Destructive);
    let t0 = Instant::now();
    let panel = screen(&app, (60, 20));
    let (_, out) = press(
        &mut app,
        (60, 20),
        key(KeyCode::Char('a')),
        t0 + Duration::from_millis(500),
    );
    assert!(out.is_empty());
    let whole_in_panel = seen_whole(&panel, &command);
    if !whole_in_panel {
        assert!(
            matches!(app.overlay, Overlay::CallView(_)),
            "the panel could not show it all: `a` opens the full view\n{panel}"
        );
    }
}

#[test]
fn the_full_view_at_50x12_needs_the_last_row_before_a_decides() {
    let command = format!("{} && rm -rf junk-dir", "echo step && ".repeat(30));
    let mut app = waiting(&command, Class::Change);
    let t0 = Instant::now();
    let size = (50, 12);
    press(&mut app, size, key(KeyCode::Char('a')), t0);
    let (_, out) = press(
        &mut app,
        size,
        key(KeyCode::Char('a')),
        t0 + Duration::from_millis(500),
    );
    assert!(out.is_empty());
    assert!(matches!(app.overlay, Overlay::CallView(_)));
    // In the view: the guard, then `a` before the end only scrolls.
    let (view, out) = press(
        &mut app,
        size,
        key(KeyCode::Char('a')),
        t0 + Duration::from_millis(1000),
    );
    assert!(decision(&out).is_none(), "decided before the end:\n{view}");
    assert!(view.contains("read on"), "{view}");
    let mut t = t0 + Duration::from_millis(1000);
    let mut decided = None;
    let mut tail_seen = false;
    for _ in 0..20 {
        t += Duration::from_millis(100);
        let (shown, out) = press(&mut app, size, key(KeyCode::Char('a')), t);
        tail_seen |= flat(&shown).contains("rm-rfjunk-dir");
        if let Some(d) = decision(&out) {
            decided = Some(d);
            break;
        }
    }
    assert_eq!(decided, Some(Decision::Approve { confirm: None }));
    assert!(tail_seen, "decided before the tail was drawn");
}

#[test]
fn snapshots_of_the_panel_view_prompt_and_strip_at_60x20_and_80x24() {
    let command = long_command();
    for (w, h) in [(60, 20), (80, 24)] {
        let mut app = waiting(&command, Class::Destructive);
        let panel = settled(&mut app, (w, h));
        assert!(panel.contains("⚠ the alert is about"), "{panel}");
        assert!(
            flat(&panel).contains("checkthetarget"),
            "warning cut:\n{panel}"
        );
        assert!(
            flat(&panel).contains("recursivedelete"),
            "class reason cut:\n{panel}"
        );
        assert_snapshot!(format!("panel_{w}x{h}"), panel);

        let mut app = waiting(&command, Class::Destructive);
        app.overlay = Overlay::CallView(super::super::overlay::CallViewState {
            session_id: SID.into(),
            call_id: "c1".into(),
            ..Default::default()
        });
        let view = settled(&mut app, (w, h));
        assert!(flat(&view).contains("rm-rfjunk-dir"), "{view}");
        assert_snapshot!(format!("full_view_{w}x{h}"), view);

        let mut app = waiting(&command, Class::Destructive);
        app.overlay = Overlay::Prompt(super::super::app::PromptState {
            purpose: PromptPurpose::ConfirmApprove {
                session_id: SID.into(),
                call_id: "c1".into(),
            },
            input: "ye".into(),
        });
        let prompt = screen(&app, (w, h));
        assert!(seen_whole(&prompt, &command), "{prompt}");
        assert!(prompt.contains("Esc cancels"), "{prompt}");
        assert_snapshot!(format!("yes_prompt_{w}x{h}"), prompt);
    }
}

#[test]
fn below_100_columns_the_list_is_one_strip() {
    let mut app = waiting("uptime", Class::ReadOnly);
    let mut events = started();
    events.push(Event::State {
        state: SessionState::Done,
    });
    feed(&mut app, "s-2", events);
    let narrow = settled(&mut app, (80, 24));
    assert!(narrow.contains("1/2") || narrow.contains("2/2"), "{narrow}");
    assert!(!narrow.contains("Incidents ("), "{narrow}");
    assert_snapshot!("strip_80x24", narrow);
    let wide = screen(&app, (160, 45));
    assert!(wide.contains("Incidents (2)"), "{wide}");
}

#[test]
fn the_second_of_two_calls_reads_call_2_of_2() {
    let mut app = app();
    let mut events = started();
    for id in ["c1", "c2"] {
        events.push(Event::ApprovalRequested {
            proposal: proposal(id, "uptime", Class::ReadOnly),
        });
    }
    feed(&mut app, SID, events);
    assert!(screen(&app, (120, 40)).contains("call 1 of 2"));
    feed(
        &mut app,
        SID,
        vec![Event::Decided {
            call_id: "c1".into(),
            verdict: crate::protocol::Verdict::Approved,
        }],
    );
    let s = screen(&app, (120, 40));
    assert!(s.contains("call 2 of 2"), "{s}");
}

#[test]
fn with_nothing_pending_the_bar_hints_no_decision_keys() {
    let mut app = app();
    feed(&mut app, SID, started());
    let s = screen(&app, (120, 40));
    assert!(!s.contains("a approve"), "{s}");
    assert!(s.contains("n new"), "{s}");
}

// Paste bursts.

fn paste_keys(text: &str) -> Vec<KeyEvent> {
    text.chars()
        .map(|c| match c {
            '\n' => key(KeyCode::Enter),
            c => key(KeyCode::Char(c)),
        })
        .collect()
}

const ALERT: &str =
    "{\"alerts\": [{\"labels\": {\"alertname\": \"DiskFull\", \"instance\": \"web01\"}}]}";

/// Feed `keys` as the terminal delivers a paste: 50 µs apart from `t`; returns the commands
/// and the time after the last key.
fn burst(app: &mut App, keys: Vec<KeyEvent>, mut t: Instant) -> (Vec<Command>, Instant) {
    let mut out = Vec::new();
    for k in keys {
        out.extend(app.key_arrived(k, t));
        t += Duration::from_micros(50);
    }
    out.extend(app.flush_keys(t + Duration::from_secs(1)));
    (out, t + Duration::from_secs(1))
}

#[test]
fn a_pasted_alert_decides_nothing_while_a_call_waits() {
    let mut app = waiting("touch changed-file", Class::Change);
    let t0 = Instant::now() + Duration::from_secs(2);
    app.drawn(120, 40, t0);
    let t = t0 + Duration::from_secs(1);
    let (out, t) = burst(&mut app, paste_keys(ALERT), t);
    assert!(out.is_empty(), "{out:?}");
    assert!(matches!(app.overlay, Overlay::None), "{:?}", app.overlay);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|(_, m)| m.contains("paste ignored: press n to paste an alert")),
        "{:?}",
        app.message
    );
    // A paste that starts with a decision key is a paste too.
    let (out, t) = burst(&mut app, paste_keys("aaaa"), t);
    assert!(out.is_empty(), "{out:?}");
    // A person's `a` still approves, once no other key follows it.
    let held = app.key_arrived(key(KeyCode::Char('a')), t);
    assert!(held.is_empty(), "held until the gap passes");
    assert_eq!(
        app.key_deadline(),
        Some(t + super::super::paste_burst::BURST_GAP)
    );
    let out = app.flush_keys(t + Duration::from_millis(20));
    assert_eq!(decision(&out), Some(Decision::Approve { confirm: None }));
}

#[test]
fn a_paste_goes_into_the_open_alert_editor() {
    let mut app = app();
    let t = Instant::now();
    assert!(app.key_arrived(key(KeyCode::Char('n')), t).is_empty());
    app.flush_keys(t + Duration::from_millis(20));
    assert!(matches!(app.overlay, Overlay::Editor(_)));
    burst(&mut app, paste_keys(ALERT), t + Duration::from_millis(500));
    let Overlay::Editor(editor) = &app.overlay else {
        panic!("editor closed");
    };
    assert_eq!(editor.textarea.lines().join("\n"), ALERT);
}

#[test]
fn a_pasted_enter_does_not_confirm_yes() {
    let mut app = waiting("rm -rf /var/tmp/x", Class::Destructive);
    app.guard = Duration::ZERO;
    shown(&mut app);
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    assert!(matches!(app.overlay, Overlay::Prompt(_)));
    let t = Instant::now();
    let (out, t) = burst(&mut app, paste_keys("yes\n"), t);
    assert!(
        decision(&out).is_none(),
        "a pasted Enter confirmed: {out:?}"
    );
    let out = app.key_arrived(key(KeyCode::Enter), t);
    assert_eq!(
        decision(&out),
        Some(Decision::Approve {
            confirm: Some("yes".into())
        })
    );
}

#[test]
fn yes_sent_in_one_write_then_enter_a_moment_later_confirms() {
    let mut app = waiting("rm -rf /var/tmp/x", Class::Destructive);
    app.guard = Duration::ZERO;
    shown(&mut app);
    assert!(app.handle_key(key(KeyCode::Char('a'))).is_empty());
    let mut t = Instant::now();
    for k in paste_keys("yes") {
        app.key_arrived(k, t);
        t += Duration::from_micros(50);
    }
    let out = app.key_arrived(key(KeyCode::Enter), t + Duration::from_millis(40));
    assert_eq!(
        decision(&out),
        Some(Decision::Approve {
            confirm: Some("yes".into())
        })
    );
}

#[test]
fn after_esc_the_list_says_interrupted_not_done() {
    let mut app = app();
    let mut events = started();
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "interrupted by the operator; send a message (m) or retry the turn (R)".into(),
    });
    feed(&mut app, SID, events);
    let s = screen(&app, (120, 30));
    assert!(s.contains("interrupted by you"), "{s}");
    feed(
        &mut app,
        SID,
        vec![Event::State {
            state: SessionState::Investigating,
        }],
    );
    assert!(!screen(&app, (120, 30)).contains("interrupted by you"));
}

#[test]
fn the_alert_editor_says_when_a_line_goes_past_its_edge() {
    let mut app = app();
    app.handle_key(key(KeyCode::Char('n')));
    app.handle_paste(&format!("{{\"title\": \"{}\"}}", "x".repeat(120)));
    let s = screen(&app, (80, 24));
    assert!(s.contains("1 wider than the editor"), "{s}");
}

#[test]
fn the_verification_prompt_is_opsassists_not_the_operators() {
    let mut app = app();
    let mut events = started();
    events.push(Event::UserMessage {
        text: crate::session::resolution::VERIFY_PROMPT.into(),
    });
    feed(&mut app, SID, events);
    let s = screen(&app, (120, 30));
    assert!(s.contains("◇ opsassist: Before you conclude"), "{s}");
    assert!(!s.contains("› you: Before"), "{s}");
}

#[test]
fn an_edit_the_editor_cannot_show_whole_is_shown_in_full_before_it_runs() {
    let mut app = waiting("uptime", Class::ReadOnly);
    app.guard = Duration::from_millis(400);
    let size = (60, 20);
    let t0 = Instant::now() + Duration::from_secs(1);
    let (_, out) = press(&mut app, size, key(KeyCode::Char('e')), t0);
    assert!(out.is_empty());
    assert!(matches!(app.overlay, Overlay::Editor(_)));
    let tail = format!(" && {} && rm -rf junk-dir", "echo padding".repeat(8));
    app.handle_paste(&tail);
    let (_, out) = press(&mut app, size, ctrl('s'), t0 + Duration::from_millis(100));
    assert!(
        decision(&out).is_none(),
        "ran an edit cut at the editor's edge"
    );
    let Overlay::CallView(view) = &app.overlay else {
        panic!("no full view: {:?}", app.overlay);
    };
    assert_eq!(view.edit.as_deref(), Some(format!("uptime{tail}").as_str()));
    // Too soon after the view opened, then it runs.
    let (_, out) = press(
        &mut app,
        size,
        key(KeyCode::Char('a')),
        t0 + Duration::from_millis(200),
    );
    assert!(decision(&out).is_none());
    let (shown, out) = press(
        &mut app,
        size,
        key(KeyCode::Char('a')),
        t0 + Duration::from_millis(900),
    );
    assert!(flat(&shown).contains("rm-rfjunk-dir"), "{shown}");
    assert_eq!(
        decision(&out),
        Some(Decision::Edit {
            replacement: format!("uptime{tail}"),
            confirm: None
        })
    );
}
