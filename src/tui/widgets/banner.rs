//! The "no LLM reachable" banner: what failed and how to connect a model.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::text::neutralize_line;

use super::super::app::{App, LlmState};

/// Rows the banner needs at `width` when it may take at most `max` (0 while the model is
/// reachable or being probed; one line once an incident is open, so the incident keeps the
/// screen).
pub fn height(app: &App, width: u16, max: u16) -> u16 {
    if !app.incidents.is_empty() && matches!(app.llm, LlmState::Unreachable(_)) {
        return 1;
    }
    let (_, rows) = fitting(app, width, max);
    if rows == 0 {
        0
    } else {
        (rows as u16 + 2).min(max)
    }
}

/// The banner's lines that fit `max` rows (borders included) at `width`, and how many rows
/// they wrap to. A small terminal gets the short form: what is unreachable and how to connect
/// a model come before the error's detail, which is cut first.
fn fitting(app: &App, width: u16, max: u16) -> (Vec<Line<'static>>, usize) {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows = |lines: &[Line<'static>]| -> usize {
        lines
            .iter()
            .map(|l| super::wrap_line(l.clone(), inner).len())
            .sum()
    };
    let room = usize::from(max.saturating_sub(2));
    let full = lines(app, true);
    let n = rows(&full);
    if n <= room || full.is_empty() {
        return (full, n);
    }
    let short = lines(app, false);
    let n = rows(&short);
    (short, n)
}

/// Draw the banner into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if area.height == 1 {
        let LlmState::Unreachable(detail) = &app.llm else {
            return;
        };
        let p = &app.provider;
        let line = Line::styled(
            neutralize_line(&format!(
                " No LLM: cannot reach {} at {}: {detail} (? for keys; see the README to connect one)",
                p.name, p.base_url
            )),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        );
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let block = Block::bordered()
        .title(" No LLM connected ")
        .border_style(Style::new().fg(Color::Red));
    let (lines, _) = fitting(app, area.width, area.height);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// The banner's text; `detail`: the error's own words and the closing note (the short form
/// leaves them out).
fn lines(app: &App, detail_too: bool) -> Vec<Line<'static>> {
    let LlmState::Unreachable(detail) = &app.llm else {
        return Vec::new();
    };
    let p = &app.provider;
    let model = if p.model.is_empty() {
        "<model>"
    } else {
        p.model.as_str()
    };
    let ollama = if p.name == "ollama" {
        format!(
            " • Ollama: start it (ollama serve, default http://127.0.0.1:11434) and run: ollama pull {model}"
        )
    } else {
        " • Ollama: opsassist tui --provider ollama (default http://127.0.0.1:11434)".to_string()
    };
    let head = if detail_too {
        format!(
            "Cannot reach {} at {} (model {model}): {detail}",
            p.name, p.base_url
        )
    } else {
        format!(
            "Cannot reach {} at {} (model {model}). Connect one:",
            p.name, p.base_url
        )
    };
    let mut lines = vec![
        Line::styled(
            neutralize_line(&head),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        Line::from(ollama),
        Line::from(" • OpenAI: OPENAI_API_KEY=… opsassist tui --provider openai"),
        Line::from(
            " • llama.cpp / vLLM / LM Studio: opsassist tui --provider openai --base-url http://127.0.0.1:8080/v1",
        ),
    ];
    if detail_too {
        lines.push(Line::styled(
            " Alerts can still be pasted (n) and reviewed; their sessions report the connection error.",
            Style::new().fg(Color::Gray),
        ));
    }
    lines
}
