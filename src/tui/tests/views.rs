//! The console's views: alert details, what the model saw, search, filter, resolved
//! incidents, the host-mismatch warning, next pending approval, bell, yank, pager, mouse.

use std::sync::Arc;

use crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use insta::assert_snapshot;
use ratatui::style::Color;

use crate::llm::{ChatMessage, ToolCall};
use crate::policy::Class;
use crate::protocol::{Event, Op, SessionState};
use crate::session::last_request::SentRequest;

use super::super::app::{App, AppEvent, Command, Overlay};
use super::*;

fn rich_alert() -> crate::alert::Alert {
    let mut alert = alert();
    alert.labels = BTreeMap::from([
        ("alertname".to_string(), "HighCPU".to_string()),
        ("instance".to_string(), "web-prod-03:9100".to_string()),
        ("team".to_string(), "sre".to_string()),
    ]);
    alert.fingerprint = Some("3f2a9c".into());
    alert.raw = crate::alert::RawJson::from(serde_json::json!({
        "labels": {"alertname": "HighCPU", "instance": "web-prod-03:9100", "team": "sre"},
        "annotations": {
            "summary": "CPU above 90%",
            "runbook_url": "https://runbooks.example.com/cpu"
        },
        "generatorURL": "http://prometheus:9090/graph?g0.expr=cpu",
        "dashboardURL": "http://grafana/d/cpu"
    }));
    alert
}

fn with_alert(app: &mut App, session: &str, title: &str) {
    let mut alert = rich_alert();
    alert.title = title.into();
    alert.host = title.split(' ').next_back().map(str::to_string);
    feed(
        app,
        session,
        vec![
            Event::SessionStarted {
                alert: Box::new(alert),
                provider: "ollama".into(),
                model: "llama3.1".into(),
                mode: crate::protocol::Mode::Heal,
            },
            Event::State {
                state: SessionState::Investigating,
            },
        ],
    );
}

#[test]
fn d_opens_the_alert_details_and_scrolls() {
    let mut app = app();
    with_alert(&mut app, SID, "High CPU load on web-prod-03.example.com");
    assert!(app.handle_key(key(KeyCode::Char('d'))).is_empty());
    let Overlay::Text(view) = &app.overlay else {
        panic!("d did not open the details");
    };
    let text: Vec<&str> = view.lines.iter().map(|(_, l)| l.as_str()).collect();
    let all = text.join("\n");
    for want in [
        "alertname",
        "runbook_url: https://runbooks.example.com/cpu",
        "generatorURL: http://prometheus:9090/graph?g0.expr=cpu",
        "dashboardURL: http://grafana/d/cpu",
        "\"team\": \"sre\"",
    ] {
        assert!(all.contains(want), "{want} missing:\n{all}");
    }
    assert!(!all.contains('\u{1b}'), "escape reached the view");
    assert_snapshot!("details_at_80x24", draw(&app, 80, 24).backend());
    app.handle_key(key(KeyCode::Char('j')));
    app.handle_key(key(KeyCode::PageDown));
    let Overlay::Text(view) = &app.overlay else {
        panic!("scrolling closed the view");
    };
    assert!(view.scroll > 1, "{}", view.scroll);
    app.handle_key(key(KeyCode::Esc));
    assert!(matches!(app.overlay, Overlay::None));
}

fn sent() -> SentRequest {
    SentRequest {
        at: chrono::Utc.with_ymd_and_hms(2025, 3, 11, 2, 15, 3).unwrap(),
        messages: vec![
            ChatMessage::System {
                content: "You are an SRE assistant.\nPropose one command at a time.".into(),
            },
            ChatMessage::User {
                content: "<alert>High CPU load on web-prod-03 token=[REDACTED]</alert>".into(),
            },
            ChatMessage::Assistant {
                content: "Checking the processes.".into(),
                tool_calls: vec![ToolCall {
                    id: "c1".into(),
                    name: "ssh_shell".into(),
                    arguments: "{\"command\":\"ps aux\"}".into(),
                }],
            },
            ChatMessage::Tool {
                call_id: "c1".into(),
                content: "exit 0\nnginx 95% cpu".into(),
            },
        ],
        tools: vec!["ssh_shell".into(), "local_shell".into()],
        from_log: false,
    }
}

