//! Snapshot tests of whole screens.

use crossterm::event::KeyCode;
use insta::assert_snapshot;

use crate::policy::Class;
use crate::protocol::{Event, SessionState, Verdict};

use super::super::app::LlmState;
use super::*;

#[test]
fn empty_start() {
    let app = app();
    assert_snapshot!(draw(&app, 120, 32).backend());
}

#[test]
fn no_llm_banner() {
    let mut app = app();
    app.llm = LlmState::Unreachable("connection refused (is the server running?)".into());
    assert_snapshot!(draw(&app, 120, 32).backend());
}

/// A small terminal keeps how to connect a model: the error's detail is cut first.
#[test]
fn no_llm_banner_at_60x20_says_how_to_connect() {
    let mut app = app();
    app.llm = LlmState::Unreachable(
        "cannot connect to http://127.0.0.1:11434: connection refused; is Ollama running? start it with `ollama serve`, or pass --base-url / set OLLAMA_HOST".into(),
    );
    let terminal = draw(&app, 60, 20);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("Connect one:"), "{screen}");
    assert!(screen.contains("OPENAI_API_KEY"), "{screen}");
    assert!(screen.contains("--base-url"), "{screen}");
    assert_snapshot!(terminal.backend());
}

#[test]
fn paste_editor_with_parse_error() {
    let mut app = app();
    app.handle_paste(
        "{\r\n  \"receiver\": \"ops\",\r\n  \"alerts\": [\r\n    {\"labels\": }\r\n  ]\r\n}",
    );
    let commands = app.handle_key(ctrl('s'));
    assert!(commands.is_empty());
    let terminal = draw(&app, 100, 24);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("line 4"), "{screen}");
    assert!(
        screen.contains("\"receiver\": \"ops\","),
        "the text stays: {screen}"
    );
    assert_snapshot!(terminal.backend());
}

#[test]
fn investigation_streaming() {
    let mut app = app();
    let mut events = started();
    for piece in [
        "The CPU alert",
        " fires on web-prod-03.",
        "\nI will look at the top",
        " processes first",
    ] {
        events.push(Event::ModelDelta { text: piece.into() });
    }
    events.push(Event::Usage {
        prompt_tokens: 900,
        completion_tokens: 34,
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("I will look at the top processes first▍"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}'));
    assert_snapshot!(draw(&app, 120, 32).backend());
}

#[test]
fn pending_approval_with_long_command() {
    let mut app = app();
    let long: Vec<String> = (1..=30)
        .map(|i| format!("echo step-{i:02} && ps aux --sort=-%cpu | head -n {i}"))
        .collect();
    let mut events = started();
    events.push(Event::ModelText {
        text: "Let me check the processes.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", &long.join(" \\\n  "), Class::Change),
    });
    events.push(Event::ApprovalRequested {
        proposal: proposal("c2", "uptime", Class::ReadOnly),
    });
    events.push(Event::State {
        state: SessionState::AwaitingApproval,
    });
    feed(&mut app, SID, events);
    let terminal = draw(&app, 120, 40);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("1 of 2"), "{screen}");
    assert!(
        screen.contains("more lines: a shows all"),
        "never clipped silently: {screen}"
    );
    assert!(screen.contains("ssh: web01"), "{screen}");
    assert_snapshot!(terminal.backend());
}

