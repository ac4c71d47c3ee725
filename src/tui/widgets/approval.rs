//! The approval panel: the selected incident's oldest pending call as the core described it
//! (target, class, command, what `A` remembers, whether `yes` is needed). Every part wraps to
//! the panel's width; nothing is cut sideways. The class lines, the first command row and the
//! keys win over the reason when rows are short, and [`command_rows_shown`] says how much of
//! the command was drawn, so a decision needs the whole of it on screen (or the full view).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use crate::policy::Class;
use crate::protocol::Target;
use crate::text::{neutralize, neutralize_line};

use super::super::app::{App, PanelCall};
use super::super::keymap::Action;
use super::class_style;
use super::wrap::{wrap_line, wrap_text};

/// Rows the panel needs at `width`, capped to two thirds of `available` (0 when nothing is
/// pending): a call waiting matters more than the transcript above it.
pub fn height(app: &App, width: u16, available: u16) -> u16 {
    let Some(call) = app.current().and_then(|i| i.panel()) else {
        return 0;
    };
    let parts = Parts::new(app, &call, usize::from(width.saturating_sub(2)).max(1));
    let needed = 2 + parts.total();
    let cap = (available * 2 / 3).max(8);
    (needed as u16).min(cap).min(available.saturating_sub(3))
}

/// The command wrapped to `width` columns after its two-column lead.
pub fn command_rows(command: &str, width: usize) -> Vec<String> {
    wrap_text(
        &neutralize(command).replace('\t', "    "),
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

fn reason_rows(call: &PanelCall, width: usize) -> Vec<Line<'static>> {
    let width = width.max(2);
    let reason = call
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
    rows.into_iter()
        .map(|r| Line::styled(r, Style::new().fg(Color::Gray)))
        .collect()
}

/// Wrap a styled line to `width`.
fn wrapped(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    wrap_line(line, width)
}

/// The panel's parts, each wrapped to the inner width.
pub(super) struct Parts {
    pub class: Vec<Line<'static>>,
    pub command: Vec<Line<'static>>,
    pub target: Vec<Line<'static>>,
    pub warning: Vec<Line<'static>>,
    pub remember: Vec<Line<'static>>,
    pub reask: Vec<Line<'static>>,
    pub reason: Vec<Line<'static>>,
    pub keys: Vec<Line<'static>>,
}

impl Parts {
    pub(super) fn new(app: &App, call: &PanelCall, width: usize) -> Parts {
        let color = class_color(call.class);
        let command = command_rows(&call.command, width)
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let lead = match (i, call.edit.is_some()) {
                    (0, true) => "  ✎ ",
                    (0, false) => "  $ ",
                    _ => "    ",
                };
                Line::from(vec![
                    Span::styled(lead, Style::new().fg(color)),
                    Span::raw(row),
                ])
            })
            .collect();
        let warning = call
            .host_warning
            .as_ref()
            .map(|w| {
                wrapped(
                    Line::styled(
                        format!("⚠ {}", neutralize_line(w)),
                        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                    ),
                    width,
                )
            })
            .unwrap_or_default();
        let reask = call
            .why
            .as_ref()
            .map(|why| {
                wrapped(
                    Line::styled(
                        format!("↺ {}", neutralize_line(why)),
                        Style::new().fg(Color::Yellow),
                    ),
                    width,
                )
            })
            .unwrap_or_default();
        Parts {
            class: wrapped(class_line(call), width),
            command,
            target: wrapped(target_line(call), width),
            warning,
            remember: wrapped(remember_line(app, call), width),
            reask,
            reason: reason_rows(call, width),
            keys: wrapped(keys_line(app, call), width),
        }
    }

    fn total(&self) -> usize {
        [
            &self.class,
            &self.command,
            &self.target,
            &self.warning,
            &self.remember,
            &self.reask,
            &self.reason,
            &self.keys,
        ]
        .iter()
        .map(|p| p.len())
        .sum()
    }
}