#[test]
fn w_asks_the_session_and_shows_what_the_model_saw() {
    let mut app = app();
    with_alert(&mut app, SID, "High CPU load on web-prod-03.example.com");
    let out = app.handle_key(key(KeyCode::Char('w')));
    assert_eq!(
        out,
        vec![Command::ModelInput {
            session_id: SID.into()
        }]
    );
    app.apply_app_event(AppEvent::ModelInput {
        session_id: SID.into(),
        request: Some(Arc::new(sent())),
    });
    let screen = draw(&app, 80, 24).backend().to_string();
    assert!(screen.contains("system prompt"), "{screen}");
    assert!(screen.contains("[REDACTED]"), "{screen}");
    assert_snapshot!("model_saw_at_80x24", draw(&app, 80, 24).backend());
    app.handle_key(key(KeyCode::Char('G')));
    let screen = draw(&app, 80, 24).backend().to_string();
    assert!(screen.contains("tool result for c1"), "{screen}");
    assert!(screen.contains("nginx 95% cpu"), "{screen}");
}

#[test]
fn w_for_a_session_that_sent_nothing_says_so() {
    let mut app = app();
    with_alert(&mut app, SID, "disk full");
    app.apply_app_event(AppEvent::ModelInput {
        session_id: SID.into(),
        request: None,
    });
    let screen = draw(&app, 80, 24).backend().to_string();
    assert!(screen.contains("has not answered a request"), "{screen}");
}

fn with_output(lines: usize) -> App {
    let mut app = app();
    let mut events = started();
    events.push(Event::ModelText {
        text: "Looking at the error log for the Timeout.".into(),
        tool_calls: Vec::new(),
    });
    events.push(Event::CallProposed {
        proposal: proposal("c1", "tail -n 3 /var/log/app.log", Class::ReadOnly),
    });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: crate::protocol::Verdict::Approved,
    });
    let output: String = (0..lines)
        .map(|i| {
            if i % 2 == 1 {
                format!("{i} upstream timeout\n")
            } else {
                format!("{i} ok\n")
            }
        })
        .collect();
    events.push(Event::ExecFinished {
        summary: summary("c1", "tail -n 3 /var/log/app.log", &output),
    });
    events.push(Event::ModelText {
        text: "A timeout every other line.".into(),
        tool_calls: Vec::new(),
    });
    feed(&mut app, SID, events);
    app
}

fn search(app: &mut App, query: &str) -> Vec<Command> {
    app.handle_key(key(KeyCode::Char('/')));
    type_text(app, query);
    app.handle_key(key(KeyCode::Enter))
}

#[test]
fn slash_finds_matches_n_and_shift_n_move_and_esc_clears() {
    let mut app = with_output(3);
    draw(&app, 80, 24);
    let out = search(&mut app, "TIMEOUT");
    assert!(out.is_empty(), "nothing on disk to search: {out:?}");
    let hits = app.views.search.as_ref().map_or(0, |s| s.hits.len());
    // The model's two texts and the output preview line "1 upstream timeout".
    assert_eq!(hits, 3);
    let terminal = draw(&app, 80, 24);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("/TIMEOUT 1 of 3"), "{screen}");
    // Every match is highlighted: find the cells of "timeout" on the output line.
    let buffer = terminal.backend().buffer();
    let mut marked = 0;
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            if matches!(cell.bg, Color::Yellow | Color::LightYellow) {
                marked += 1;
            }
        }
    }
    assert_eq!(marked, 3 * "timeout".len(), "highlighted cells");
    assert_snapshot!("search_at_80x24", terminal.backend());
    let first = app.views.search.as_ref().and_then(|s| s.current);
    app.handle_key(key(KeyCode::Char('n')));
    let second = app.views.search.as_ref().and_then(|s| s.current);
    assert_ne!(first, second);
    app.handle_key(key(KeyCode::Char('N')));
    assert_eq!(app.views.search.as_ref().and_then(|s| s.current), first);
    assert!(
        app.overlay_is_none_and_no_editor(),
        "n moved between matches instead of opening the new-alert editor"
    );
    app.handle_key(key(KeyCode::Esc));
    assert!(app.views.search.is_none());
    app.handle_key(key(KeyCode::Char('n')));
    assert!(
        matches!(app.overlay, Overlay::Editor(_)),
        "without a search n is new-alert again"
    );
}

