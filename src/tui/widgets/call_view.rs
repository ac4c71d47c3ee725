//! The full-screen view of one pending call, opened when the panel could not show a full line
//! of its command: the whole command (scrollable), its class, target and what `A` remembers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::text::neutralize_line;

use super::super::app::App;
use super::super::keymap::Action;
use super::super::overlay::CallViewState;
use super::approval::command_rows;
use super::class_style;

/// Lines above and below the command: class, target, remember, blank / blank, keys.
const FIXED: u16 = 6;

/// Command rows the view has room for in a frame of `full` size.
pub fn command_room(full: Rect) -> usize {
    usize::from(full.height.saturating_sub(2 + FIXED))
}

/// Draw the view over the whole frame.
pub fn render(app: &App, view: &CallViewState, frame: &mut Frame) {
    let full = frame.area();
    frame.render_widget(Clear, full);
    let call = app
        .current()
        .filter(|i| i.session_id == view.session_id)
        .and_then(|i| i.panel())
        .filter(|c| c.call_id == view.call_id);
    let Some(call) = call else {
        let block = Block::bordered().title(" Call ");
        frame.render_widget(
            Paragraph::new("This call is no longer waiting. Esc closes.").block(block),
            full,
        );
        return;
    };
    let block = Block::bordered()
        .title(format!(
            " Call {} of {} · j/k scroll · Esc closes ",
            call.pos, call.len
        ))
        .border_style(class_style(call.class));
    let inner = block.inner(full);
    frame.render_widget(block, full);
    let width = usize::from(inner.width).max(1);
    let rows = command_rows(&call, width);
    let room = command_room(full);
    let top = view.scroll.min(rows.len().saturating_sub(room));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("class ", Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(call.class.as_str(), class_style(call.class)),
            Span::styled(
                if call.needs_confirm {
                    " · type yes"
                } else {
                    ""
                },
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(" ({})", neutralize_line(&call.class_reason)),
                Style::new().fg(Color::DarkGray),
            ),
        ]),
        Line::from(format!(
            "on {} · tool {} · {} lines",
            neutralize_line(&call.target.to_string()),
            neutralize_line(&call.tool),
            rows.len()
        )),
        Line::from(match &call.prefix {
            Some(prefix) => format!(
                "{} remembers: `{}`",
                app.keymap.label(Action::ApprovePrefix),
                neutralize_line(prefix)
            ),
            None => format!(
                "{}: no prefix for this command",
                app.keymap.label(Action::ApprovePrefix)
            ),
        }),
        Line::from(""),
    ];
    for (i, row) in rows.iter().enumerate().skip(top).take(room) {
        let lead = if i == 0 { "$ " } else { "  " };
        lines.push(Line::from(format!("{lead}{row}")));
    }
    lines.push(Line::from(""));
    let left = app.guard_left(app.now);
    lines.push(if left > 0 {
        Line::styled(
            format!("just shown: decision keys work in {left} ms"),
            Style::new().fg(Color::Yellow),
        )
    } else {
        Line::from(format!(
            "{} approve · {} remember · {} edit · {} reject",
            app.keymap.label(Action::Approve),
            app.keymap.label(Action::ApprovePrefix),
            app.keymap.label(Action::Edit),
            app.keymap.label(Action::Reject)
        ))
    });
    frame.render_widget(Paragraph::new(lines), inner);
}
