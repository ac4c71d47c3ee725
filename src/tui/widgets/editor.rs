//! The multi-line editor overlay (new alert, edit call) and the one-line prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::app::{App, EditorPurpose, EditorState, PromptPurpose, PromptState};
use super::centered;

/// Draw the editor overlay.
pub fn render(editor: &EditorState, frame: &mut Frame) {
    let area = centered(frame.area(), 90, 85);
    frame.render_widget(Clear, area);
    let title = match &editor.purpose {
        EditorPurpose::NewAlert => " New alert · Ctrl+S submit · Esc cancel ".to_string(),
        EditorPurpose::EditCall { proposal, .. } if proposal.shell => {
            " Edit command · Ctrl+S run the edited command · Esc back ".to_string()
        }
        EditorPurpose::EditCall { .. } => {
            " Edit JSON arguments · Ctrl+S run with these · Esc back ".to_string()
        }
    };
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let error_height = if editor.error.is_some() { 3 } else { 1 };
    let [text_area, info_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(error_height)]).areas(inner);
    let lines = match &editor.large {
        Some(large) => {
            let mut rows = vec![Line::styled(
                format!(
                    "Large paste ({} bytes, {} lines): kept whole and read-only, shown cut. Ctrl+S submits, Esc cancels.",
                    large.text.len(),
                    large.lines
                ),
                Style::new().fg(Color::Yellow),
            )];
            rows.extend(large.preview.iter().map(|l| Line::from(l.clone())));
            frame.render_widget(Paragraph::new(rows), text_area);
            large.lines
        }
        None => {
            frame.render_widget(&editor.textarea, text_area);
            editor.textarea.lines().len()
        }
    };
    let info = match &editor.error {
        Some(e) => Paragraph::new(vec![Line::styled(
            format!("✘ {e}"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        )])
        .wrap(Wrap { trim: false }),
        None => Paragraph::new(Line::styled(
            format!("{lines} lines"),
            Style::new().fg(Color::DarkGray),
        )),
    };
    frame.render_widget(info, info_area);
}

/// Draw a one-line prompt at the bottom of `area`.
pub fn render_prompt(app: &App, prompt: &PromptState, frame: &mut Frame, area: Rect) {
    let (title, color) = match &prompt.purpose {
        PromptPurpose::Reject { .. } => (
            " Reject: reason for the model · Enter sends · Esc cancels ".to_string(),
            Color::Red,
        ),
        PromptPurpose::Message { .. } => (
            " Message to the model · Enter sends · Esc cancels ".to_string(),
            Color::Cyan,
        ),
        PromptPurpose::ConfirmApprove { .. } => (
            " DESTRUCTIVE command: type yes and Enter to run it · Esc cancels ".to_string(),
            Color::Red,
        ),
        PromptPurpose::ConfirmEdit { command, .. } => (
            format!(
                " Your edit is DESTRUCTIVE: `{}` · type yes and Enter to run it · Esc cancels ",
                crate::text::neutralize_line(command)
            ),
            Color::Red,
        ),
        PromptPurpose::Search => (
            " Search the transcript · Enter searches · n/N next/previous · Esc clears ".to_string(),
            Color::Yellow,
        ),
        PromptPurpose::Filter => (
            " Filter incidents: words, state:NAME, sev:NAME, archived · empty clears ".to_string(),
            Color::Cyan,
        ),
        PromptPurpose::Resolve { stop: false, .. } => (
            " Resolve this incident: a note for the log · Enter archives it · Esc cancels "
                .to_string(),
            Color::Green,
        ),
        PromptPurpose::Resolve { stop: true, .. } => (
            " Stop the investigation and resolve? Note · Enter stops · Esc keeps it ".to_string(),
            Color::Red,
        ),
    };
    let _ = app;
    let height = 3.min(area.height);
    let rect = Rect::new(area.x, area.y + area.height - height, area.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(color).add_modifier(Modifier::BOLD));
    let line = Line::from(vec![
        Span::raw(crate::text::neutralize_line(&prompt.input)),
        Span::styled("█", Style::new().fg(color)),
    ]);
    frame.render_widget(Paragraph::new(line).block(block), rect);
}
