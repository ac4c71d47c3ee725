//! Drawing the rules view (`P`): the table of rules, remembered prefixes and past corrections
//! with columns sized to their content (ORIGIN, then TOOL, give way on narrow screens), the
//! selected row shown whole and wrapped below it, the status line and the keys.

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::protocol::RuleInfo;
use crate::text::neutralize_line;

use super::app::App;
use super::keymap::Action;
use super::rules_view::{Row, RulesView, learned, remembered};
use super::widgets::wrap_text;

/// The columns of the view, in order.
const HEADERS: [&str; 6] = ["ACTION", "NAME", "TOOL", "ORIGIN", "SCOPE", "PREFIX"];

impl Row<'_> {
    fn action(&self) -> &str {
        match self {
            Row::Rule(rule) => &rule.action,
            Row::Prefix(_) => "allow",
            Row::Correction(_) => "example",
        }
    }
}

/// "all tools", or the tools joined.
fn tools(row: &RuleInfo) -> String {
    if row.tools.is_empty() {
        "all tools".to_string()
    } else {
        row.tools.join(",")
    }
}

/// One row's cells, in [`HEADERS`] order.
fn row_cells(row: &Row) -> [String; 6] {
    match row {
        Row::Rule(rule) => [
            rule.action.clone(),
            rule.name.clone(),
            tools(rule),
            rule.origin.clone(),
            scope(rule),
            rule.prefix.clone(),
        ],
        Row::Correction(l) => [
            "example".to_string(),
            l.example.title.clone(),
            "-".to_string(),
            format!("correction {}", l.example.id),
            format!("for \"{}\"", l.shown_to),
            format!("{} → {}", l.example.proposed, l.example.executed),
        ],
        Row::Prefix(r) => [
            "allow".to_string(),
            r.title.clone(),
            if r.tool.is_empty() {
                "?".to_string()
            } else {
                r.tool.clone()
            },
            "this incident".to_string(),
            r.target.to_string(),
            r.prefix.clone(),
        ],
    }
}

/// Column widths for `width` cells: each column as wide as its widest cell (or header). When
/// they do not all fit: ORIGIN is left out (width 0: the selected rule's line below the list
/// names it); then the widest column gives up a cell at a time down to 14; then TOOL is left
/// out too and the widest go on down to 4. A short column is never cut to make room for a
/// long one.
fn column_widths(cells: &[[String; 6]], width: usize) -> [usize; 6] {
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(neutralize_line(cell).chars().count());
        }
    }
    let fits = |widths: &[usize; 6]| {
        let shown = widths.iter().filter(|w| **w > 0).count();
        widths.iter().sum::<usize>() + shown.saturating_sub(1) <= width
    };
    let shrink = |widths: &mut [usize; 6], floor: usize| {
        while !fits(widths) {
            let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
                break;
            };
            if w <= floor {
                break;
            }
            widths[i] -= 1;
        }
    };
    if !fits(&widths) {
        widths[ORIGIN] = 0;
    }
    let natural = widths;
    shrink(&mut widths, 14);
    if !fits(&widths) {
        widths = natural;
        widths[TOOL] = 0;
        shrink(&mut widths, 4);
    }
    widths
}

/// Indexes of the columns left out first when the view is narrow.
const TOOL: usize = 2;
const ORIGIN: usize = 3;

