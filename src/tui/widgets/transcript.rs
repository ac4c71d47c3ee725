//! The selected incident's transcript. Only the visible window of lines is built and wrapped:
//! entries are located by prefix sums, expanded output comes from the window read from disk.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::protocol::Verdict;

use super::super::app::{App, Focus, History, Incident};
use super::super::live_output::human_bytes;
use super::super::transcript_store::{
    CallEntry, Entry, NoteKind, OutputView, Speaker, interrupted,
};
use super::{class_style, wrap_line};

/// The wall-clock time the frame is drawn for (None: text for search, no elapsed times).
type Wall = Option<chrono::DateTime<chrono::Utc>>;

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// How a call is marked in the margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    None,
    /// The call the approval panel asks about (or, with nothing pending, the selected one).
    Asked,
    /// Selected with j/k while the panel asks about another call.
    Selected,
}

fn call_head(call: &CallEntry, mark: Mark, wall: Wall) -> Vec<Line<'static>> {
    let marker = match mark {
        Mark::Asked => "▶ ",
        Mark::Selected => "› ",
        Mark::None => "  ",
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(marker, Style::new().fg(Color::Cyan)),
        Span::styled(
            format!("$ {} ", call.tool),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("@ {} ", call.target),
            Style::new().fg(Color::Magenta),
        ),
        Span::styled(
            format!("[{}]", call.class.as_str()),
            class_style(call.class),
        ),
    ])];
    if call.command.is_empty() {
        lines.push(Line::styled("    (no command)", dim()));
    }
    for cmd in &call.command {
        lines.push(Line::from(format!("    {}", cmd.replace('\t', "    "))));
    }
    if let Some(reason) = &call.reason {
        lines.push(Line::styled(format!("    why: {reason}"), dim()));
    }
    for why in &call.asked_again {
        lines.push(Line::styled(
            format!("  ↺ asked again: {why}"),
            Style::new().fg(Color::Yellow),
        ));
    }
    match &call.verdict {
        None => {}
        Some(Verdict::Approved) => lines.push(Line::styled(
            match &call.remembered {
                Some(prefix) => format!("  ✔ approved · remembered `{prefix}` for this incident"),
                None => "  ✔ approved".to_string(),
            },
            Style::new().fg(Color::Green),
        )),
        Some(Verdict::AutoApproved { rule }) => lines.push(Line::styled(
            format!("  ⟳ auto ({rule})"),
            Style::new().fg(Color::Green),
        )),
        Some(Verdict::Edited { after, class, .. }) => {
            let mut head = vec![Span::styled(
                "  ✎ edited, ran instead",
                Style::new().fg(Color::Yellow),
            )];
            if let Some(class) = class {
                head.push(Span::raw(" "));
                head.push(Span::styled(
                    format!("[{}]", class.as_str()),
                    class_style(*class),
                ));
            }
            head.push(Span::styled(":", Style::new().fg(Color::Yellow)));
            lines.push(Line::from(head));
            let mut n = 0;
            for l in after.lines() {
                lines.push(Line::styled(
                    format!("    {}", l.replace('\t', "    ")),
                    Style::new().fg(Color::Yellow),
                ));
                n += 1;
            }
            if n == 0 {
                lines.push(Line::from(""));
            }
        }
        Some(Verdict::Rejected { reason }) => lines.push(Line::styled(
            format!("  ✘ rejected: {reason}"),
            Style::new().fg(Color::Red),
        )),
        Some(Verdict::Refused { reason }) => lines.push(Line::styled(
            // The core's reasons often begin with the word already.
            format!(
                "  ⊘ refused: {}",
                reason.strip_prefix("refused: ").unwrap_or(reason)
            ),
            Style::new().fg(Color::Red),
        )),
    }
    if let Some(s) = &call.summary
        && interrupted(s)
    {
        let bytes = s.stdout_bytes + s.stderr_bytes;
        let size = match call.output.as_ref().and_then(|o| o.index.as_ref()) {
            // Recovery measured the file (its hash is set): its size is known, even 0 B.
            _ if bytes > 0 || !s.output_sha256.is_empty() => {
                format!("{} in its output file", human_bytes(bytes))
            }
            Some(index) => format!("{} in its output file", human_bytes(index.file_len())),
            None => match call.output.as_ref().map(|o| (o.loading, &o.error)) {
                Some((_, Some(e))) => format!("output file unreadable: {e}"),
                Some((true, _)) => "reading its output file…".to_string(),
                _ => "no output file".to_string(),
            },
        };
        lines.push(Line::styled(
            format!("  ⚠ interrupted: outcome unknown · {size}"),
            Style::new().fg(Color::Yellow),
        ));
    } else if let Some(s) = &call.summary {
        let mut parts = Vec::new();
        match (s.exit_code, s.signal) {
            (Some(code), _) => parts.push(format!("exit {code}")),
            (None, Some(sig)) => parts.push(format!("killed by signal {sig}")),
            (None, None) => parts.push("did not run".to_string()),
        }
        if s.cancelled {
            parts.push(format!(
                "cancelled by operator after {:.1} s",
                s.duration_ms as f64 / 1000.0
            ));
        }
        if s.timed_out {
            parts.push("timed out".into());
        }
        if s.dropped_bytes > 0 {
            parts.push(format!(
                "{} dropped from its output file",
                human_bytes(s.dropped_bytes)
            ));
        }
        if let Some(e) = &s.connection_error {
            parts.push(format!("ssh: {}", crate::text::neutralize_line(e)));
        }
        if !s.cancelled {
            // A cancelled call already said how long it ran.
            parts.push(crate::text_units::human_duration(s.duration_ms));
        }
        parts.push(format!(
            "{} out, {} err",
            human_bytes(s.stdout_bytes),
            human_bytes(s.stderr_bytes)
        ));
        if s.redactions > 0 {
            parts.push(format!("{} redacted", s.redactions));
        }
        let ok = s.exit_code == Some(0) && s.connection_error.is_none();
        let color = if ok { Color::Green } else { Color::Red };
        lines.push(Line::styled(
            format!("  ⏹ {}", parts.join(" · ")),
            Style::new().fg(color),
        ));
    } else if call.running {
        // "since 03:12:07 (12 s)": the elapsed time ticks with the frame's wall clock.
        let since = call
            .started_at
            .map(|at| {
                let elapsed = wall
                    .map(|now| (now - at).num_seconds())
                    .filter(|s| *s >= 0)
                    .map(|s| match s.unsigned_abs() {
                        s @ 0..60 => format!(" ({s} s)"),
                        s => format!(" ({})", crate::text_units::human_duration(s * 1000)),
                    })
                    .unwrap_or_default();
                format!(" since {}{elapsed}", at.format("%H:%M:%S"))
            })
            .unwrap_or_default();
        let text = match &call.live {
            Some(live) => format!("  ⏳ running{since} · {} so far", human_bytes(live.bytes)),
            None => format!("  ⏳ running{since}…"),
        };
        lines.push(Line::styled(text, Style::new().fg(Color::Cyan)));
    }
    lines
}