#[test]
fn destructive_approval_asks_for_yes() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "rm -rf /var/log/old", Class::Destructive),
    });
    feed(&mut app, SID, events);
    app.handle_key(key(KeyCode::Char('a')));
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("type yes and Enter"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn edited_call() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "top", Class::Change),
    });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: Verdict::Edited {
            class: Some(Class::ReadOnly),
            before: "top".into(),
            after: "top -b -n 1 | head -n 15".into(),
        },
    });
    events.push(Event::ExecStarted {
        call_id: "c1".into(),
        target: crate::protocol::Target::Ssh {
            host: "web01".into(),
        },
        command: "top -b -n 1 | head -n 15".into(),
        output_path: None,
        process: None,
    });
    let output: String = (1..=12)
        .map(|i| format!("{i:>5} www-data  20   0  php-fpm {}%\n", 90 - i))
        .collect();
    events.push(Event::ExecFinished {
        summary: summary("c1", "top -b -n 1 | head -n 15", &output),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(screen.contains("✎ edited"), "{screen}");
    assert!(
        screen.contains("[8 earlier lines, Enter to expand]"),
        "{screen}"
    );
    assert!(
        screen.contains("12 www-data"),
        "the preview is the last lines: {screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn rejected_call() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "systemctl restart php-fpm", Class::Change),
    });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: Verdict::Rejected {
            reason: "not during peak traffic".into(),
        },
    });
    events.push(Event::ModelText {
        text: "Understood, I will not restart it.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::Finished {
        state: SessionState::Done,
        reason: "the model finished its answer".into(),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("✘ rejected: not during peak traffic"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn help_overlay() {
    let mut app = app();
    app.handle_key(key(KeyCode::Char('?')));
    let screen = draw(&app, 120, 36).backend().to_string();
    assert!(screen.contains("approve the pending call"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn resize_to_tiny_does_not_panic() {
    let mut app = app();
    let mut events = started();
    events.push(Event::ApprovalRequested {
        proposal: proposal("c1", "uptime", Class::ReadOnly),
    });
    feed(&mut app, SID, events);
    for (w, h) in [(1, 1), (10, 5), (30, 8), (200, 60)] {
        draw(&app, w, h);
    }
}

/// Secrets masked in the alert count in the status bar with those masked in output.
#[test]
fn the_status_bar_counts_secrets_masked_in_the_alert() {
    let mut app = app();
    let mut events = started();
    events.push(Event::Prompt {
        system: "s".into(),
        user: "u".into(),
        redactions: 3,
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 160, 20).backend().to_string();
    assert!(screen.contains("redacted 3"), "{screen}");
}

#[test]
fn notes_are_info_lines_and_prompts_stay_hidden() {
    let mut app = app();
    let mut events = started();
    events.push(Event::Prompt {
        system: "SYSTEM-PROMPT-TEXT".into(),
        user: "USER-PROMPT-TEXT".into(),
        redactions: 0,
    });
    events.push(Event::Note {
        message: "using 2 past operator corrections as examples\u{1b}[2J".into(),
    });
    events.push(Event::ToolResult {
        call_id: "c1".into(),
        content: "TOOL-RESULT-TEXT".into(),
    });
    feed(&mut app, SID, events);
    let screen = draw(&app, 120, 32).backend().to_string();
    assert!(
        screen.contains("using 2 past operator corrections as examples"),
        "{screen}"
    );
    assert!(!screen.contains('\u{1b}'));
    for hidden in ["SYSTEM-PROMPT-TEXT", "USER-PROMPT-TEXT", "TOOL-RESULT-TEXT"] {
        assert!(!screen.contains(hidden), "{screen}");
    }
}

#[test]
fn long_multi_line_reason_takes_at_most_three_rows() {
    let mut app = app();
    let mut events = started();
    let mut p = proposal("c1", "uptime", Class::ReadOnly);
    let paragraph =
        "The load average is high.\n\nI will check   uptime first;\tthen the processes. ";
    p.reason = Some(format!("{}END-OF-REASON", paragraph.repeat(200)));
    events.push(Event::ApprovalRequested { proposal: p });
    feed(&mut app, SID, events);
    let screen = draw(&app, 100, 40).backend().to_string();
    let start = screen
        .lines()
        .position(|l| l.contains("┃why: "))
        .unwrap_or(0);
    let panel: Vec<&str> = screen.lines().skip(start).take(4).collect();
    assert!(
        panel[2].trim_end_matches(['"', '┃', ' ']).ends_with('…'),
        "{screen}"
    );
    assert!(
        panel[3].contains("approve"),
        "keys follow the 3 rows: {screen}"
    );
    assert!(!screen.contains("END-OF-REASON"), "{screen}");
    assert!(
        !screen.contains("\\n"),
        "newlines are spaces, not escapes: {screen}"
    );
    assert!(screen.contains("why: The load average is high. I will check uptime first; then"));
}

#[test]
fn check_mode_and_auto_approve_are_shown_in_the_status_bar() {
    let mut app = app();
    let plain = draw(&app, 160, 24).backend().to_string();
    assert!(!plain.contains("CHECK MODE") && !plain.contains("auto-approve"));
    app.mode = crate::protocol::Mode::Check;
    app.auto_read_only = true;
    let screen = draw(&app, 160, 24).backend().to_string();
    assert!(
        screen.contains("CHECK MODE: only read-only runs"),
        "{screen}"
    );
    assert!(screen.contains("auto-approve: read-only"), "{screen}");
}