/// A row of cells at `widths`, space-separated (columns of width 0 left out).
fn join_cells(cells: &[String; 6], widths: &[usize; 6]) -> String {
    cells
        .iter()
        .zip(widths)
        .filter(|(_, w)| **w > 0)
        .map(|(c, w)| fit(c, *w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// "all targets", or the targets joined.
fn scope(row: &RuleInfo) -> String {
    if row.targets.is_empty() {
        "all targets".to_string()
    } else {
        row.targets.join(",")
    }
}

/// Cut `text` to `width` characters, marking the cut with `…`.
fn fit(text: &str, width: usize) -> String {
    let text = neutralize_line(text);
    if text.chars().count() <= width {
        format!("{text:<width$}")
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Draw the view over the whole screen.
pub fn render(app: &App, view: &RulesView, frame: &mut Frame) {
    let area = frame.area();
    let block = Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(Style::new().fg(Color::Cyan))
        .title(" Approval rules in force ");
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    let Some(rows) = &view.rows else {
        lines.push(Line::from("reading the rules…"));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let prefixes = remembered(app);
    let mut all: Vec<Row> = rows.iter().map(Row::Rule).collect();
    all.extend(prefixes.into_iter().map(Row::Prefix));
    all.extend(learned(app).into_iter().map(Row::Correction));
    let cells: Vec<[String; 6]> = all.iter().map(row_cells).collect();

    // The footer first: the selected row in full, the status line and the keys, wrapped.
    let wrapped = |text: &str, style: Style| -> Vec<Line<'static>> {
        wrap_text(&neutralize_line(text), width.max(1))
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect()
    };
    let mut footer: Vec<Line<'static>> = Vec::new();
    match all.get(view.selected) {
        Some(Row::Rule(row)) => {
            let reason = if row.reason.trim().is_empty() {
                "(no reason given)".to_string()
            } else {
                row.reason.clone()
            };
            footer.extend(wrapped(
                &format!(
                    "{}: {} `{}` on {} via {} ({}) · {reason}",
                    row.name,
                    row.action,
                    row.prefix,
                    scope(row),
                    tools(row),
                    row.origin
                ),
                Style::new().fg(Color::Gray),
            ));
            footer.extend(if row.revocable {
                wrapped(
                    "personal rule: r revokes it (from the next call on)",
                    Style::new().fg(Color::Green),
                )
            } else {
                wrapped(
                    "team rule: read-only here; change it in its file",
                    Style::new().fg(Color::DarkGray),
                )
            });
        }
        Some(Row::Prefix(r)) => {
            footer.extend(wrapped(
                &format!(
                    "remembered for \"{}\" ({}): `{}` on {} runs without asking",
                    r.title, r.session_id, r.prefix, r.target
                ),
                Style::new().fg(Color::Gray),
            ));
            footer.extend(wrapped(
                "remembered for this incident (A): r revokes it, later calls are asked again",
                Style::new().fg(Color::Green),
            ));
        }
        Some(Row::Correction(l)) => {
            let e = &l.example;
            footer.extend(wrapped(
                &format!(
                    "correction {} from \"{}\" (session {}): the operator ran `{}` instead of `{}`; shown to the model for \"{}\" (score {:.2}, shared: {})",
                    e.id,
                    e.title,
                    e.session_id,
                    e.executed,
                    e.proposed,
                    l.shown_to,
                    e.score,
                    e.shared.join(", ")
                ),
                Style::new().fg(Color::Gray),
            ));
            footer.extend(wrapped(
                "learned from an edit: r forgets it (no later session is shown it)",
                Style::new().fg(Color::Cyan),
            ));
        }
        None => {}
    }
    // The status line is under this view: its last message (and the revoke question) is here.
    match (&view.confirm, &app.message) {
        (Some(revoke), _) => footer.extend(wrapped(
            &revoke.question(),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )),
        (None, Some((_, message))) => footer.extend(wrapped(message, Style::new().fg(Color::Gray))),
        (None, None) => footer.push(Line::from("")),
    }
    let keys = format!(
        "{}/{} move · r revoke or forget the selected row · Esc close",
        app.keymap.label(Action::Down),
        app.keymap.label(Action::Up)
    );
    footer.extend(wrapped(&keys, Style::new().fg(Color::DarkGray)));
    // At least the header and one row stay; the footer gives up its first lines for them.
    let keep = footer.len().min(height.saturating_sub(2));
    let footer = footer.split_off(footer.len() - keep);

    let widths = column_widths(&cells, width);
    if all.is_empty() {
        lines.extend(wrapped(
            "no rules are loaded (rules.toml, [policy] rules, personal-rules.toml), no \
             prefix is remembered for an incident and no past correction is in use",
            Style::new(),
        ));
    } else {
        lines.push(Line::styled(
            join_cells(&HEADERS.map(String::from), &widths),
            bold,
        ));
    }
    // Rows shown: all but the header, a blank line and the footer.
    let room = height.saturating_sub(footer.len() + 2).max(1);
    let first = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, (row, cell)) in all.iter().zip(&cells).enumerate().skip(first).take(room) {
        let color = match row.action() {
            "forbid" => Color::Red,
            "ask" => Color::Yellow,
            "example" => Color::Cyan,
            _ => Color::Green,
        };
        let mut style = Style::new();
        if i == view.selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let mut spans = Vec::new();
        for (n, (text, w)) in cell.iter().zip(widths).enumerate() {
            if w == 0 {
                continue;
            }
            if n > 0 {
                spans.push(Span::styled(" ", style));
            }
            let style = if n == 0 { style.fg(color) } else { style };
            spans.push(Span::styled(fit(text, w), style));
        }
        lines.push(Line::from(spans));
    }
    let used = lines.len();
    for _ in used..height.saturating_sub(footer.len()) {
        lines.push(Line::from(""));
    }
    lines.extend(footer);
    frame.render_widget(Paragraph::new(lines), inner);
}
