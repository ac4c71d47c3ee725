//! Dashboard tests: screens rendered into `TestBackend` (insta snapshots) and the exact
//! command each key produces, driven by synthetic protocol events.

mod edges;
mod flow_bits;
mod forget_correction;
mod guard;
mod inbox;
mod keys;
mod live;
mod narrow;
mod past;
mod rules_keys;
mod scale;
mod screens;
mod small;
mod spinner;
mod stop_prefixes;
mod thinking;
mod time_units;
mod views;

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::alert::{Alert, Source, Status};
use crate::policy::Class;
use crate::protocol::{
    Event, EventEnvelope, ExecSummary, Mode, Proposal, RuleScope, SessionState, Target,
};

use super::app::{App, LlmState, ProviderInfo};
use super::keymap::Keymap;

pub(super) const SID: &str = "s-1";

pub(super) fn app() -> App {
    let mut app = App::new(
        Keymap::default(),
        ProviderInfo {
            name: "ollama".into(),
            model: "llama3.1".into(),
            base_url: "http://127.0.0.1:11434".into(),
        },
    );
    app.llm = LlmState::Reachable;
    app.guard = std::time::Duration::ZERO;
    app
}

/// Draw `app` as the event loop does, so decision keys act on what is on screen.
pub(super) fn shown(app: &mut App) {
    let now = std::time::Instant::now();
    app.now = now;
    app.drawn(120, 40, now);
}

pub(super) fn alert() -> Alert {
    Alert {
        source: Source::Alertmanager,
        title: "High CPU load on web-prod-03.example.com".into(),
        severity: Some("warning".into()),
        status: Status::Firing,
        host: Some("web-prod-03.example.com".into()),
        description: Some(
            "CPU usage has been above 90% for 10 minutes (current value: 96.4%).\u{1b}[2J".into(),
        ),
        starts_at: Some("2025-03-11T02:14:37.512Z".into()),
        url: None,
        labels: BTreeMap::new(),
        fingerprint: None,
        raw: crate::alert::RawJson::null(),
    }
}

pub(super) fn feed(app: &mut App, session: &str, events: Vec<Event>) {
    for (i, event) in events.into_iter().enumerate() {
        app.apply(EventEnvelope {
            session_id: session.into(),
            seq: i as u64 + 1,
            at: Utc.with_ymd_and_hms(2025, 3, 11, 2, 15, 0).unwrap(),
            event,
        });
    }
    shown(app);
}

pub(super) fn started() -> Vec<Event> {
    vec![
        Event::SessionStarted {
            alert: Box::new(alert()),
            provider: "ollama".into(),
            model: "llama3.1".into(),
            mode: Mode::Heal,
        },
        Event::State {
            state: SessionState::Investigating,
        },
    ]
}

pub(super) fn proposal(call_id: &str, command: &str, class: Class) -> Proposal {
    // What the core's gate offers for this command (the panel shows exactly this).
    let offer = crate::session::gate::offer(class, command);
    Proposal {
        call_id: call_id.into(),
        tool: "ssh_shell".into(),
        target: Target::Ssh {
            host: "web01".into(),
        },
        command: command.into(),
        arguments: format!("{{\"command\":{command:?}}}"),
        reason: Some("see which processes use the CPU".into()),
        class,
        class_reason: match class {
            Class::ReadOnly => "inspection command".into(),
            Class::Change => "not on the read-only list".into(),
            Class::Destructive => "recursive delete".into(),
        },
        shell: true,
        needs_confirm: offer.needs_confirm,
        // A core with a personal rules file offers the incident, the host and its tag.
        scopes: match offer.prefix {
            Some(_) => vec![
                RuleScope::Incident,
                RuleScope::Host {
                    host: "web01".into(),
                },
                RuleScope::Tag { tag: "prod".into() },
            ],
            None => Vec::new(),
        },
        prefix: offer.prefix,
        decisions: offer.decisions,
        recovered_from_text: false,
        host_warning: None,
        scope_examples: None,
    }
}

pub(super) fn summary(call_id: &str, command: &str, output: &str) -> Box<ExecSummary> {
    Box::new(ExecSummary {
        call_id: call_id.into(),
        target: Target::Ssh {
            host: "web01".into(),
        },
        command: command.into(),
        exit_code: Some(0),
        signal: None,
        duration_ms: 42,
        timed_out: false,
        connection_error: None,
        stdout_bytes: output.len() as u64,
        stderr_bytes: 0,
        output_sha256: String::new(),
        output_path: String::new(),
        redactions: 1,
        model_output: output.into(),
        interrupted: false,
        cancelled: false,
        dropped_bytes: 0,
    })
}

pub(super) fn key(code: KeyCode) -> KeyEvent {
    let mods = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, mods)
}

pub(super) fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub(super) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(key(KeyCode::Char(c)));
    }
}

/// The screen at `width`x`height` as text, a line per row (symbols only, no styles).
pub(super) fn screen_text(app: &App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

pub(super) fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| super::render(app, f)).unwrap();
    terminal
}
