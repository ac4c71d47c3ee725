//! A read-only text overlay (alert details, what the model saw): full screen, scrolled from
//! the view's first line, long lines wrapped.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::views::{TextView, Tone};
use super::wrap_line;

fn style(tone: Tone) -> Style {
    match tone {
        Tone::Heading => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        Tone::Key => Style::new(),
        Tone::Plain => Style::new(),
        Tone::Dim => Style::new().fg(Color::Gray),
        Tone::Warn => Style::new().fg(Color::Yellow),
        Tone::Link => Style::new()
            .fg(Color::Blue)
            .add_modifier(Modifier::UNDERLINED),
    }
}

/// Draw `view` over the whole frame.
pub fn render(view: &TextView, frame: &mut Frame) {
    let area = frame.area();
    frame.render_widget(Clear, area);
    let room = usize::from(area.height.saturating_sub(2)).max(1);
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let top = view.scroll.min(view.lines.len().saturating_sub(room));
    let title = if view.lines.len() > room {
        format!(
            "{}· lines {}-{} of {} ",
            view.title,
            top + 1,
            (top + room).min(view.lines.len()),
            view.lines.len()
        )
    } else {
        view.title.clone()
    };
    let rows: Vec<Line> = view
        .lines
        .iter()
        .skip(top)
        .flat_map(|(tone, text)| wrap_line(Line::styled(text.clone(), style(*tone)), width))
        .take(room)
        .collect();
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Cyan));
    frame.render_widget(Paragraph::new(rows).block(block), area);
}
