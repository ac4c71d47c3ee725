//! The full-screen view of one pending call, opened when the panel could not show the whole
//! command (or the editor the whole edit): the exact text wrapped and scrollable, its class,
//! target, host warning and what `A` remembers. Decision keys act here only once the last row
//! has been on screen ([`window`] tells the event loop's draw what was shown).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::text::neutralize_line;

use super::super::app::{App, PanelCall};
use super::super::keymap::Action;
use super::super::overlay::CallViewState;
use super::approval::{class_line, command_rows, remember_line};
use super::class_style;
use super::wrap::wrap_line;

/// The rows of the text shown and the window over them in a frame of `full` size.
pub struct Window {
    /// First text row shown.
    pub top: usize,
    /// Text rows shown at once.
    pub room: usize,
    /// All text rows.
    pub rows: usize,
}

impl Window {
    /// Every row has been on screen, from the first to the last without a gap (counting
    /// this window).
    pub fn seen_whole(&self, view: &CallViewState) -> bool {
        let seen = if self.top <= view.seen_to {
            view.seen_to.max(self.top + self.room)
        } else {
            view.seen_to
        };
        seen >= self.rows
    }
}

/// The call the view shows and its text (the proposal's command, or the operator's edit).
fn content(app: &App, view: &CallViewState) -> Option<(PanelCall, String)> {
    let call = app
        .current()
        .filter(|i| i.session_id == view.session_id)
        .and_then(|i| i.panel())
        .filter(|c| c.call_id == view.call_id)?;
    let text = view.edit.clone().unwrap_or_else(|| call.command.clone());
    Some((call, text))
}

fn header(app: &App, call: &PanelCall, view: &CallViewState, width: usize) -> Vec<Line<'static>> {
    let mut lines = wrap_line(class_line(call), width);
    lines.extend(wrap_line(
        Line::from(format!("on {}", neutralize_line(&call.target.to_string()))),
        width,
    ));
    if let Some(warning) = &call.host_warning {
        lines.extend(wrap_line(
            Line::styled(
                format!("⚠ {}", neutralize_line(warning)),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ),
            width,
        ));
    }
    if view.edit.is_some() {
        lines.extend(wrap_line(
            Line::styled(
                "your edit, not sent yet: the core rules on it when you run it",
                Style::new().fg(Color::Yellow),
            ),
            width,
        ));
    } else {
        lines.extend(wrap_line(remember_line(app, call), width));
    }
    lines
}

fn footer(app: &App, view: &CallViewState, end: bool, width: usize) -> Vec<Line<'static>> {
    let key = |a: Action| app.keymap.label(a);
    let left = app.guard_left(app.now);
    let line = if !end {
        Line::styled(
            format!(
                "{}/{} read on: decision keys work once the last line was on screen",
                key(Action::Down),
                key(Action::PageDown)
            ),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )
    } else if left > 0 {
        Line::styled(
            format!("just shown: decision keys work in {left} ms"),
            Style::new().fg(Color::Yellow),
        )
    } else if view.edit.is_some() {
        Line::from(format!(
            "{} run this edit · {} edit again · {} reject · Esc back to the editor",
            key(Action::Approve),
            key(Action::Edit),
            key(Action::Reject)
        ))
    } else {
        Line::from(format!(
            "{} approve · {} remember · {} edit · {} reject · Esc closes",
            key(Action::Approve),
            key(Action::ApprovePrefix),
            key(Action::Edit),
            key(Action::Reject)
        ))
    };
    wrap_line(line, width)
}

fn inner(full: Rect) -> Rect {
    Block::bordered().inner(full)
}

fn rows(text: &str, width: usize) -> Vec<String> {
    // The view's lead is two columns; command_rows keeps four for the panel's.
    command_rows(text, width + 2)
}

/// The window over the text in a frame of `full` size (None: the call no longer waits), and
/// whether blank rows set the text apart (when there is room for them).
fn layout(app: &App, view: &CallViewState, full: Rect) -> Option<(Window, bool)> {
    let (call, text) = content(app, view)?;
    let inner = inner(full);
    let width = usize::from(inner.width).max(1);
    let rows = rows(&text, width).len();
    let footer = footer(app, view, false, width)
        .len()
        .max(footer(app, view, true, width).len());
    let fixed = header(app, &call, view, width).len() + footer;
    let height = usize::from(inner.height);
    let spaced = height >= fixed + 2 + 4.min(rows);
    let fixed = fixed + if spaced { 2 } else { 0 };
    let room = height.saturating_sub(fixed).max(1);
    let top = view.scroll.min(rows.saturating_sub(room));
    Some((Window { top, room, rows }, spaced))
}

/// The window over the text in a frame of `full` size (None: the call no longer waits).
pub fn window(app: &App, view: &CallViewState, full: Rect) -> Option<Window> {
    layout(app, view, full).map(|(w, _)| w)
}

/// Draw the view over the whole frame.
pub fn render(app: &App, view: &CallViewState, frame: &mut Frame) {
    let full = frame.area();
    frame.render_widget(Clear, full);
    let (Some((call, text)), Some((window, spaced))) =
        (content(app, view), layout(app, view, full))
    else {
        let block = Block::bordered().title(" Call ");
        frame.render_widget(
            Paragraph::new("This call is no longer waiting. Esc closes.").block(block),
            full,
        );
        return;
    };
    let what = if view.edit.is_some() {
        "Your edit"
    } else {
        "Call"
    };
    let block = Block::bordered()
        .title(format!(
            " {what} {} of {} · {}/{} of {} rows ",
            call.pos,
            call.len,
            window.top + 1,
            (window.top + window.room).min(window.rows),
            window.rows
        ))
        .border_style(class_style(call.class));
    let inner = inner(full);
    frame.render_widget(block, full);
    let width = usize::from(inner.width).max(1);
    let rows = rows(&text, width);
    let mut lines = header(app, &call, view, width);
    if spaced {
        lines.push(Line::from(""));
    }
    let lead = if view.edit.is_some() { "✎ " } else { "$ " };
    for (i, row) in rows.iter().enumerate().skip(window.top).take(window.room) {
        lines.push(Line::from(vec![
            Span::styled(if i == 0 { lead } else { "  " }, class_style(call.class)),
            Span::raw(row.clone()),
        ]));
    }
    for _ in rows.len().saturating_sub(window.top).min(window.room)..window.room {
        lines.push(Line::from(""));
    }
    if spaced {
        lines.push(Line::from(""));
    }
    lines.extend(footer(app, view, window.seen_whole(view), width));
    frame.render_widget(Paragraph::new(lines), inner);
}
