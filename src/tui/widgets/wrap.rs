//! Character wrapping of styled lines to a width, exact in rows (terminal-style, not word
//! wrapping), so the transcript knows how many rows a line takes.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Split `line` into rows of at most `width` columns; an empty line gives one empty row.
pub fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for span in line.spans {
        let style = span.style;
        let mut piece = String::new();
        for ch in span.content.chars() {
            let w = ch.width().unwrap_or(1);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), style));
                }
                rows.push(Line::from(std::mem::take(&mut row)).style(line.style));
                used = 0;
            }
            piece.push(ch);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, style));
        }
    }
    rows.push(Line::from(row).style(line.style));
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
    fn wraps_at_width_and_keeps_empty_lines() {
        assert_eq!(
            wrap_text("abcdefg\n\nxy", 3),
            vec!["abc", "def", "g", "", "xy"]
        );
        assert_eq!(wrap_line(Line::from(""), 5).len(), 1);
    }
}