impl App {
    fn overlay_is_none_and_no_editor(&self) -> bool {
        matches!(self.overlay, Overlay::None)
    }
}

#[test]
fn an_expanded_output_is_searched_on_disk_and_the_view_jumps_to_the_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("001-c1.log");
    let body: String = (0..100_000)
        .map(|i| {
            if i == 76_543 {
                "the needle-word line\n".to_string()
            } else {
                format!("line {i}\n")
            }
        })
        .collect();
    std::fs::write(&path, body).unwrap();
    let mut app = with_output(3);
    let path_text = path.to_string_lossy().to_string();
    let i = app.incidents[0].transcript.find_call("c1").unwrap();
    app.incidents[0].transcript.update(i, |e| {
        if let super::super::transcript_store::Entry::Call(call) = e
            && let Some(out) = &mut call.output
        {
            out.path = path_text.clone();
            out.expanded = true;
            out.index = super::super::output_file::LineIndex::build(&path)
                .ok()
                .map(Arc::new);
        }
    });
    let out = search(&mut app, "Needle-Word");
    let [
        Command::SearchOutput {
            session_id,
            call_id,
            path,
            needle,
        },
    ] = out.as_slice()
    else {
        panic!("no file search: {out:?}");
    };
    let result = super::super::search::search_file(std::path::Path::new(path), needle)
        .map_err(|e| e.to_string());
    app.apply_app_event(AppEvent::SearchHits {
        session_id: session_id.clone(),
        call_id: call_id.clone(),
        needle: needle.clone(),
        result,
    });
    let incident = &app.incidents[0];
    let head = match &incident.transcript.entries()[i] {
        super::super::transcript_store::Entry::Call(c) => c.line_count_before_output(),
        _ => 0,
    };
    let line = incident.transcript.entry_start(i) + head + 76_543;
    let top = incident.scroll.unwrap_or(0);
    assert!(
        top <= line && line < top + 20,
        "view {top} does not show line {line}"
    );
    // The window read for the view covers the match.
    let reads = app.pending_io();
    assert!(
        reads
            .iter()
            .any(|c| matches!(c, Command::ReadOutput { start, count, .. }
            if *start <= 76_543 && 76_543 < start + count)),
        "{reads:?}"
    );
}

fn three_incidents() -> App {
    let mut app = app();
    with_alert(&mut app, "s-a", "Disk full on db-prod-01");
    with_alert(&mut app, "s-b", "High CPU on web-prod-03");
    with_alert(&mut app, "s-c", "Certificate expires on lb-01");
    feed(
        &mut app,
        "s-b",
        vec![Event::State {
            state: SessionState::Done,
        }],
    );
    app
}

#[test]
fn f_filters_the_list_by_text_state_and_severity() {
    let mut app = three_incidents();
    app.handle_key(key(KeyCode::Char('f')));
    type_text(&mut app, "prod");
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.listed_incidents().len(), 2);
    assert_snapshot!("filter_at_80x24", draw(&app, 80, 24).backend());
    app.handle_key(key(KeyCode::Char('f')));
    for _ in 0..10 {
        app.handle_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, "state:done");
    app.handle_key(key(KeyCode::Enter));
    let listed: Vec<&str> = app
        .listed_incidents()
        .into_iter()
        .map(|i| app.incidents[i].title.as_str())
        .collect();
    assert_eq!(listed, vec!["High CPU on web-prod-03"]);
    assert_eq!(app.current().map(|i| i.title.as_str()), Some(listed[0]));
    app.handle_key(key(KeyCode::Char('f')));
    for _ in 0..20 {
        app.handle_key(key(KeyCode::Backspace));
    }
    type_text(&mut app, "sev:crit");
    app.handle_key(key(KeyCode::Enter));
    assert!(app.listed_incidents().is_empty(), "all are warnings");
    app.handle_key(key(KeyCode::Char('f')));
    for _ in 0..20 {
        app.handle_key(key(KeyCode::Backspace));
    }
    app.handle_key(key(KeyCode::Enter));
    assert!(app.views.filter.is_none());
    assert_eq!(app.listed_incidents().len(), 3);
}

