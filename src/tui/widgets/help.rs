//! The `?` overlay: every key, generated from the keymap so config overrides show.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::app::App;
use super::super::keymap::Action;
use super::centered;

/// Draw the help overlay from line `top` (it scrolls when the terminal is short).
pub fn render(app: &App, frame: &mut Frame, top: usize) {
    let full = frame.area();
    let area = if full.height < 30 || full.width < 100 {
        full
    } else {
        centered(full, 80, 80)
    };
    let key_style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for action in Action::ALL {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<12}", app.keymap.label(action)), key_style),
            Span::raw(action.description()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " In the editor and prompts",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    for (key, what) in [
        (
            "Ctrl+S",
            "submit the editor (parse the alert / run the edited call)",
        ),
        ("Esc", "close the editor or prompt without sending anything"),
        (
            "Enter",
            "send the prompt (reject reason, message, typed yes)",
        ),
        (
            "paste",
            "a bracketed paste is inserted in one go; on the dashboard it opens a new alert",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!(" {key:<12}"), key_style),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " Keys can be changed in [keys] of config.toml, e.g. approve = \"z\".",
        Style::new().fg(Color::Gray),
    ));
    let room = usize::from(area.height.saturating_sub(2)).max(1);
    let top = top.min(lines.len().saturating_sub(room));
    let more = lines.len() > room;
    let title = if more {
        format!(
            " Keys · lines {}-{} of {} · j/k scroll · any other key closes ",
            top + 1,
            (top + room).min(lines.len()),
            lines.len()
        )
    } else {
        " Keys · any key closes ".to_string()
    };
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Cyan));
    let shown: Vec<Line> = lines.into_iter().skip(top).take(room).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
