//! The rules view (`P`): the approval rules in force as the core lists them (origin, action,
//! scope, prefix) and the prefixes remembered for one incident (as each session reported
//! them), and revoking a personal rule or a remembered prefix (`r`, then `y`). Team rules are
//! shown read-only; the core says which rules are revocable and does the revoking.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::protocol::{DeskOp, Op, RuleInfo, Target, UsedCorrection};
use crate::text::neutralize_line;

use super::app::{App, Command, Overlay};
use super::keymap::Action;
use super::transcript_store::NoteKind;
use super::widgets::wrap_text;

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
    /// A past operator correction shown to the model as an example, by id.
    Correction(Learned),
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
            Revoke::Correction(l) => format!(
                "forget correction {} (`{}` → `{}`)? no later session is shown it; y forgets, any other key keeps it",
                neutralize_line(&l.example.id),
                neutralize_line(&l.example.proposed),
                neutralize_line(&l.example.executed)
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
    /// The tool of the call it was remembered on (empty: not in the transcript).
    pub tool: String,
}

/// Every prefix remembered by an open incident, in list order.
fn remembered(app: &App) -> Vec<Remembered> {
    app.incidents
        .iter()
        .filter(|i| i.resolved.is_none())
        .flat_map(|i| {
            i.remembered
                .iter()
                .map(|(target, prefix, tool)| Remembered {
                    session_id: i.session_id.clone(),
                    title: neutralize_line(&i.title),
                    target: target.clone(),
                    prefix: prefix.clone(),
                    tool: tool.clone(),
                })
        })
        .collect()
}

/// A past operator correction an incident's prompt used, as the view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    /// The title of the incident whose prompt used it (neutralised).
    pub shown_to: String,
    pub example: UsedCorrection,
}

/// Every past correction the open incidents' prompts used, once each, in list order.
fn learned(app: &App) -> Vec<Learned> {
    let mut seen = std::collections::HashSet::new();
    app.incidents
        .iter()
        .filter(|i| i.resolved.is_none())
        .flat_map(|i| {
            i.examples.iter().map(|e| Learned {
                shown_to: neutralize_line(&i.title),
                example: e.clone(),
            })
        })
        .filter(|l| seen.insert(l.example.id.clone()))
        .collect()
}

/// One row of the view: a rule from the core, a remembered prefix, or a past correction.
enum Row<'a> {
    Rule(&'a RuleInfo),
    Prefix(Remembered),
    Correction(Learned),
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
        let learned = learned(self);
        let count = rules.len() + prefixes.len() + learned.len();
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
                    Revoke::Correction(l) => {
                        self.notify(
                            NoteKind::Info,
                            format!("forgetting correction {}…", neutralize_line(&l.example.id)),
                        );
                        vec![Command::Desk(DeskOp::ForgetCorrection { id: l.example.id })]
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
                    None if at < rules.len() + prefixes.len() => prefixes
                        .get(at.saturating_sub(rules.len()))
                        .cloned()
                        .map(Revoke::Prefix),
                    None => learned
                        .get(at.saturating_sub(rules.len() + prefixes.len()))
                        .cloned()
                        .map(Revoke::Correction),
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
        "{}/{} move · r revoke a personal rule or a remembered prefix, or forget a correction · Esc close",
        app.keymap.label(Action::Down),
        app.keymap.label(Action::Up)
    );
    footer.extend(wrapped(&keys, Style::new().fg(Color::DarkGray)));
    // At least the header and one row stay; the footer gives up its first lines for them.
    let keep = footer.len().min(height.saturating_sub(2));
    let footer = footer.split_off(footer.len() - keep);

    let widths = column_widths(&cells, width);
    lines.push(Line::styled(
        join_cells(&HEADERS.map(String::from), &widths),
        bold,
    ));
    if all.is_empty() {
        lines.extend(wrapped(
            "no rules are loaded (rules.toml, [policy] rules, personal-rules.toml) and no \
             prefix is remembered for an incident",
            Style::new(),
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

impl App {
    /// The desk forgot a past correction: drop it from every incident's list and say so.
    pub(super) fn correction_forgotten(&mut self, id: &str, removed: usize) {
        let id_shown = neutralize_line(id);
        if removed == 0 {
            self.notify(
                NoteKind::Warning,
                format!("no correction has id {id_shown} (already forgotten?)"),
            );
        } else {
            self.notify(
                NoteKind::Info,
                format!(
                    "forgot correction {id_shown} ({removed} record(s)): no later session is shown it"
                ),
            );
        }
        for incident in &mut self.incidents {
            incident.examples.retain(|e| e.id != id);
        }
        let extra = remembered(self).len() + learned(self).len();
        if let Overlay::Rules(view) = &mut self.overlay {
            let count = view.rows.as_ref().map_or(0, Vec::len) + extra;
            view.selected = view.selected.min(count.saturating_sub(1));
        }
    }
}