fn output_line(out: &OutputView, offset: usize) -> Line<'static> {
    let body = |text: &str| {
        Line::from(vec![
            Span::styled("  │ ", dim()),
            Span::raw(text.to_string()),
        ])
    };
    if !out.expanded {
        // The preview is the last lines: the hint about the earlier ones comes first.
        let hidden = out.total_lines.saturating_sub(out.preview.len());
        return match (hidden, offset) {
            (0, k) => out.preview.get(k).map_or_else(|| body(""), |l| body(l)),
            (n, 0) => Line::styled(
                format!(
                    "  [{n} earlier line{}, Enter to expand]",
                    if n == 1 { "" } else { "s" }
                ),
                Style::new().fg(Color::Cyan),
            ),
            (_, k) => out.preview.get(k - 1).map_or_else(|| body(""), |l| body(l)),
        };
    }
    let body_len = out.index.as_ref().map_or(out.preview.len(), |i| i.len());
    if offset >= body_len {
        let tail = match &out.error {
            Some(e) => format!("  [cannot read full output: {e}; Enter to collapse]"),
            None if out.index.is_none() => {
                "  [indexing full output…; Enter to collapse]".to_string()
            }
            None if body_len == 1 => "  [1 line; Enter to collapse]".to_string(),
            None => format!("  [{body_len} lines; Enter to collapse]"),
        };
        return Line::styled(tail, Style::new().fg(Color::Cyan));
    }
    if out.index.is_none() {
        return out
            .preview
            .get(offset)
            .map_or_else(|| body(""), |l| body(l));
    }
    match offset
        .checked_sub(out.window_start)
        .and_then(|k| out.window.get(k))
    {
        Some(l) => body(l),
        None => Line::styled("  │ …", dim()),
    }
}

