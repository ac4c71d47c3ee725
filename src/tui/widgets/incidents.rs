//! The incident list: severity colour, source, host, title, state; only visible rows are built.
//! Below [`super::NARROW_WIDTH`] columns it collapses to one strip (k9s-style): the selected
//! incident, its place in the list and one state marker per listed incident.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

use super::super::app::{App, Focus};
use super::{severity_color, state_style};

/// Draw the list into `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let counts: Vec<String> = app
        .state_counts()
        .into_iter()
        .map(|(state, n)| format!("{n} {}", state.label()))
        .collect();
    let mut title = if counts.is_empty() {
        " Incidents ".to_string()
    } else {
        format!(
            " Incidents ({}) · {} ",
            app.live_listed(),
            counts.join(" · ")
        )
    };
    if let Some(filter) = &app.views.filter {
        title = format!(
            " Incidents · filter: {} · {} of {} ",
            filter.text,
            app.listed_incidents().len(),
            app.incidents.len()
        );
    }
    let border = if app.focus == Focus::Incidents {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    let inner = super::pane::render(
        &Line::from(title),
        BorderType::Plain,
        border,
        area,
        frame.buffer_mut(),
    );
    if app.incidents.is_empty() {
        let hint = vec![
            Line::from(""),
            Line::from(" No incidents yet."),
            Line::from(vec![
                Span::raw(" Press "),
                Span::styled(
                    app.keymap.label(super::super::keymap::Action::NewAlert),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(" and paste an alert,"),
            ]),
            Line::from(" or start with --alert FILE."),
        ];
        frame.render_widget(
            Paragraph::new(hint).style(Style::new().fg(Color::Gray)),
            inner,
        );
        return;
    }
    let rows_per_item = 2usize;
    let visible = (usize::from(inner.height) / rows_per_item).max(1);
    // The listed incidents on screen: the last `visible` up to the selected one, then the
    // ones after it while room is left. Only these are visited (the list may hold 10,000).
    let n = app.incidents.len();
    let mut shown: Vec<usize> = (0..=app.selected.min(n - 1))
        .rev()
        .filter(|i| app.listed(*i))
        .take(visible)
        .collect();
    shown.reverse();
    if shown.len() < visible {
        let room = visible - shown.len();
        shown.extend((app.selected + 1..n).filter(|i| app.listed(*i)).take(room));
    }
    let mut lines = Vec::with_capacity(visible * rows_per_item);
    for i in shown {
        let incident = &app.incidents[i];
        let selected = i == app.selected;
        let marker = if selected { "▶" } else { " " };
        let sev = incident.severity.as_deref().unwrap_or("-");
        let mut first = Line::from(vec![
            Span::raw(marker),
            Span::styled(
                "● ",
                Style::new().fg(severity_color(incident.severity.as_deref())),
            ),
            Span::styled(
                incident.title.clone(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]);
        let mut second = Line::from(vec![
            Span::raw("   "),
            if incident.asked {
                Span::styled(
                    super::super::views::state_label(incident),
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                )
            } else {
                Span::styled(
                    super::super::views::state_label(incident),
                    state_style(incident.state),
                )
            },
        ]);
        if incident.received {
            second.push_span(Span::styled(
                format!(
                    " · waiting for you ({} start investigation)",
                    app.keymap
                        .label(super::super::keymap::Action::StartInvestigation)
                ),
                Style::new().fg(Color::Yellow),
            ));
        }
        // Team mode: who is on it comes first (the list column is narrow).
        if let Some(note) = app.team.row_note(&incident.session_id) {
            let span = Span::styled(format!("{note} · "), Style::new().fg(Color::Cyan));
            second.spans.insert(1, span);
        }
        if let Some(note) = &incident.resolved {
            second.push_span(Span::styled(
                format!(" · ✔ resolved: {note}"),
                Style::new().fg(Color::Green),
            ));
        }
        if let Some(status) = &incident.source_status {
            second.push_span(Span::styled(
                format!(" · {status}"),
                Style::new().fg(Color::Green),
            ));
        }
        if incident.pending().is_some() {
            let n = incident.open_calls();
            second.push_span(Span::styled(format!(" ({n})"), state_style(incident.state)));
        }
        let calls = incident.calls;
        if calls.total > 0 {
            let mut text = format!(
                " · {} call{}",
                calls.total,
                if calls.total == 1 { "" } else { "s" }
            );
            if calls.auto > 0 {
                text.push_str(&format!(", {} auto", calls.auto));
            }
            if calls.refused > 0 {
                text.push_str(&format!(", {} refused", calls.refused));
            }
            second.push_span(Span::styled(text, Style::new().fg(Color::Gray)));
        }
        second.push_span(Span::styled(
            format!(" · {sev}"),
            Style::new().fg(severity_color(incident.severity.as_deref())),
        ));
        second.push_span(Span::styled(
            format!(
                " · {} · {}",
                incident.source,
                incident.host.as_deref().unwrap_or("-")
            ),
            Style::new().fg(Color::Gray),
        ));
        if selected {
            let bg = Style::new().bg(Color::Rgb(40, 44, 52));
            first = first.style(bg);
            second = second.style(bg);
        }
        lines.push(first);
        lines.push(second);
    }
    super::lines::render(&lines, inner, frame.buffer_mut());
}

/// Most state markers the strip shows.
const MARKERS: usize = 12;

/// Draw the collapsed list into the one-row `area`:
/// `▶ Incidents 2/5 awaiting approval (1) · ● title`,
/// then a marker per listed incident (the selected one reversed).
pub fn render_strip(app: &App, frame: &mut Frame, area: Rect) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![Span::styled(
        "▶ ",
        Style::new().fg(if app.focus == Focus::Incidents {
            Color::Cyan
        } else {
            Color::DarkGray
        }),
    )];
    let listed = app.listed_incidents();
    spans.push(Span::styled("Incidents ", bold));
    let Some(incident) = app.current().filter(|_| !listed.is_empty()) else {
        spans.push(Span::styled(
            format!(
                "none yet: press {} and paste an alert",
                app.keymap.label(super::super::keymap::Action::NewAlert)
            ),
            Style::new().fg(Color::Gray),
        ));
        super::lines::render(&[Line::from(spans)], area, frame.buffer_mut());
        return;
    };
    let pos = listed
        .iter()
        .position(|i| *i == app.selected)
        .map_or(0, |p| p + 1);
    spans.push(Span::styled(
        format!("{pos}/{} ", listed.len()),
        Style::new().fg(Color::Gray),
    ));
    let mut state = super::super::views::state_label(incident);
    if incident.pending().is_some() {
        state.push_str(&format!(" ({})", incident.open_calls()));
    }
    spans.push(Span::styled(state, state_style(incident.state)));
    // Team mode: who is on it.
    if let Some(note) = app.team.row_note(&incident.session_id) {
        spans.push(Span::styled(
            format!(" · {note}"),
            Style::new().fg(Color::Cyan),
        ));
    }
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        "● ",
        Style::new().fg(severity_color(incident.severity.as_deref())),
    ));
    // The markers: a window of listed incidents around the selected one.
    let start = pos
        .saturating_sub(MARKERS / 2 + 1)
        .min(listed.len().saturating_sub(MARKERS));
    let mut markers = vec![Span::raw("  ")];
    for i in listed.iter().skip(start).take(MARKERS) {
        let style = state_style(app.incidents[*i].state);
        let style = if *i == app.selected {
            style.add_modifier(Modifier::REVERSED)
        } else {
            style
        };
        markers.push(Span::styled("◆", style));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum::<usize>()
        + markers.iter().map(|s| s.width()).sum::<usize>();
    let room = usize::from(area.width).saturating_sub(used);
    let title = crate::text::neutralize_line(&incident.title);
    let title = if title.chars().count() > room {
        let cut: String = title.chars().take(room.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        format!("{title:room$}")
    };
    spans.push(Span::styled(title, bold));
    spans.extend(markers);
    let selected = Style::new().bg(Color::Rgb(40, 44, 52));
    super::lines::render(
        &[Line::from(spans).style(selected)],
        area,
        frame.buffer_mut(),
    );
}
