//! Transcript search (`/`): matches in the selected incident's transcript (text, calls,
//! notes, output previews) found in memory, and matches in expanded outputs found by reading
//! their files in a task; `n`/`N` move between them, the view highlights them.

use std::io::{BufRead, BufReader};
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::app::{App, Command, Incident};
use super::transcript_store::{Entry, NoteKind};

/// Most matches kept per search (per output file, and in memory).
pub const MAX_HITS: usize = 10_000;

/// One match: a line of an entry (`offset` counts from the entry's first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub entry: usize,
    pub offset: usize,
}

/// The active search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub session_id: String,
    /// What was typed.
    pub query: String,
    /// Lower-case (ASCII) form used for matching.
    pub needle: String,
    /// Matches, in transcript order.
    pub hits: Vec<Hit>,
    /// Index into `hits` of the match shown.
    pub current: Option<usize>,
    /// Output files still being searched.
    pub pending: usize,
}

/// True when `text` contains `needle` (already lower-case), ignoring ASCII case.
pub fn contains(text: &str, needle: &str) -> bool {
    !needle.is_empty() && text.to_ascii_lowercase().contains(needle)
}

/// Line numbers (0-based, as the line index counts them) of `path` that contain `needle`.
/// Blocking: run it in a task.
pub fn search_file(path: &Path, needle: &str) -> std::io::Result<Vec<usize>> {
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let needle = needle.as_bytes();
    let mut hits = Vec::new();
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        line.make_ascii_lowercase();
        if !needle.is_empty() && line.windows(needle.len()).any(|w| w == needle) {
            hits.push(n);
            if hits.len() >= MAX_HITS {
                break;
            }
        }
        n += 1;
    }
    Ok(hits)
}

impl App {
    /// Start searching the selected incident for `query` (empty: clear the search).
    pub(super) fn start_search(&mut self, query: &str) -> Vec<Command> {
        let query = query.trim().to_string();
        if query.is_empty() {
            self.views.search = None;
            return Vec::new();
        }
        let Some(incident) = self.current() else {
            return Vec::new();
        };
        let needle = query.to_ascii_lowercase();
        let mut hits = Vec::new();
        let mut commands = Vec::new();
        for (i, entry) in incident.transcript.entries().iter().enumerate() {
            let mut skip = 0..0;
            if let Entry::Call(call) = entry
                && let Some(out) = &call.output
                && out.expanded
                && out.index.is_some()
                && !out.path.is_empty()
            {
                // The body of an expanded output is on disk: searched in a task.
                let head = call.line_count_before_output();
                skip = head..head + out.index.as_ref().map_or(0, |x| x.len());
                commands.push(Command::SearchOutput {
                    session_id: incident.session_id.clone(),
                    call_id: call.call_id.clone(),
                    path: out.path.clone(),
                    needle: needle.clone(),
                });
            }
            for offset in 0..entry.line_count() {
                if skip.contains(&offset) || hits.len() >= MAX_HITS {
                    continue;
                }
                let text = super::widgets::line_text(entry, offset);
                if contains(&text, &needle) {
                    hits.push(Hit { entry: i, offset });
                }
            }
        }
        self.views.search = Some(Search {
            session_id: incident.session_id.clone(),
            query,
            needle,
            hits,
            current: None,
            pending: commands.len(),
        });
        if commands.is_empty() {
            self.search_settled();
        }
        commands
    }

    /// Matches found in one output file.
    pub(super) fn search_hits(
        &mut self,
        session_id: &str,
        call_id: &str,
        needle: &str,
        result: Result<Vec<usize>, String>,
    ) {
        let Some(search) = &self.views.search else {
            return;
        };
        if search.session_id != session_id || search.needle != needle {
            return;
        }
        let found = self.current().and_then(|incident| {
            let i = incident.transcript.find_call(call_id)?;
            match incident.transcript.entries().get(i) {
                Some(Entry::Call(call)) => Some((i, call.line_count_before_output())),
                _ => None,
            }
        });
        let mut error = None;
        if let Some(search) = &mut self.views.search {
            search.pending = search.pending.saturating_sub(1);
            match (found, result) {
                (Some((entry, head)), Ok(lines)) => {
                    search.hits.extend(lines.into_iter().map(|l| Hit {
                        entry,
                        offset: head + l,
                    }));
                    search.hits.sort();
                    search.hits.dedup();
                }
                (_, Err(e)) => error = Some(e),
                (None, Ok(_)) => {}
            }
        }
        if let Some(e) = error {
            self.notify(
                NoteKind::Warning,
                format!("search: cannot read output: {e}"),
            );
        }
        if self.views.search.as_ref().is_some_and(|s| s.pending == 0) {
            self.search_settled();
        }
    }