fn entry_line(entry: &Entry, offset: usize, mark: Mark, wall: Wall) -> Line<'static> {
    match entry {
        Entry::Alert { lines } => {
            let text = lines.get(offset).cloned().unwrap_or_default();
            if offset == 0 {
                Line::styled(
                    text,
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                )
            } else {
                Line::from(text)
            }
        }
        Entry::Text {
            speaker,
            lines,
            streaming,
        } => {
            let text = lines.get(offset).cloned().unwrap_or_default();
            let (prefix, style) = match speaker {
                Speaker::Model => ("◆ ", Style::new()),
                Speaker::Operator => ("› you: ", Style::new().fg(Color::Cyan)),
                Speaker::Opsassist => ("◇ opsassist: ", Style::new().fg(Color::DarkGray)),
            };
            let lead = if offset == 0 {
                prefix.to_string()
            } else {
                " ".repeat(prefix.chars().count())
            };
            let mut line = Line::from(Span::styled(lead, Style::new().fg(Color::Cyan)));
            match speaker {
                Speaker::Model => {
                    let in_code = super::markdown::in_code_block(lines, offset);
                    for span in super::markdown::line_spans(&text, in_code, style) {
                        line.push_span(span);
                    }
                }
                Speaker::Operator | Speaker::Opsassist => line.push_span(Span::styled(text, style)),
            }
            if *streaming && offset + 1 == lines.len() {
                line.push_span(Span::styled("▍", Style::new().fg(Color::Cyan)));
            }
            line
        }
        Entry::Note { kind, text } => match kind {
            NoteKind::Info => Line::styled(format!("■ {text}"), Style::new().fg(Color::Blue)),
            NoteKind::Warning => Line::styled(format!("⚠ {text}"), Style::new().fg(Color::Yellow)),
            NoteKind::Error => Line::styled(format!("✘ {text}"), Style::new().fg(Color::Red)),
        },
        Entry::Thinking(thinking) => super::thinking::line(thinking, offset, mark != Mark::None),
        Entry::Call(call) => {
            let head_len = call.line_count_before_output();
            if offset < head_len {
                call_head(call, mark, wall)
                    .into_iter()
                    .nth(offset)
                    .unwrap_or_default()
            } else if let Some(out) = &call.output {
                output_line(out, offset - head_len)
            } else {
                call.live
                    .as_ref()
                    .and_then(|live| live.lines.get(offset - head_len))
                    .map(|text| {
                        Line::from(vec![Span::styled("  ┊ ", dim()), Span::raw(text.clone())])
                    })
                    .unwrap_or_default()
            }
        }
    }
}

/// The plain text of line `offset` of `entry`, as drawn (for search).
pub fn line_text(entry: &Entry, offset: usize) -> String {
    entry_line(entry, offset, Mark::None, None)
        .spans
        .iter()
        .map(|s| s.content.as_ref())
        .collect()
}

/// Logical lines `from..to` of the transcript, styled; matches of an active search
/// (`search`: the current match's line and the lower-case needle) highlighted.
fn logical_lines(
    incident: &Incident,
    from: usize,
    to: usize,
    search: Option<(usize, &str)>,
    wall: Wall,
) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(to.saturating_sub(from));
    // ▶ marks the call the approval panel asks about.
    let asked = incident
        .panel()
        .and_then(|call| incident.transcript.find_call(&call.call_id));
    let mut line = from;
    while line < to {
        let Some((i, offset)) = incident.transcript.locate(line) else {
            break;
        };
        let entry = &incident.transcript.entries()[i];
        let mark = if asked == Some(i) {
            Mark::Asked
        } else if incident.selected_call == Some(i) {
            if asked.is_some() {
                Mark::Selected
            } else {
                Mark::Asked
            }
        } else {
            Mark::None
        };
        let end = (incident.transcript.entry_start(i + 1)).min(to);
        for k in offset..offset + (end - line) {
            let mut drawn = entry_line(entry, k, mark, wall);
            // A thinking line is already cut to the width: a time after it would wrap.
            if k == 0
                && !matches!(entry, Entry::Thinking(_))
                && let Some(at) = incident.transcript.time(i)
            {
                drawn.push_span(Span::styled(format!("  {}", at.format("%H:%M:%S")), dim()));
            }
            out.push(match search {
                Some((current, needle)) => {
                    let here = line + (k - offset);
                    super::super::search::highlight(drawn, needle, here == current)
                }
                None => drawn,
            });
        }
        line = end;
    }
    out
}