#[test]
fn shift_d_resolves_through_the_core_and_the_incident_is_archived() {
    let mut app = three_incidents();
    app.selected = 0;
    let title = app.incidents[0].title.clone();
    app.handle_key(key(KeyCode::Char('D')));
    type_text(&mut app, "freed 20 GiB of old WAL");
    let out = app.handle_key(key(KeyCode::Enter));
    let sid = app.incidents[0].session_id.clone();
    assert_eq!(
        out,
        vec![Command::Send {
            session_id: sid.clone(),
            // It is investigating: resolving it stops that (the core does the stopping).
            op: Op::ResolveAndStop {
                note: "freed 20 GiB of old WAL".into()
            }
        }]
    );
    // Nothing changes until the core logs it.
    assert_eq!(app.listed_incidents().len(), 3);
    feed(
        &mut app,
        &sid,
        vec![Event::Resolved {
            note: "freed 20 GiB of old WAL".into(),
        }],
    );
    assert_eq!(app.listed_incidents().len(), 2);
    assert_ne!(app.current().map(|i| i.title.clone()), Some(title.clone()));
    app.handle_key(key(KeyCode::Char('f')));
    type_text(&mut app, "archived");
    app.handle_key(key(KeyCode::Enter));
    assert_eq!(app.current().map(|i| i.title.clone()), Some(title));
    let screen = draw(&app, 80, 24).backend().to_string();
    assert!(screen.contains("resolved by the operator"), "{screen}");
    assert_snapshot!("resolved_at_80x24", draw(&app, 80, 24).backend());
}

#[test]
fn a_past_resolved_incident_is_listed_only_under_archived() {
    let mut app = app();
    let summary = |id: &str, resolved: Option<&str>| crate::session::SessionSummary {
        id: id.into(),
        started: chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        title: format!("incident {id}"),
        host: None,
        severity: None,
        source: "generic".into(),
        state: SessionState::Done,
        resolved: resolved.map(str::to_string),
    };
    app.apply_app_event(AppEvent::PastSessions(Ok(vec![
        summary("p-1", Some("fixed")),
        summary("p-2", None),
    ])));
    let listed: Vec<String> = app
        .listed_incidents()
        .into_iter()
        .map(|i| app.incidents[i].session_id.clone())
        .collect();
    assert_eq!(listed, vec!["p-2".to_string()]);
}

#[test]
fn the_panel_names_its_incident_and_warns_when_the_call_runs_elsewhere() {
    let mut app = app();
    let mut events = started();
    let mut p = proposal("c1", "df -h", Class::ReadOnly);
    p.host_warning =
        Some("the alert is about web-prod-03.example.com, but this runs on ssh: web01".into());
    events.push(Event::ApprovalRequested { proposal: p });
    feed(&mut app, SID, events);
    let terminal = draw(&app, 80, 24);
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("Approve? call 1 of 1 · High CPU load"),
        "{screen}"
    );
    assert!(
        screen.contains("⚠ the alert is about web-prod-03"),
        "{screen}"
    );
    let buffer = terminal.backend().buffer();
    let warned = (0..buffer.area.height).any(|y| {
        (0..buffer.area.width).any(|x| {
            let cell = &buffer[(x, y)];
            cell.symbol() == "⚠" && cell.fg == Color::Yellow
        })
    });
    assert!(warned, "the warning is not in the warning colour");
}