fn class_color(class: Class) -> Color {
    match class {
        Class::ReadOnly => Color::Green,
        Class::Change => Color::Yellow,
        Class::Destructive => Color::Red,
    }
}

/// The class, whether `yes` is needed, the class reason and the tool.
pub(super) fn class_line(call: &PanelCall) -> Line<'static> {
    let mut spans = vec![
        Span::styled("class ", Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(call.class.as_str(), class_style(call.class)),
    ];
    if call.needs_confirm {
        spans.push(Span::styled(
            " · type yes",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    spans.push(Span::styled(
        format!(
            " ({}) · tool {}",
            neutralize_line(&call.class_reason),
            neutralize_line(&call.tool)
        ),
        Style::new().fg(Color::DarkGray),
    ));
    Line::from(spans)
}

fn target_line(call: &PanelCall) -> Line<'static> {
    let target_style = match call.target {
        Target::Local => Style::new().fg(Color::Black).bg(Color::Cyan),
        Target::Ssh { .. } | Target::Docker { .. } | Target::Mcp { .. } => {
            Style::new().fg(Color::Black).bg(Color::Magenta)
        }
    }
    .add_modifier(Modifier::BOLD);
    Line::from(vec![
        Span::styled(
            " TARGET ",
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(
            format!(" {} ", neutralize_line(&call.target.to_string())),
            target_style,
        ),
    ])
}

/// How the panel's inner rows are shared out (counts of each part's rows).
struct Budget {
    class: usize,
    command: usize,
    more_hint: bool,
    target: usize,
    warning: usize,
    remember: usize,
    reask: usize,
    reason: usize,
    keys: usize,
}

/// The keys and one command row first (with a row kept for the rest or the "more lines"
/// hint), then the class lines, the target, the host warning, what `A` remembers, one row of
/// the model's reason, the rest of the command (or as much as fits, with the hint), the
/// re-ask reason and the rest of the model's reason. A
/// part that wraps is shown whole or not at all (the command aside, which the full view
/// shows whole).
fn budget(parts: &Parts, height: usize) -> Budget {
    let mut left = height;
    let take = |n: usize, left: &mut usize| {
        let n = n.min(*left);
        *left -= n;
        n
    };
    let whole = |n: usize, left: &mut usize| {
        if n <= *left {
            *left -= n;
            n
        } else {
            0
        }
    };
    let keys = take(parts.keys.len(), &mut left);
    let mut command = take(1, &mut left);
    // A command longer than its first row keeps a row for the rest or the "more" hint.
    let reserved = if parts.command.len() > command {
        take(1, &mut left)
    } else {
        0
    };
    let class = whole(parts.class.len(), &mut left);
    let target = whole(parts.target.len(), &mut left);
    let warning = whole(parts.warning.len(), &mut left);
    let remember = whole(parts.remember.len(), &mut left);
    let mut reason = take(1, &mut left);
    left += reserved;
    let rest = parts.command.len().saturating_sub(command);
    let mut more_hint = false;
    if rest > 0 {
        if rest <= left {
            command += take(rest, &mut left);
        } else if left > 0 {
            command += take(left - 1, &mut left);
            more_hint = take(1, &mut left) == 1;
        } else if reason == 1 {
            // The hint matters more than the reason's row.
            reason = 0;
            more_hint = true;
        }
    }
    let reask = whole(parts.reask.len(), &mut left);
    reason += take(parts.reason.len().saturating_sub(reason), &mut left);
    Budget {
        class,
        command,
        more_hint,
        target,
        warning,
        remember,
        reask,
        reason,
        keys,
    }
}

/// Command rows the panel shows in `area` for `call`, and how many the command has.
pub fn command_rows_shown(app: &App, call: &PanelCall, area: Rect) -> (usize, usize) {
    if area.width < 3 || area.height < 3 {
        return (0, usize::MAX);
    }
    let width = usize::from(area.width - 2).max(1);
    let height = usize::from(area.height - 2);
    let parts = Parts::new(app, call, width);
    (budget(&parts, height).command, parts.command.len())
}

/// Draw the panel into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(call) = app.current().and_then(|i| i.panel()) else {
        return;
    };
    let color = class_color(call.class);
    let order = if call.len > 1 { " (oldest first)" } else { "" };
    let mut title = if call.edit.is_some() {
        format!(" Run your edit? call {} of {} ", call.pos, call.len)
    } else if call.recovered_from_text {
        // The model printed this call as text; the core recovered it (not a native call).
        format!(
            " Approve? call {} of {} · recovered from text ",
            call.pos, call.len
        )
    } else {
        format!(" Approve? call {} of {}{order} ", call.pos, call.len)
    };
    // Team mode: another operator decides this call (this console only watches).
    if let Some(other) = app.current().and_then(|i| app.team.other(&i.session_id)) {
        title = format!(
            " {} decides: call {} of {} ",
            other.operator, call.pos, call.len
        );
    }
    // The panel names its incident, so a key is never meant for another one.
    if let Some(incident) = app.current() {
        let name = neutralize_line(&incident.title);
        let cut: String = name.chars().take(40).collect();
        let more = if cut.len() < name.len() { "…" } else { "" };
        title.push_str(&format!("· {cut}{more} "));
    }
    let inner = super::pane::render(
        &Line::from(title),
        BorderType::Thick,
        Style::new().fg(color),
        area,
        frame.buffer_mut(),
    );
    let width = usize::from(inner.width).max(1);
    let height = usize::from(inner.height);
    let parts = Parts::new(app, &call, width);
    let plan = budget(&parts, height);

    let mut lines: Vec<Line<'static>> = Vec::new();
    lines.extend(parts.class.into_iter().take(plan.class));
    let total = parts.command.len();
    lines.extend(parts.command.into_iter().take(plan.command));
    if plan.more_hint {
        lines.push(Line::styled(
            format!(
                "  … ({} more lines: {} shows all)",
                total - plan.command,
                app.keymap.label(Action::Approve)
            ),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    lines.extend(parts.target.into_iter().take(plan.target));
    lines.extend(parts.warning.into_iter().take(plan.warning));
    lines.extend(parts.remember.into_iter().take(plan.remember));
    lines.extend(parts.reask.into_iter().take(plan.reask));
    lines.extend(parts.reason.into_iter().take(plan.reason));
    // The keys sit on the panel's last rows.
    let keys_at = height.saturating_sub(plan.keys);
    lines.truncate(keys_at);
    while lines.len() < keys_at {
        lines.push(Line::from(""));
    }
    lines.extend(parts.keys.into_iter().take(plan.keys));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Exactly what `A` would remember, as the core offered it.
pub(super) fn remember_line(app: &App, call: &PanelCall) -> Line<'static> {
    let key = app.keymap.label(Action::ApprovePrefix);
    match &call.prefix {
        Some(prefix) => Line::from(vec![
            Span::styled(
                format!("{key} remembers: "),
                Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("`{}` for this incident", neutralize_line(prefix))),
        ]),
        None => Line::styled(
            format!("{key}: no prefix for this command"),
            Style::new().fg(Color::DarkGray),
        ),
    }
}

fn keys_line(app: &App, call: &PanelCall) -> Line<'static> {
    let key = |a: Action| app.keymap.label(a);
    if let Some(line) = app
        .current()
        .and_then(|i| app.team.waiting_line(&i.session_id))
    {
        return Line::styled(
            line,
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        );
    }
    let left = app.guard_left(app.now);
    if left > 0 {
        return Line::styled(
            format!("just shown: decision keys work in {left} ms"),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        );
    }
    let green = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
    let mut keys = vec![
        Span::styled(key(Action::Approve), green),
        Span::raw(match (call.needs_confirm, call.edit.is_some()) {
            (true, true) => " run edit (type yes)  ",
            (true, false) => " approve (type yes)  ",
            (false, _) => " approve  ",
        }),
    ];
    if call.prefix.is_some() {
        keys.push(Span::styled(key(Action::ApprovePrefix), green));
        keys.push(Span::raw(" remember  "));
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
    Line::from(keys)
}