    /// Every source has answered: show the first match at or below the view's top.
    fn search_settled(&mut self) {
        let height = usize::from(self.transcript_height.max(1));
        let Some(search) = self.views.search.clone() else {
            return;
        };
        if search.current.is_some() {
            return;
        }
        if search.hits.is_empty() {
            self.notify(
                NoteKind::Warning,
                format!(
                    "no match for `{}`",
                    crate::text::neutralize_line(&search.query)
                ),
            );
            return;
        }
        let top = self.current().map_or(0, |i| i.view_top(height));
        let start = self.current().map_or(0, |incident| {
            search
                .hits
                .iter()
                .position(|h| incident.transcript.entry_start(h.entry) + h.offset >= top)
                .unwrap_or(0)
        });
        self.go_to_hit(start);
    }

    /// `n` / `N`: the next or previous match (wrapping).
    pub(super) fn search_step(&mut self, forward: bool) {
        let Some(search) = &self.views.search else {
            return;
        };
        let n = search.hits.len();
        if n == 0 {
            self.notify(NoteKind::Info, "no matches");
            return;
        }
        let next = match (search.current, forward) {
            (None, _) => 0,
            (Some(c), true) => (c + 1) % n,
            (Some(c), false) => (c + n - 1) % n,
        };
        self.go_to_hit(next);
    }

    fn go_to_hit(&mut self, k: usize) {
        let height = usize::from(self.transcript_height.max(1));
        let Some(search) = &mut self.views.search else {
            return;
        };
        let Some(hit) = search.hits.get(k).copied() else {
            return;
        };
        search.current = Some(k);
        let session_id = search.session_id.clone();
        let Some(incident) = self.incident_mut(&session_id) else {
            return;
        };
        let line = incident.transcript.entry_start(hit.entry) + hit.offset;
        incident.scroll = Some(line.saturating_sub(height / 3));
        if matches!(
            incident.transcript.entries().get(hit.entry),
            Some(Entry::Call(_))
        ) {
            incident.selected_call = Some(hit.entry);
        }
    }

    /// The absolute transcript line of the current match of the search over `incident`.
    pub fn search_line(&self, incident: &Incident) -> Option<(usize, &Search)> {
        let search = self.views.search.as_ref()?;
        if search.session_id != incident.session_id {
            return None;
        }
        let hit = search.current.and_then(|c| search.hits.get(c));
        let line = hit.map_or(usize::MAX, |h| {
            incident.transcript.entry_start(h.entry) + h.offset
        });
        Some((line, search))
    }
}

/// `line` with every occurrence of `needle` (lower-case) highlighted; the current match's
/// line stands out more.
pub fn highlight(line: Line<'static>, needle: &str, current: bool) -> Line<'static> {
    if needle.is_empty() {
        return line;
    }
    let mark = if current {
        Style::new()
            .fg(Color::Black)
            .bg(Color::LightYellow)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::Black).bg(Color::Yellow)
    };
    let base = line.style;
    let mut spans = Vec::with_capacity(line.spans.len() + 2);
    for span in line.spans {
        let text = span.content.to_string();
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        let mut found = false;
        while let Some(at) = lower[from..].find(needle) {
            found = true;
            let start = from + at;
            let end = start + needle.len();
            if start > from {
                spans.push(Span::styled(text[from..start].to_string(), span.style));
            }
            spans.push(Span::styled(
                text[start..end].to_string(),
                span.style.patch(mark),
            ));
            from = end;
        }
        if !found {
            spans.push(span);
        } else if from < text.len() {
            spans.push(Span::styled(text[from..].to_string(), span.style));
        }
    }
    let mut out = Line::from(spans).style(base);
    out.alignment = line.alignment;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_search_counts_lines_as_the_index_does() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.log");
        let mut text = String::new();
        for i in 0..100_000 {
            if i == 77_777 {
                text.push_str("the NeedleWord is here\n");
            } else {
                text.push_str(&format!("line {i}\n"));
            }
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(search_file(&path, "needleword").ok(), Some(vec![77_777]));
        let index =
            super::super::output_file::LineIndex::build(&path).unwrap_or_else(|e| panic!("{e}"));
        let window = index.read_window(&path, 77_777, 1).unwrap_or_default();
        assert_eq!(window, vec!["the NeedleWord is here".to_string()]);
    }

    #[test]
    fn highlight_splits_spans_at_every_match_ignoring_case() {
        let line = Line::from(vec![Span::raw("  │ "), Span::raw("Error: error again")]);
        let out = highlight(line, "error", false);
        let texts: Vec<String> = out.spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(texts, vec!["  │ ", "Error", ": ", "error", " again"]);
        assert_eq!(out.spans[1].style.bg, Some(Color::Yellow));
        assert_eq!(out.spans[2].style.bg, None);
    }
}
