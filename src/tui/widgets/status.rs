//! The status bar (provider, connection, tokens, redactions, last message, key hints) and the
//! quit confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::app::{App, LlmState};
use super::super::keymap::Action;
use super::super::transcript_store::NoteKind;
use super::centered;
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
    };
    let p = &app.provider;
    let key = |a: Action| app.keymap.label(a);
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
        Span::raw(format!(
            " · tokens {} · redacted {} │ ",
            app.tokens, app.redactions
        )),
    ];
    for (action, label) in [
        (Action::NewAlert, "new"),
        (Action::Approve, "approve"),
        (Action::Edit, "edit"),
        (Action::Reject, "reject"),
        (Action::Message, "message"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ] {
        spans.push(Span::styled(
            app.keymap
                .keys(action)
                .first()
                .map(|k| k.to_string())
                .unwrap_or_else(|| key(action)),
            bold,
        ));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    let bar = Line::from(spans).style(Style::new().bg(Color::Rgb(30, 30, 30)));
    frame.render_widget(Paragraph::new(vec![message, bar]), area);
}

/// The "quit?" box shown while something is pending or running.
pub fn render_confirm_quit(app: &App, frame: &mut Frame) {
    let (pending, running) = app.busy();
    let area = centered(frame.area(), 60, 30);
    let text = vec![
        Line::styled("Quit opsassist?", Style::new().add_modifier(Modifier::BOLD)),
        Line::from(""),
        Line::from(format!(
            "{pending} call(s) wait for approval, {running} incident(s) are working."
        )),
        Line::from("Sessions are saved on disk and reopen when you start opsassist again."),
        Line::from(""),
        Line::styled(
            "y quit · any other key stays",
            Style::new().fg(Color::Yellow),
        ),
    ];
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(" Quit ")
        .border_style(Style::new().fg(Color::Yellow));
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: false }).block(block),
        area,
    );
}
