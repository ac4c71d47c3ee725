//! The rules view (`P`): the approval rules in force as the core lists them (origin, action,
//! scope, prefix), and revoking a personal rule (`r`, then `y`). Team rules are shown read-only;
//! the core says which rules are revocable and does the revoking.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::protocol::RuleInfo;
use crate::text::neutralize_line;

use super::app::{App, Command, Overlay};
use super::keymap::Action;
use super::transcript_store::NoteKind;

/// The open rules view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesView {
    /// None until the core's list arrives.
    pub rows: Option<Vec<RuleInfo>>,
    pub selected: usize,
    /// Waiting for `y` to revoke this rule.
    pub confirm: Option<String>,
}

impl App {
    /// `P`: open the rules view and ask the core for the rules in force.
    pub(super) fn open_rules_view(&mut self) -> Vec<Command> {
        self.overlay = Overlay::Rules(RulesView::default());
        vec![Command::LoadRules]
    }

    /// The core's list of rules (or why it could not be read) for the open view.
    pub(super) fn apply_rules(&mut self, result: Result<Vec<RuleInfo>, String>) {
        match result {
            Ok(rows) => {
                if let Overlay::Rules(view) = &mut self.overlay {
                    view.selected = view.selected.min(rows.len().saturating_sub(1));
                    view.rows = Some(rows);
                }
            }
            Err(e) => self.notify(NoteKind::Error, e),
        }
    }

    /// A key in the rules view.
    pub(super) fn rules_view_key(&mut self, mut view: RulesView, key: KeyEvent) -> Vec<Command> {
        let rows = view.rows.clone().unwrap_or_default();
        if let Some(name) = view.confirm.take() {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                self.overlay = Overlay::Rules(view);
                return vec![Command::RevokeRule { name }];
            }
            self.notify(NoteKind::Info, "revoke cancelled");
            self.overlay = Overlay::Rules(view);
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('P') => return Vec::new(),
            KeyCode::Char('r') | KeyCode::Delete => match rows.get(view.selected) {
                Some(row) if row.revocable => {
                    self.notify(
                        NoteKind::Warning,
                        format!(
                            "revoke personal rule `{}`? y revokes, any other key keeps it",
                            neutralize_line(&row.name)
                        ),
                    );
                    view.confirm = Some(row.name.clone());
                }
                Some(row) => self.notify(
                    NoteKind::Info,
                    format!(
                        "`{}` is a team rule ({}): read-only here, change it in its file",
                        neutralize_line(&row.name),
                        neutralize_line(&row.origin)
                    ),
                ),
                None => {}
            },
            _ => match self.keymap.resolve(&key) {
                Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
                Some(Action::Down) => {
                    view.selected = (view.selected + 1).min(rows.len().saturating_sub(1))
                }
                Some(Action::Top) => view.selected = 0,
                Some(Action::Bottom) => view.selected = rows.len().saturating_sub(1),
                _ => {}
            },
        }
        self.overlay = Overlay::Rules(view);
        Vec::new()
    }
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
    // action, name, origin, scope, prefix
    let (w_act, w_name, w_origin) = (6, 20, 21);
    let w_scope = 13;
    let w_prefix = width.saturating_sub(w_act + w_name + w_origin + w_scope + 4);
    lines.push(Line::styled(
        format!(
            "{} {} {} {} {}",
            fit("ACTION", w_act),
            fit("NAME", w_name),
            fit("ORIGIN", w_origin),
            fit("SCOPE", w_scope),
            fit("PREFIX", w_prefix)
        ),
        bold,
    ));
    if rows.is_empty() {
        lines.push(Line::from(
            "no rules are loaded (rules.toml, [policy] rules, personal-rules.toml)",
        ));
    }
    // Rows shown: all but the header, the detail lines and the keys line.
    let room = height.saturating_sub(6).max(1);
    let first = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in rows.iter().enumerate().skip(first).take(room) {
        let color = match row.action.as_str() {
            "forbid" => Color::Red,
            "ask" => Color::Yellow,
            _ => Color::Green,
        };
        let mut style = Style::new();
        if i == view.selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::styled(fit(&row.action, w_act), style.fg(color)),
            Span::styled(" ", style),
            Span::styled(fit(&row.name, w_name), style),
            Span::styled(" ", style),
            Span::styled(fit(&row.origin, w_origin), style),
            Span::styled(" ", style),
            Span::styled(fit(&scope(row), w_scope), style),
            Span::styled(" ", style),
            Span::styled(fit(&row.prefix, w_prefix), style),
        ]));
    }
    let used = lines.len();
    for _ in used..height.saturating_sub(4) {
        lines.push(Line::from(""));
    }
    if let Some(row) = rows.get(view.selected) {
        let reason = if row.reason.trim().is_empty() {
            "(no reason given)".to_string()
        } else {
            row.reason.clone()
        };
        let tools = if row.tools.is_empty() {
            String::new()
        } else {
            format!(" · via {}", row.tools.join(","))
        };
        lines.push(Line::styled(
            fit(&format!("{}: {reason}{tools}", row.name), width),
            Style::new().fg(Color::Gray),
        ));
        lines.push(if row.revocable {
            Line::styled(
                "personal rule: r revokes it (from the next call on)",
                Style::new().fg(Color::Green),
            )
        } else {
            Line::styled(
                "team rule: read-only here; change it in its file",
                Style::new().fg(Color::DarkGray),
            )
        });
    }
    // The status line is under this view: its last message (and the revoke question) is here.
    let notice = match (&view.confirm, &app.message) {
        (Some(name), _) => Line::styled(
            fit(
                &format!("revoke personal rule `{name}`? y revokes, any other key keeps it"),
                width,
            ),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        (None, Some((_, message))) => {
            Line::styled(fit(message, width), Style::new().fg(Color::Gray))
        }
        (None, None) => Line::from(""),
    };
    lines.push(notice);
    let keys = format!(
        "{}/{} move · r revoke a personal rule · Esc close",
        app.keymap.label(Action::Down),
        app.keymap.label(Action::Up)
    );
    lines.push(Line::styled(keys, Style::new().fg(Color::DarkGray)));
    frame.render_widget(Paragraph::new(lines), inner);
}
