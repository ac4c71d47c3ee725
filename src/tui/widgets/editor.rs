//! The multi-line editor overlay (new alert, edit call) and the one-line prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::app::{App, EditorPurpose, EditorState, PromptPurpose, PromptState};
use super::centered;

/// The editor's text area in a frame of `full` size (with room for a 3-row error).
fn text_room(full: Rect) -> Rect {
    let inner = Block::bordered().inner(centered(full, 90, 85));
    Rect {
        height: inner.height.saturating_sub(3),
        ..inner
    }
}

/// Whether the editor in a frame of `full` size shows every line of `text` whole (the cursor
/// takes a column at a line's end).
pub fn shows_all(text: &str, full: Rect) -> bool {
    let room = text_room(full);
    let lines: Vec<&str> = text.split('\n').collect();
    lines.len() <= usize::from(room.height)
        && lines
            .iter()
            .all(|l| Span::raw(l.replace('\t', "    ")).width() < usize::from(room.width))
}

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
        None => {
            // The editor does not wrap: say when a line goes on past its right edge.
            let wide = editor
                .textarea
                .lines()
                .iter()
                .filter(|l| Span::raw(l.as_str()).width() >= usize::from(text_area.width))
                .count();
            let more = if wide > 0 {
                format!(" · {wide} wider than the editor: → or End shows their ends")
            } else {
                String::new()
            };
            Paragraph::new(Line::styled(
                format!("{lines} lines{more}"),
                Style::new().fg(if wide > 0 {
                    Color::Yellow
                } else {
                    Color::DarkGray
                }),
            ))
            .wrap(Wrap { trim: false })
        }
    };
    frame.render_widget(info, info_area);
}

/// The box title, the instruction and the colour of a prompt.
fn prompt_text(purpose: &PromptPurpose) -> (&'static str, &'static str, Color) {
    match purpose {
        PromptPurpose::Reject { .. } => (
            " Reject ",
            "Reject: reason for the model · Enter sends · Esc cancels",
            Color::Red,
        ),
        PromptPurpose::Message { .. } => (
            " Message ",
            "Message to the model · Enter sends · Esc cancels",
            Color::Cyan,
        ),
        PromptPurpose::ConfirmApprove { .. } => (
            " Type yes ",
            "DESTRUCTIVE command: type yes and Enter to run exactly this · Esc cancels",
            Color::Red,
        ),
        PromptPurpose::ConfirmEdit { .. } => (
            " Type yes ",
            "Your edit is DESTRUCTIVE: type yes and Enter to run exactly this · Esc cancels",
            Color::Red,
        ),
        PromptPurpose::Search => (
            " Search ",
            "Search the transcript · Enter searches · n/N next/previous · Esc clears",
            Color::Yellow,
        ),
        PromptPurpose::Filter => (
            " Filter ",
            "Filter incidents: words, state:NAME, sev:NAME, archived · empty clears",
            Color::Cyan,
        ),
        PromptPurpose::Resolve { stop: false, .. } => (
            " Resolve ",
            "Resolve this incident: a note for the log · Enter archives it · Esc cancels",
            Color::Green,
        ),
        PromptPurpose::Resolve { stop: true, .. } => (
            " Stop and resolve ",
            "Stop the investigation and resolve? Note · Enter stops · Esc keeps it",
            Color::Red,
        ),
    }
}

/// The exact command a `yes` prompt runs, and where (None for the other prompts).
fn confirm_command(app: &App, purpose: &PromptPurpose) -> Option<(String, String)> {
    let call = |call_id: &str| {
        app.current()
            .and_then(|i| i.panel())
            .filter(|c| c.call_id == call_id)
    };
    match purpose {
        PromptPurpose::ConfirmApprove { call_id, .. } => {
            call(call_id).map(|c| (c.command, c.target.to_string()))
        }
        PromptPurpose::ConfirmEdit {
            call_id, command, ..
        } => Some((
            command.clone(),
            call(call_id).map_or_else(String::new, |c| c.target.to_string()),
        )),
        _ => None,
    }
}

/// The rows inside a prompt `width` columns wide: the instruction, the exact command of a
/// `yes` prompt (all its rows, wrapped) and the input line.
fn prompt_rows(
    app: &App,
    prompt: &PromptState,
    width: usize,
    color: Color,
    instruction: &str,
) -> (Vec<Line<'static>>, Vec<Line<'static>>, Line<'static>) {
    let head = super::wrap::wrap_line(
        Line::styled(
            instruction.to_string(),
            Style::new().fg(color).add_modifier(Modifier::BOLD),
        ),
        width,
    );
    let mut command = Vec::new();
    if let Some((text, target)) = confirm_command(app, &prompt.purpose) {
        if !target.is_empty() {
            command.extend(super::wrap::wrap_line(
                Line::from(format!("on {}", crate::text::neutralize_line(&target))),
                width,
            ));
        }
        for (i, row) in super::approval::command_rows(&text, width + 2)
            .into_iter()
            .enumerate()
        {
            command.push(Line::from(vec![
                Span::styled(if i == 0 { "$ " } else { "  " }, Style::new().fg(color)),
                Span::raw(row),
            ]));
        }
    }
    let input = Line::from(vec![
        Span::raw("› "),
        Span::raw(crate::text::neutralize_line(&prompt.input)),
        Span::styled("█", Style::new().fg(color)),
    ]);
    (head, command, input)
}

/// Draw a prompt at the bottom of `area`: its instruction wrapped, the exact command of a
/// `yes` prompt wrapped whole, and the input line. A prompt taller than `area` takes the whole
/// frame.
pub fn render_prompt(app: &App, prompt: &PromptState, frame: &mut Frame, area: Rect) {
    let (title, instruction, color) = prompt_text(&prompt.purpose);
    let needed = |area: Rect| {
        let width = usize::from(area.width.saturating_sub(2)).max(1);
        let (head, command, _) = prompt_rows(app, prompt, width, color, instruction);
        2 + head.len() + command.len() + 1
    };
    let area = if needed(area) > usize::from(area.height) {
        frame.area()
    } else {
        area
    };
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let (head, mut command, input) = prompt_rows(app, prompt, width, color, instruction);
    let height = (2 + head.len() + command.len() + 1).min(usize::from(area.height));
    let room = height.saturating_sub(3 + head.len());
    if command.len() > room {
        // Only at sizes below what the full view reads it at; it was read there first.
        let more = command.len() + 1 - room.max(1);
        command.truncate(room.saturating_sub(1));
        command.push(Line::styled(
            format!("… {more} more rows, read in full before this prompt"),
            Style::new().fg(Color::Yellow),
        ));
    }
    let height = height as u16;
    let rect = Rect::new(area.x, area.y + area.height - height, area.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(color).add_modifier(Modifier::BOLD));
    let mut lines = head;
    lines.extend(command);
    lines.push(input);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
