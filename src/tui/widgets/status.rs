//! The status bar (provider, connection, tokens, redactions, last message, key hints) and the
//! quit confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::app::{App, LlmState};
use super::super::keymap::Action;
use super::super::transcript_store::NoteKind;
use crate::protocol::Mode;

/// Draw the two status rows into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let message = match &app.message {
        Some((NoteKind::Error, m)) => Line::styled(format!(" ✘ {m}"), Style::new().fg(Color::Red)),
        Some((NoteKind::Warning, m)) => {
            Line::styled(format!(" ⚠ {m}"), Style::new().fg(Color::Yellow))
        }
        Some((NoteKind::Info, m)) => Line::styled(format!(" {m}"), Style::new().fg(Color::Gray)),
        None => Line::from(""),
    };
    let (conn, conn_style) = match &app.llm {
        LlmState::Probing => ("◌ connecting", Style::new().fg(Color::Yellow)),
        LlmState::Reachable => ("● connected", Style::new().fg(Color::Green)),
        LlmState::Unreachable(_) => ("○ no LLM", Style::new().fg(Color::Red)),
        LlmState::Disconnected(_) => ("✘ disconnected", Style::new().fg(Color::Red)),
    };
    let p = &app.provider;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(
            format!(" {} · {} ", p.name, p.model),
            Style::new().fg(Color::Cyan),
        ),
        Span::styled(conn, conn_style),
        // The default (heal, ask for everything) needs no badge; anything else is shown.
        match app.mode {
            Mode::Check => Span::styled(
                " · CHECK MODE: only read-only runs ",
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ),
            Mode::Heal => Span::raw(""),
        },
        Span::raw(if app.auto_read_only {
            " · auto-approve: read-only"
        } else {
            ""
        }),
        if app.auto_restart {
            Span::styled(
                " · auto-restart on ",
                Style::new().fg(Color::Black).bg(Color::Magenta),
            )
        } else {
            Span::raw("")
        },
    ];
    // The selected incident's token total (all incidents when none is selected): shown whole
    // or not at all, like the hints.
    let counters = Span::raw(format!(
        " · tokens {} · redacted {}",
        app.current().map_or(app.tokens, |i| i.tokens),
        app.redactions
    ));
    // Key hints, most urgent first (what the selected incident's state allows, then the
    // everyday keys); each is shown whole or not at all, so a narrow bar never cuts one.
    let mut items: Vec<Vec<Span<'static>>> = vec![super::spinner::context_hints(app)];
    // The decision keys only while the selected incident has a call waiting.
    let pending = app.current().is_some_and(|i| i.pending().is_some());
    let decision = |a: &Action| matches!(a, Action::Approve | Action::Edit | Action::Reject);
    for action in Action::ALL
        .into_iter()
        .filter(|a| a.everyday() && (pending || !decision(a)))
    {
        items.push(vec![
            Span::styled(first_key(app, action), bold),
            Span::raw(format!(" {}  ", action.hint().unwrap_or_default())),
        ]);
    }
    let background = Style::new().bg(Color::Rgb(30, 30, 30));
    // Help and quit stay on screen however narrow the terminal: they get their own area.
    let hints = Line::from(vec![
        Span::styled(first_key(app, Action::Help), bold),
        Span::raw(format!(" {}  ", Action::Help.hint().unwrap_or_default())),
        Span::styled(first_key(app, Action::Quit), bold),
        Span::raw(format!(" {} ", Action::Quit.hint().unwrap_or_default())),
    ])
    .style(background);
    let hints_width = (hints.width() as u16).min(area.width);
    frame.render_widget(Paragraph::new(message), Rect { height: 1, ..area });
    if area.height < 2 {
        return;
    }
    let bar = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(hints_width)]).areas(bar);
    let mut used: usize = spans.iter().map(|s| s.width()).sum();
    if used + counters.width() <= left.width as usize {
        used += counters.width();
        spans.push(counters);
    }
    spans.push(Span::raw(" │ "));
    used += 3;
    for item in items {
        let width: usize = item.iter().map(|s| s.width()).sum();
        if used + width > left.width as usize {
            break;
        }
        used += width;
        spans.extend(item);
    }
    frame.render_widget(Paragraph::new(Line::from(spans).style(background)), left);
    frame.render_widget(Paragraph::new(hints), right);
}

fn first_key(app: &App, action: Action) -> String {
    app.keymap
        .keys(action)
        .first()
        .map(|k| k.to_string())
        .unwrap_or_else(|| app.keymap.label(action))
}

/// The "quit?" box shown while something is pending or running: it names the commands that
/// are running now, which quitting kills.
pub fn render_confirm_quit(app: &App, frame: &mut Frame) {
    let (pending, running) = app.busy();
    let commands = app.running_commands();
    let full = frame.area();
    let height = (9 + commands.len().min(5) as u16).min(full.height);
    let width = (full.width * 80 / 100).max(40.min(full.width));
    let area = Rect::new(
        full.x + (full.width - width) / 2,
        full.y + (full.height - height) / 2,
        width,
        height,
    );
    let mut text = vec![
        Line::styled("Quit opsassist?", Style::new().add_modifier(Modifier::BOLD)),
        Line::from(format!(
            "{pending} call(s) wait for approval, {running} incident(s) are working."
        )),
    ];
    if commands.is_empty() {
        text.push(Line::from("No command is running."));
    } else {
        text.push(Line::styled(
            "Quitting kills these running commands (shown as interrupted next time):",
            Style::new().fg(Color::Red),
        ));
        for command in commands.iter().take(5) {
            text.push(Line::from(format!("  • {command}")));
        }
        if commands.len() > 5 {
            text.push(Line::from(format!("  … and {} more", commands.len() - 5)));
        }
    }
    text.push(Line::from(
        "Sessions are saved on disk and reopen when you start opsassist again.",
    ));
    text.push(Line::styled(
        "y quit · any other key stays",
        Style::new().fg(Color::Yellow),
    ));
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(" Quit ")
        .border_style(Style::new().fg(Color::Yellow));
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        area,
    );
}
