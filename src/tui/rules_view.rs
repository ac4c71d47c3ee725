//! The rules view (`P`): the approval rules in force as the core lists them (origin, action,
//! scope, prefix) and the prefixes remembered for one incident (as each session reported
//! them), and revoking a personal rule or a remembered prefix (`r`, then `y`). Team rules are
//! shown read-only; the core says which rules are revocable and does the revoking.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::protocol::{Op, RuleInfo, Target};
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
    /// Waiting for `y` to revoke this rule or prefix.
    pub confirm: Option<Revoke>,
}

/// What `y` would revoke.
#[derive(Debug, Clone, PartialEq)]
pub enum Revoke {
    /// A personal rule, by name.
    Rule(String),
    /// A prefix remembered for one incident.
    Prefix(Remembered),
}

impl Revoke {
    fn question(&self) -> String {
        match self {
            Revoke::Rule(name) => format!(
                "revoke personal rule `{}`? y revokes, any other key keeps it",
                neutralize_line(name)
            ),
            Revoke::Prefix(r) => format!(
                "revoke `{}` on {} for \"{}\"? y revokes, any other key keeps it",
                neutralize_line(&r.prefix),
                r.target,
                r.title
            ),
        }
    }
}

/// A prefix remembered for the rest of one incident, as the view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    pub session_id: String,
    /// The incident's title (neutralised).
    pub title: String,
    pub target: Target,
    /// As the core reported it (sent back as is to revoke it).
    pub prefix: String,
}

/// Every prefix remembered by an open incident, in list order.
fn remembered(app: &App) -> Vec<Remembered> {
    app.incidents
        .iter()
        .filter(|i| i.resolved.is_none())
        .flat_map(|i| {
            i.remembered.iter().map(|(target, prefix)| Remembered {
                session_id: i.session_id.clone(),
                title: neutralize_line(&i.title),
                target: target.clone(),
                prefix: prefix.clone(),
            })
        })
        .collect()
}

/// One row of the view: a rule from the core, or a remembered prefix.
enum Row<'a> {
    Rule(&'a RuleInfo),
    Prefix(Remembered),
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
        let rules = view.rows.clone().unwrap_or_default();
        let prefixes = remembered(self);
        let count = rules.len() + prefixes.len();
        if let Some(revoke) = view.confirm.take() {
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                self.overlay = Overlay::Rules(view);
                return match revoke {
                    Revoke::Rule(name) => vec![Command::RevokeRule { name }],
                    Revoke::Prefix(r) => {
                        self.progress(
                            &r.session_id,
                            &format!("revoking `{}` on {}…", neutralize_line(&r.prefix), r.target),
                            super::progress_note::Until::PrefixRevoked,
                        );
                        vec![Command::Send {
                            session_id: r.session_id,
                            op: Op::ForgetPrefix {
                                prefix: r.prefix,
                                target: r.target,
                            },
                        }]
                    }
                };
            }
            self.notify(NoteKind::Info, "revoke cancelled");
            self.overlay = Overlay::Rules(view);
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('P') => return Vec::new(),
            KeyCode::Char('r') | KeyCode::Delete => {
                let at = view.selected;
                let revoke = match rules.get(at) {
                    Some(row) if row.revocable => Some(Revoke::Rule(row.name.clone())),
                    Some(row) => {
                        self.notify(
                            NoteKind::Info,
                            format!(
                                "`{}` is a team rule ({}): read-only here, change it in its file",
                                neutralize_line(&row.name),
                                neutralize_line(&row.origin)
                            ),
                        );
                        None
                    }
                    None => prefixes
                        .get(at.saturating_sub(rules.len()))
                        .filter(|_| at >= rules.len())
                        .cloned()
                        .map(Revoke::Prefix),
                };
                if let Some(revoke) = revoke {
                    self.notify(NoteKind::Warning, revoke.question());
                    view.confirm = Some(revoke);
                }
            }
            _ => match self.keymap.resolve(&key) {
                Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
                Some(Action::Down) => {
                    view.selected = (view.selected + 1).min(count.saturating_sub(1))
                }
                Some(Action::Top) => view.selected = 0,
                Some(Action::Bottom) => view.selected = count.saturating_sub(1),
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
    let prefixes = remembered(app);
    if rows.is_empty() && prefixes.is_empty() {
        lines.push(Line::from(
            "no rules are loaded (rules.toml, [policy] rules, personal-rules.toml) and no \
             prefix is remembered for an incident",
        ));
    }
    let mut all: Vec<Row> = rows.iter().map(Row::Rule).collect();
    all.extend(prefixes.into_iter().map(Row::Prefix));
    // Rows shown: all but the header, the detail lines and the keys line.
    let room = height.saturating_sub(6).max(1);
    let first = view.selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in all.iter().enumerate().skip(first).take(room) {
        let (action, name, origin, scope_text, prefix) = match row {
            Row::Rule(rule) => (
                rule.action.clone(),
                rule.name.clone(),
                rule.origin.clone(),
                scope(rule),
                rule.prefix.clone(),
            ),
            Row::Prefix(r) => (
                "allow".to_string(),
                r.title.clone(),
                "this incident".to_string(),
                r.target.to_string(),
                r.prefix.clone(),
            ),
        };
        let color = match action.as_str() {
            "forbid" => Color::Red,
            "ask" => Color::Yellow,
            _ => Color::Green,
        };
        let mut style = Style::new();
        if i == view.selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::styled(fit(&action, w_act), style.fg(color)),
            Span::styled(" ", style),
            Span::styled(fit(&name, w_name), style),
            Span::styled(" ", style),
            Span::styled(fit(&origin, w_origin), style),
            Span::styled(" ", style),
            Span::styled(fit(&scope_text, w_scope), style),
            Span::styled(" ", style),
            Span::styled(fit(&prefix, w_prefix), style),
        ]));
    }
    let used = lines.len();
    for _ in used..height.saturating_sub(4) {
        lines.push(Line::from(""));
    }
    match all.get(view.selected) {
        Some(Row::Rule(row)) => {
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
        Some(Row::Prefix(r)) => {
            lines.push(Line::styled(
                fit(
                    &format!(
                        "remembered for \"{}\" ({}): `{}` on {} runs without asking",
                        r.title, r.session_id, r.prefix, r.target
                    ),
                    width,
                ),
                Style::new().fg(Color::Gray),
            ));
            lines.push(Line::styled(
                "remembered for this incident (A): r revokes it, later calls are asked again",
                Style::new().fg(Color::Green),
            ));
        }
        None => {}
    }
    // The status line is under this view: its last message (and the revoke question) is here.
    let notice = match (&view.confirm, &app.message) {
        (Some(revoke), _) => Line::styled(
            fit(&revoke.question(), width),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        (None, Some((_, message))) => {
            Line::styled(fit(message, width), Style::new().fg(Color::Gray))
        }
        (None, None) => Line::from(""),
    };
    lines.push(notice);
    let keys = format!(
        "{}/{} move · r revoke a personal rule or a remembered prefix · Esc close",
        app.keymap.label(Action::Down),
        app.keymap.label(Action::Up)
    );
    lines.push(Line::styled(keys, Style::new().fg(Color::DarkGray)));
    frame.render_widget(Paragraph::new(lines), inner);
}
