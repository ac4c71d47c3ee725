//! Wrapping of styled lines to a width, exact in rows: breaks after the last space that fits
//! (if that keeps at least half a row), else inside the word, so the transcript knows how many
//! rows a line takes.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

fn row_line(cells: &[(char, Style)], line_style: Style) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (ch, st) in cells {
        if style.is_some_and(|s| s != *st) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(*st);
        text.push(*ch);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    Line::from(spans).style(line_style)
}

/// Split `line` into rows of at most `width` columns; an empty line gives one empty row.
pub fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let total: usize = cells.iter().map(|(c, _)| c.width().unwrap_or(1)).sum();
    if total <= width {
        return vec![line];
    }
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    let mut last_space: Option<usize> = None;
    let mut i = 0;
    while i < cells.len() {
        let w = cells[i].0.width().unwrap_or(1);
        if used + w > width && i > start {
            let cut = match last_space {
                Some(sp) if sp > start && (sp - start) * 2 >= width => sp + 1,
                _ => i,
            };
            rows.push(row_line(&cells[start..cut], line.style));
            start = cut;
            used = cells[start..i]
                .iter()
                .map(|(c, _)| c.width().unwrap_or(1))
                .sum();
            last_space = None;
            continue;
        }
        if cells[i].0 == ' ' {
            last_space = Some(i);
        }
        used += w;
        i += 1;
    }
    rows.push(row_line(&cells[start..], line.style));
    rows
}

/// Wrap plain text to `width`, splitting on newlines first.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    text.split('\n')
        .flat_map(|l| wrap_line(Line::from(l.to_string()), width))
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        assert_eq!(
            wrap_text("abcdefg\n\nxy", 3),
            vec!["abc", "def", "g", "", "xy"]
        );
        assert_eq!(
            wrap_text("the quick brown fox", 10),
            vec!["the quick ", "brown fox"]
        );
        assert_eq!(wrap_line(Line::from(""), 5).len(), 1);
        for width in 1..12 {
            for row in wrap_text("a bb ccc dddd eeeee ffffff", width) {
                assert!(row.chars().count() <= width, "{row:?} > {width}");
            }
        }
    }
}
