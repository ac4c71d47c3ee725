//! The approval panel: the selected incident's oldest pending call, with its target, full
//! command (wrapped, never clipped silently), reason, policy class and queue position.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::policy::Class;
use crate::protocol::{Proposal, Target};
use crate::text::{neutralize, neutralize_line};

use super::super::app::App;
use super::super::keymap::Action;
use super::class_style;
use super::wrap::wrap_text;

/// Rows the panel needs at `width`, capped to 45% of `available` (0 when nothing is pending).
pub fn height(app: &App, width: u16, available: u16) -> u16 {
    let Some((proposal, _, _)) = app.current().and_then(|i| i.pending()) else {
        return 0;
    };
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let needed = 2 + fixed_rows(proposal, inner) + command_rows(proposal, inner).len();
    let cap = (available * 45 / 100).max(8);
    (needed as u16).min(cap).min(available.saturating_sub(3))
}

fn command_rows(proposal: &Proposal, width: usize) -> Vec<String> {
    wrap_text(
        &neutralize(&proposal.command).replace('\t', "    "),
        width.saturating_sub(4).max(1),
    )
}

/// Rows the "why:" line may take; a longer reason ends in "…".
const REASON_ROWS: usize = 3;

/// The reason on one line (runs of whitespace, newlines included, become one space), cut
/// after about `budget` characters; true when something was cut.
fn flatten(text: &str, budget: usize) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if count >= budget {
            return (out, true);
        }
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        let room = budget.saturating_sub(count);
        let taken: String = word.chars().take(room).collect();
        count += taken.chars().count();
        let whole = taken.len() == word.len();
        out.push_str(&taken);
        if !whole {
            out.truncate(out.trim_end().len());
            return (out, true);
        }
    }
    (out, false)
}

fn reason_rows(proposal: &Proposal, width: usize) -> Vec<String> {
    let width = width.max(2);
    let reason = proposal
        .reason
        .as_deref()
        .unwrap_or("(the model gave no reason)");
    let (flat, cut) = flatten(reason, width * REASON_ROWS);
    let mut rows = wrap_text(&neutralize_line(&format!("why: {flat}")), width);
    if rows.len() > REASON_ROWS || cut {
        rows.truncate(REASON_ROWS);
        if let Some(last) = rows.last_mut() {
            while !last.is_empty() && Span::raw(last.as_str()).width() + 1 > width {
                last.pop();
            }
            last.push('…');
        }
    }
    rows
}

/// Target line, tool/class line, reason rows, keys line.
fn fixed_rows(proposal: &Proposal, width: usize) -> usize {
    3 + reason_rows(proposal, width).len()
}

/// Draw the panel into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some((proposal, pos, len)) = app.current().and_then(|i| i.pending()) else {
        return;
    };
    let destructive = proposal.class == Class::Destructive;
    let color = match proposal.class {
        Class::ReadOnly => Color::Green,
        Class::Change => Color::Yellow,
        Class::Destructive => Color::Red,
    };
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(Style::new().fg(color))
        .title(format!(" Approve? call {pos} of {len} (oldest first) "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width).max(1);
    let height = usize::from(inner.height);

    let target_style = match proposal.target {
        Target::Local => Style::new().fg(Color::Black).bg(Color::Cyan),
        Target::Ssh { .. } | Target::Docker { .. } => {
            Style::new().fg(Color::Black).bg(Color::Magenta)
        }
    }
    .add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            " TARGET ",
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(
            format!(" {} ", neutralize_line(&proposal.target.to_string())),
            target_style,
        ),
    ])];
    let mut class_line = vec![
        Span::styled(
            format!("tool {}", neutralize_line(&proposal.tool)),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw("  class "),
        Span::styled(proposal.class.as_str(), class_style(proposal.class)),
        Span::styled(
            format!(" ({})", neutralize_line(&proposal.class_reason)),
            Style::new().fg(Color::DarkGray),
        ),
    ];
    if destructive {
        class_line.push(Span::styled(
            "  type yes to confirm",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(class_line));

    let fixed = fixed_rows(proposal, width);
    let rows = command_rows(proposal, width);
    let room = height.saturating_sub(fixed);
    let shown = if rows.len() <= room {
        rows.len()
    } else {
        room.saturating_sub(1)
    };
    for (i, row) in rows.iter().take(shown).enumerate() {
        let lead = if i == 0 { "  $ " } else { "    " };
        lines.push(Line::from(vec![
            Span::styled(lead, Style::new().fg(color)),
            Span::raw(row.clone()),
        ]));
    }
    if shown < rows.len() {
        lines.push(Line::styled(
            format!(
                "  … ({} more lines, {} to view/edit)",
                rows.len() - shown,
                app.keymap.label(Action::Edit)
            ),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    for row in reason_rows(proposal, width) {
        lines.push(Line::styled(row, Style::new().fg(Color::Gray)));
    }
    let key = |a: Action| app.keymap.label(a);
    let mut keys = vec![
        Span::styled(
            key(Action::Approve),
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        ),
        Span::raw(if destructive {
            " approve (type yes)  "
        } else {
            " approve  "
        }),
    ];
    let prefix = app.current().and_then(|i| i.prefix_for(proposal));
    if let (false, Some(prefix)) = (destructive, prefix) {
        keys.push(Span::styled(
            key(Action::ApprovePrefix),
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        ));
        keys.push(Span::raw(format!(
            " approve `{}` for this incident  ",
            neutralize_line(&prefix)
        )));
    }
    keys.extend([
        Span::styled(
            key(Action::Edit),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Span::raw(" edit  "),
        Span::styled(
            key(Action::Reject),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        Span::raw(" reject"),
    ]);
    lines.push(Line::from(keys));
    frame.render_widget(Paragraph::new(lines), inner);
}