/// Rows of transcript text inside a transcript pane of `area`: inside its border, less the
/// spinner's row while the model works (what [`render`] fills; the keys page by it).
pub fn body_rows(app: &App, area: Rect) -> u16 {
    let inner = Block::bordered().inner(area);
    match app.current() {
        Some(incident)
            if inner.height > 2
                && super::spinner::working_line(app, incident, app.now).is_some() =>
        {
            inner.height - 1
        }
        _ => inner.height,
    }
}

/// Draw the transcript into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let border = if app.focus == Focus::Transcript {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    let Some(incident) = app.current() else {
        let block = Block::bordered().title(" Transcript ").border_style(border);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        debug_assert_eq!(inner.height, body_rows(app, area));
        let text = vec![
            Line::from(""),
            Line::from(
                "The investigation of the selected incident appears here: the alert, the model's reasoning as it streams, every proposed command with your decision, and the command output.",
            ),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .style(dim())
                .block(Block::new().padding(ratatui::widgets::Padding::horizontal(2)))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    };
    let total = incident.transcript.len_lines();
    let follow = incident.scroll.is_none();
    let search = app.search_line(incident);
    let found = search.map(|(_, s)| {
        let at = s.current.map_or(String::from("-"), |c| (c + 1).to_string());
        let more = if s.pending > 0 { " (searching…)" } else { "" };
        format!(
            " /{} {at} of {}{more} ·",
            crate::text::neutralize_line(&s.query),
            s.hits.len()
        )
    });
    let search = search.map(|(line, s)| (line, s.needle.as_str()));
    // An active search leads the title so it shows on narrow terminals.
    let title = format!(
        "{} {} · {} lines{} ",
        found.unwrap_or_default(),
        incident.title,
        total,
        if follow { " · following" } else { "" },
    );
    let mut inner = super::pane::render(
        &Line::from(title),
        BorderType::Plain,
        border,
        area,
        frame.buffer_mut(),
    );
    if inner.height > 2
        && let Some(line) = super::spinner::working_line(app, incident, app.now)
    {
        inner.height -= 1;
        let row = Rect {
            y: inner.y + inner.height,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(line), row);
    }
    debug_assert_eq!(inner.height, body_rows(app, area));
    let height = usize::from(inner.height);
    let width = usize::from(inner.width);
    if height == 0 || width == 0 {
        return;
    }
    if matches!(incident.history, History::NotLoaded | History::Loading(_)) {
        let text = vec![
            Line::from(""),
            Line::from("  Loading this incident's transcript from its session log…"),
        ];
        frame.render_widget(Paragraph::new(text).style(dim()), inner);
        return;
    }
    let rows: Vec<Line<'static>> = if follow {
        let mut rows = Vec::with_capacity(height);
        let mut end = total;
        while end > 0 && rows.len() < height {
            let start = end.saturating_sub(height - rows.len());
            let mut chunk: Vec<Line<'static>> =
                logical_lines(incident, start, end, search, Some(app.wall))
                    .into_iter()
                    .flat_map(|l| wrap_line(l, width))
                    .collect();
            chunk.append(&mut rows);
            rows = chunk;
            end = start;
        }
        let skip = rows.len().saturating_sub(height);
        rows.into_iter().skip(skip).collect()
    } else {
        let top = incident.view_top(height);
        logical_lines(
            incident,
            top,
            (top + height).min(total),
            search,
            Some(app.wall),
        )
        .into_iter()
        .flat_map(|l| wrap_line(l, width))
        .take(height)
        .collect()
    };
    super::lines::render(&rows, inner, frame.buffer_mut());
}
