//! The approval panel: the selected incident's oldest pending call as the core described it
//! (target, class, command, what `A` remembers, whether `yes` is needed). The class line, a
//! full line of the command and the keys line win over the reason when rows are short.

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
use super::wrap::wrap_text;

/// Rows the panel needs at `width`, capped to 45% of `available` (0 when nothing is pending).
pub fn height(app: &App, width: u16, available: u16) -> u16 {
    let Some(call) = app.current().and_then(|i| i.panel()) else {
        return 0;
    };
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let needed = 2
        + 4
        + usize::from(call.why.is_some())
        + usize::from(call.host_warning.is_some())
        + reason_rows(&call, inner).len()
        + command_rows(&call, inner).len();
    let cap = (available * 45 / 100).max(8);
    (needed as u16).min(cap).min(available.saturating_sub(3))
}

/// The command wrapped to the panel's inner `width` (after the `  $ ` lead).
pub fn command_rows(call: &PanelCall, width: usize) -> Vec<String> {
    wrap_text(
        &neutralize(&call.command).replace('\t', "    "),
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

fn reason_rows(call: &PanelCall, width: usize) -> Vec<String> {
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
    rows
}

/// How the panel's inner rows are shared out.
struct Budget {
    command: usize,
    more_hint: bool,
    target: bool,
    host_warning: bool,
    remember: bool,
    reask: bool,
    reason: usize,
}

/// The class and keys lines first, then one command row, the target, what `A` remembers,
/// one row of the model's reason, the rest of the command (or as much as fits, with a "more
/// lines" hint), the re-ask reason and the rest of the model's reason.
fn budget(call: &PanelCall, width: usize, height: usize) -> Budget {
    let rows = command_rows(call, width).len();
    let reasons = reason_rows(call, width).len();
    let mut left = height.saturating_sub(2);
    let take = |n: usize, left: &mut usize| {
        let n = n.min(*left);
        *left -= n;
        n
    };
    let mut command = take(1, &mut left);
    let target = take(1, &mut left) == 1;
    let host_warning = call.host_warning.is_some() && take(1, &mut left) == 1;
    let remember = take(1, &mut left) == 1;
    let mut reason = take(1, &mut left);
    let rest = rows.saturating_sub(command);
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
    let reask = call.why.is_some() && take(1, &mut left) == 1;
    reason += take(reasons.saturating_sub(reason), &mut left);
    Budget {
        command,
        more_hint,
        target,
        host_warning,
        remember,
        reask,
        reason,
    }
}

/// Full command lines the panel shows in `area` for `call` (0: not one whole line).
pub fn command_rows_shown(app: &App, call: &PanelCall, area: Rect) -> usize {
    let _ = app;
    if area.width < 3 || area.height < 3 {
        return 0;
    }
    let width = usize::from(area.width - 2).max(1);
    let height = usize::from(area.height - 2);
    budget(call, width, height).command
}

/// Draw the panel into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(call) = app.current().and_then(|i| i.panel()) else {
        return;
    };
    let color = match call.class {
        Class::ReadOnly => Color::Green,
        Class::Change => Color::Yellow,
        Class::Destructive => Color::Red,
    };
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
    let plan = budget(&call, width, height);

    let mut lines = Vec::new();
    let mut class_line = vec![
        Span::styled("class ", Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(call.class.as_str(), class_style(call.class)),
    ];
    if call.needs_confirm {
        class_line.push(Span::styled(
            " · type yes",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    class_line.push(Span::styled(
        format!(
            " ({}) · tool {}",
            neutralize_line(&call.class_reason),
            neutralize_line(&call.tool)
        ),
        Style::new().fg(Color::DarkGray),
    ));
    lines.push(Line::from(class_line));

    let target_style = match call.target {
        Target::Local => Style::new().fg(Color::Black).bg(Color::Cyan),
        Target::Ssh { .. } | Target::Docker { .. } => {
            Style::new().fg(Color::Black).bg(Color::Magenta)
        }
    }
    .add_modifier(Modifier::BOLD);
    let target_line = Line::from(vec![
        Span::styled(
            " TARGET ",
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(
            format!(" {} ", neutralize_line(&call.target.to_string())),
            target_style,
        ),
    ]);
    let rows = command_rows(&call, width);
    let mut command_lines: Vec<Line> = rows
        .iter()
        .take(plan.command)
        .enumerate()
        .map(|(i, row)| {
            let lead = match (i, call.edit.is_some()) {
                (0, true) => "  ✎ ",
                (0, false) => "  $ ",
                _ => "    ",
            };
            Line::from(vec![
                Span::styled(lead, Style::new().fg(color)),
                Span::raw(row.clone()),
            ])
        })
        .collect();
    if plan.more_hint {
        command_lines.push(Line::styled(
            format!(
                "  … ({} more lines, {} to view/edit)",
                rows.len() - plan.command,
                app.keymap.label(Action::Edit)
            ),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    let mut command_iter = command_lines.into_iter();
    if let Some(first) = command_iter.next() {
        lines.push(first);
    }
    if plan.target {
        lines.push(target_line);
    }
    if plan.host_warning
        && let Some(warning) = &call.host_warning
    {
        lines.push(Line::styled(
            format!("⚠ {}", neutralize_line(warning)),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    lines.extend(command_iter);
    if plan.remember {
        lines.push(remember_line(app, &call));
    }
    if plan.reask
        && let Some(why) = &call.why
    {
        lines.push(Line::styled(
            format!("↺ {}", neutralize_line(why)),
            Style::new().fg(Color::Yellow),
        ));
    }
    for row in reason_rows(&call, width).into_iter().take(plan.reason) {
        lines.push(Line::styled(row, Style::new().fg(Color::Gray)));
    }
    // The keys line sits on the panel's last row.
    let used = lines.len();
    for _ in used..height.saturating_sub(1) {
        lines.push(Line::from(""));
    }
    lines.truncate(height.saturating_sub(1));
    lines.push(keys_line(app, &call));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Exactly what `A` would remember, as the core offered it.
fn remember_line(app: &App, call: &PanelCall) -> Line<'static> {
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
