//! `opsassist incidents`: list the incidents in the inbox (received alerts, deduplicated),
//! with count, last-seen time, resolve-at-source and the sessions started for them.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;
use opsassist::store::IncidentState;
use opsassist::text::neutralize_line;

/// `opsassist incidents` subcommands.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List incidents from the receiver's inbox, oldest first
    List {
        /// One JSON object per line instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Mark a waiting incident as taken up by you, outside a console (it stops counting
    /// towards [intake] inbox_capacity and will not auto-start)
    Take {
        /// Incident id (from `opsassist incidents list`)
        id: String,
    },
}

/// Run `opsassist incidents`.
pub fn run(paths: &Paths, cmd: IncidentsCommand) -> anyhow::Result<ExitCode> {
    let config = opsassist::config::Config::load_for(paths)?;
    let opened = opsassist::store::open(paths, &config.store)?;
    let store = opened.store.as_ref();
    let json = match cmd {
        IncidentsCommand::List { json } => json,
        IncidentsCommand::Take { id } => {
            let who = opsassist::store::operator_from_env();
            if store.claim(&id, &who)? {
                println!(
                    "incident {} taken by {}",
                    neutralize_line(&id),
                    neutralize_line(&who)
                );
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "opsassist: incident {} is unknown or already taken",
                neutralize_line(&id)
            );
            return Ok(ExitCode::from(1));
        }
    };
    let incidents = store.incidents()?;
    if json {
        for incident in incidents.iter() {
            println!("{}", opsassist::text::json_line(incident)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if incidents.is_empty() {
        println!("no incidents in {}", opened.board.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let width = terminal_width();
    for line in table(&incidents, chrono::Local::now(), width) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The columns of stdout when it is a terminal (None: a pipe or file, nothing wraps).
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(cols, _)| usize::from(cols))
        .filter(|cols| *cols > 0)
}

/// `13:48:21` today, `2026-12-05 13:48:21` on any other day (local time).
fn when<Tz: chrono::TimeZone>(
    at: chrono::DateTime<chrono::Utc>,
    now: &chrono::DateTime<Tz>,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let local = at.with_timezone(&now.timezone());
    if local.date_naive() == now.date_naive() {
        local.format("%H:%M:%S").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The state column: `open, waiting`, `resolved at source 13:48:21 (reopened 1x)`…
fn state_text<Tz: chrono::TimeZone>(
    incident: &opsassist::store::Incident,
    now: &chrono::DateTime<Tz>,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut state = match incident.state {
        IncidentState::Open if incident.claimed_by.is_some() => "open, taken up".to_string(),
        IncidentState::Open => "open, waiting".to_string(),
        IncidentState::ResolvedAtSource { at } => {
            format!("resolved at source {}", when(at, now))
        }
    };
    if incident.is_flapping() {
        state.push_str(" (flapping)");
    } else if incident.reopened > 0 {
        state.push_str(&format!(" (reopened {}x)", incident.reopened));
    }
    state
}

/// Widest a state may make its column before it wraps onto the next line (in a terminal).
const STATE_MAX: usize = 30;
/// Narrowest state column; a terminal with less room gets one block per incident instead.
const STATE_MIN: usize = 14;
/// Narrowest alert column worth keeping beside the others; below it the alert gets its own
/// indented line.
const ALERT_MIN: usize = 24;

/// The table: every column as wide as its widest cell (so nothing runs into the next one);
/// in a terminal of `width` columns a long state wraps inside its column and the alert wraps
/// under its own column (or goes to its own line when too little room is left).
fn table<Tz: chrono::TimeZone>(
    incidents: &opsassist::store::Incidents,
    now: chrono::DateTime<Tz>,
    width: Option<usize>,
) -> Vec<String>
where
    Tz::Offset: std::fmt::Display,
{
    use unicode_width::UnicodeWidthStr;
    struct Row {
        cells: [String; 5],
        alert: String,
    }
    let rows: Vec<Row> = incidents
        .iter()
        .map(|incident| Row {
            cells: [
                neutralize_line(&incident.id),
                incident.count.to_string(),
                when(incident.last_seen, &now),
                state_text(incident, &now),
                incident.key.source.name().to_string(),
            ],
            alert: neutralize_line(&incident.alert.summary_line()),
        })
        .collect();
    let header = ["ID", "COUNT", "LAST SEEN", "STATE", "SOURCE"];
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = (*w).max(cell.width());
        }
    }
    if let Some(width) = width {
        widths[3] = widths[3].min(STATE_MAX);
        let others: usize = widths.iter().map(|w| w + 2).sum::<usize>() - widths[3];
        let room = width.saturating_sub(others);
        if room < STATE_MIN {
            return cards(
                &rows
                    .iter()
                    .map(|r| (&r.cells, &r.alert))
                    .collect::<Vec<_>>(),
                width,
            );
        }
        widths[3] = widths[3].min(room);
    }
    let fixed: usize = widths.iter().map(|w| w + 2).sum();
    let alert_room = width.map(|w| w.saturating_sub(fixed));
    let alert_beside = alert_room.is_none_or(|room| room >= ALERT_MIN);
    let pad =
        |text: &str, w: usize| format!("{text}{}", " ".repeat(w.saturating_sub(text.width())));
    let line = |cells: [&str; 5], alert: &str| -> String {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            out.push_str(&pad(cell, *w));
            out.push_str("  ");
        }
        out.push_str(alert);
        out.trim_end().to_string()
    };
    let mut out = vec![line(header, if alert_beside { "ALERT" } else { "" })];
    for row in &rows {
        let state = wrap(&row.cells[3], widths[3]);
        let alert = match (alert_beside, alert_room) {
            (true, Some(room)) => wrap(&row.alert, room),
            (true, None) => vec![row.alert.clone()],
            (false, _) => Vec::new(),
        };
        let height = state.len().max(alert.len()).max(1);
        for i in 0..height {
            let first = i == 0;
            let cell = |text: &str| {
                if first {
                    text.to_string()
                } else {
                    String::new()
                }
            };
            let state_part = state.get(i).cloned().unwrap_or_default();
            let alert_part = alert.get(i).cloned().unwrap_or_default();
            out.push(line(
                [
                    &cell(&row.cells[0]),
                    &cell(&row.cells[1]),
                    &cell(&row.cells[2]),
                    &state_part,
                    &cell(&row.cells[4]),
                ],
                &alert_part,
            ));
        }
        if !alert_beside {
            let room = width.unwrap_or(80).saturating_sub(4).max(ALERT_MIN);
            for part in wrap(&row.alert, room) {
                out.push(format!("    {part}"));
            }
        }
    }
    out
}

/// One block per incident for terminals too narrow for the columns: the id, then its facts,
/// state and alert on indented lines, each wrapped to `width`.
fn cards(rows: &[(&[String; 5], &String)], width: usize) -> Vec<String> {
    let room = width.saturating_sub(2).max(1);
    let mut out = Vec::new();
    for (cells, alert) in rows {
        out.extend(wrap(&cells[0], width.max(1)));
        let facts = format!("last seen {} · count {} · {}", cells[2], cells[1], cells[4]);
        for text in [&facts, &cells[3], *alert] {
            out.extend(wrap(text, room).into_iter().map(|l| format!("  {l}")));
        }
    }
    out
}

/// `text` in lines of at most `width` columns, broken at spaces where it can be, inside a word
/// where it must.
fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let word_width: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        let gap = usize::from(!line.is_empty());
        if used + gap + word_width <= width {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += gap + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use opsassist::alert::{Alert, Source, Status};
    use opsassist::store::{Change, DedupKey, InboxRecord, Incidents};

    use super::{table, wrap};

    fn alert(source: Source, title: &str, host: &str) -> Alert {
        Alert {
            source,
            title: title.into(),
            severity: Some("critical".into()),
            status: Status::Firing,
            host: Some(host.into()),
            description: None,
            starts_at: None,
            url: None,
            labels: Default::default(),
            fingerprint: None,
            raw: opsassist::alert::RawJson::null(),
        }
    }

    fn record(incident: &str, at: DateTime<Utc>, change: Change) -> InboxRecord {
        InboxRecord {
            at,
            incident: incident.into(),
            change,
        }
    }

    fn opened(incident: &str, at: DateTime<Utc>, source: Source, title: &str) -> InboxRecord {
        record(
            incident,
            at,
            Change::Opened {
                key: DedupKey {
                    source,
                    fingerprint: format!("fp-{incident}"),
                },
                alert: std::sync::Arc::new(alert(source, title, "db-1")),
            },
        )
    }

    /// Yesterday's Opsgenie incident, resolved at source at 13:48:21 after one reopen, and
    /// today's Docker incident, still waiting.
    fn incidents(now: DateTime<Utc>) -> Incidents {
        let yesterday = now - Duration::days(1);
        let day = |h, m, s| {
            Utc.with_ymd_and_hms(2026, 12, 5, h, m, s)
                .single()
                .unwrap_or(yesterday)
        };
        let mut incidents = Incidents::default();
        for r in [
            opened(
                "inc-a",
                day(10, 0, 0),
                Source::Opsgenie,
                "Disk full on db-1",
            ),
            record(
                "inc-a",
                day(11, 0, 0),
                Change::ResolvedAtSource { ended: None },
            ),
            record(
                "inc-a",
                day(12, 0, 0),
                Change::Reopened {
                    alert: std::sync::Arc::new(alert(
                        Source::Opsgenie,
                        "Disk full on db-1",
                        "db-1",
                    )),
                },
            ),
            record(
                "inc-a",
                day(13, 49, 0),
                Change::ResolvedAtSource {
                    ended: Some(day(13, 48, 21)),
                },
            ),
            opened(
                "inc-b",
                now - Duration::minutes(5),
                Source::Docker,
                "container web exited with code 1 and a long tail of words to wrap",
            ),
        ] {
            incidents.apply(&r);
        }
        incidents
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 18, 0, 0)
            .single()
            .unwrap_or_else(Utc::now)
    }

    #[test]
    fn columns_line_up_and_times_of_other_days_carry_the_date() {
        let lines = table(&incidents(now()), now(), None);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        let alert_at = lines[0].find("ALERT").unwrap_or(usize::MAX);
        let state_at = lines[0].find("STATE").unwrap_or(usize::MAX);
        let a = &lines[1];
        assert!(
            a.contains("resolved at source 2026-12-05 13:48:21 (reopened 1x)"),
            "{a}"
        );
        assert!(
            a.contains("2026-12-05 13:49:00"),
            "last seen has its date: {a}"
        );
        assert_eq!(a.find("[critical]"), Some(alert_at), "{lines:#?}");
        assert_eq!(a.find("resolved"), Some(state_at), "{lines:#?}");
        let b = &lines[2];
        assert!(b.contains(" 17:55:00 "), "today: time only: {b}");
        assert!(!b.contains("2026-12-06"), "{b}");
        assert!(b.contains(" docker "), "{b}");
        assert_eq!(b.find("[critical]"), Some(alert_at), "{lines:#?}");
        assert_eq!(b.find("open, waiting"), Some(state_at), "{lines:#?}");
    }

    #[test]
    fn in_a_narrow_terminal_the_state_and_alert_wrap_inside_their_columns() {
        use unicode_width::UnicodeWidthStr;
        for width in [120, 100, 80, 60, 40, 20] {
            let lines = table(&incidents(now()), now(), Some(width));
            for line in &lines {
                assert!(line.width() <= width, "{width}: {line:?}\n{lines:#?}");
            }
            let text = lines.join("\n");
            for word in ["(reopened", "1x)", "tail", "wrap", "inc-b", "docker"] {
                assert!(text.contains(word), "{width}: {word}\n{text}");
            }
        }
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_words_that_do_not_fit() {
        assert_eq!(wrap("resolved at source", 10), ["resolved", "at source"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