#[test]
fn p_jumps_to_the_next_pending_approval_and_the_bell_rings_for_other_incidents() {
    let mut app = three_incidents();
    app.selected = 0;
    assert!(!app.take_bell());
    feed(
        &mut app,
        "s-c",
        vec![Event::ApprovalRequested {
            proposal: proposal("c9", "uptime", Class::ReadOnly),
        }],
    );
    assert!(app.take_bell(), "an approval in another incident rings");
    assert!(!app.take_bell(), "once");
    app.handle_key(key(KeyCode::Char('p')));
    assert_eq!(app.current().map(|i| i.session_id.as_str()), Some("s-c"));
    feed(
        &mut app,
        "s-c",
        vec![Event::ApprovalRequested {
            proposal: proposal("c10", "uptime", Class::ReadOnly),
        }],
    );
    assert!(!app.take_bell(), "no bell for the incident on screen");
    app.views.bell = false;
    app.selected = 0;
    feed(
        &mut app,
        "s-b",
        vec![Event::ApprovalRequested {
            proposal: proposal("c11", "uptime", Class::ReadOnly),
        }],
    );
    assert!(!app.take_bell(), "[ui] bell = false");
}

#[test]
fn y_yanks_the_command_or_the_expanded_output_and_o_pages_the_output_file() {
    let mut app = with_output(3);
    let out = app.handle_key(key(KeyCode::Char('y')));
    assert_eq!(
        out,
        vec![Command::Yank {
            text: "tail -n 3 /var/log/app.log".into()
        }]
    );
    let i = app.incidents[0].transcript.find_call("c1").unwrap();
    app.incidents[0].transcript.update(i, |e| {
        if let super::super::transcript_store::Entry::Call(call) = e
            && let Some(out) = &mut call.output
        {
            out.path = "/data/outputs/s-1/001-c1.log".into();
            out.expanded = true;
        }
    });
    let out = app.handle_key(key(KeyCode::Char('y')));
    assert_eq!(
        out,
        vec![Command::YankFile {
            path: "/data/outputs/s-1/001-c1.log".into()
        }]
    );
    let out = app.handle_key(key(KeyCode::Char('o')));
    assert_eq!(
        out,
        vec![Command::Pager {
            path: "/data/outputs/s-1/001-c1.log".into()
        }]
    );
}

fn click(column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: crossterm::event::KeyModifiers::NONE,
    }
}

#[test]
fn a_click_selects_an_incident_and_the_wheel_scrolls_the_transcript() {
    let mut app = three_incidents();
    app.selected = 0;
    draw(&app, 120, 40);
    // Row 1 is the first incident (inside the border), two rows per incident.
    app.handle_mouse(click(5, 5), 120, 40);
    assert_eq!(app.selected, 2);
    app.handle_mouse(click(5, 1), 120, 40);
    assert_eq!(app.selected, 0);
    let mut app = with_output(40);
    draw(&app, 120, 40);
    let wheel = |kind| MouseEvent {
        kind,
        column: 80,
        row: 10,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    app.handle_mouse(wheel(MouseEventKind::ScrollUp), 120, 40);
    assert!(app.incidents[0].scroll.is_some(), "the wheel scrolled up");
    app.views.mouse = false;
    let before = app.incidents[0].scroll;
    app.handle_mouse(wheel(MouseEventKind::ScrollUp), 120, 40);
    assert_eq!(app.incidents[0].scroll, before, "[ui] mouse = false");
}

#[test]
fn a_finished_incident_says_whether_its_fix_was_verified() {
    use crate::protocol::Verdict;
    let mut app = app();
    let mut events = started();
    events.push(Event::CallProposed {
        proposal: proposal("c1", "systemctl restart nginx", Class::Change),
    });
    events.push(Event::Decided {
        call_id: "c1".into(),
        verdict: Verdict::Approved,
    });
    events.push(Event::ExecFinished {
        summary: summary("c1", "systemctl restart nginx", ""),
    });
    events.push(Event::State {
        state: SessionState::Done,
    });
    feed(&mut app, "s1", events);
    let incident = app.current().expect("incident");
    assert_eq!(
        crate::tui::views::state_label(incident),
        "done · unverified"
    );
    feed(
        &mut app,
        "s1",
        vec![
            Event::CallProposed {
                proposal: proposal("c2", "systemctl status nginx", Class::ReadOnly),
            },
            Event::ExecFinished {
                summary: summary("c2", "systemctl status nginx", "active"),
            },
            Event::State {
                state: SessionState::Done,
            },
        ],
    );
    let incident = app.current().expect("incident");
    assert_eq!(crate::tui::views::state_label(incident), "done · verified");
}
