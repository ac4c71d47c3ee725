//! Frame render time of the dashboard at 200x60 into `TestBackend`: an empty dashboard versus
//! 10,000 incidents and a 100,000-line transcript (followed at the end, and scrolled to the
//! middle), with a full screen of a small state for comparison. The view builds only visible
//! rows, so the large cases cost the same as any full screen.

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use opsassist::alert::{Alert, Source, Status};
use opsassist::protocol::{Event, EventEnvelope, Mode, SessionState};
use opsassist::tui::app::LlmState;
use opsassist::tui::{App, Keymap, ProviderInfo, render};

fn app() -> App {
    let mut app = App::new(
        Keymap::default(),
        ProviderInfo {
            name: "openai".into(),
            model: "bench".into(),
            base_url: "http://127.0.0.1:8080/v1".into(),
        },
    );
    app.llm = LlmState::Reachable;
    app
}

fn envelope(session: &str, seq: u64, event: Event) -> EventEnvelope {
    EventEnvelope {
        session_id: session.into(),
        seq,
        at: Utc::now(),
        event,
    }
}

fn started(i: usize) -> Event {
    Event::SessionStarted {
        alert: Box::new(Alert {
            source: Source::Alertmanager,
            title: format!("High CPU load on web-{i:05}"),
            severity: Some(["critical", "warning", "info"][i % 3].into()),
            status: Status::Firing,
            host: Some(format!("web-{i:05}")),
            description: Some("CPU above 90% for 10 minutes".into()),
            starts_at: None,
            url: None,
            labels: BTreeMap::new(),
            fingerprint: None,
            raw: opsassist::alert::RawJson::null(),
        }),
        provider: "openai".into(),
        model: "bench".into(),
        mode: Mode::Heal,
    }
}

fn filled(incidents: usize, blocks: u64) -> App {
    let mut app = app();
    for i in 0..incidents {
        let id = format!("s{i:05}");
        app.apply(envelope(&id, 1, started(i)));
        app.apply(envelope(
            &id,
            2,
            Event::State {
                state: SessionState::Done,
            },
        ));
    }
    let block: String = (0..100)
        .map(|l| format!("line {l:03} of a long investigation transcript with some words\n"))
        .collect();
    let selected = format!("s{:05}", incidents / 2);
    for k in 0..blocks {
        app.apply(envelope(
            &selected,
            3 + k,
            Event::ModelText {
                text: block.clone(),
                tool_calls: Vec::new(),
            },
        ));
    }
    app.selected = incidents / 2;
    app
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal.draw(|f| render(black_box(app), f)).expect("draw");
}

fn bench(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let empty = app();
    c.bench_function("render 200x60 empty", |b| {
        b.iter(|| draw(&mut terminal, &empty))
    });

    let small = filled(20, 1);
    c.bench_function("render 200x60 20 incidents + 100 lines", |b| {
        b.iter(|| draw(&mut terminal, &small))
    });

    let mut big = filled(10_000, 1000);
    assert!(
        big.current()
            .is_some_and(|i| i.transcript.len_lines() >= 100_000)
    );
    c.bench_function(
        "render 200x60 10k incidents + 100k lines (following)",
        |b| b.iter(|| draw(&mut terminal, &big)),
    );

    draw(&mut terminal, &big);
    // As the event loop does after each frame: the app learns the frame's size (PgDn pages
    // by the transcript rows it shows).
    big.drawn(200, 60, std::time::Instant::now());
    big.handle_key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE));
    for _ in 0..1500 {
        big.handle_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    }
    c.bench_function("render 200x60 10k incidents + 100k lines (middle)", |b| {
        b.iter(|| draw(&mut terminal, &big))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
