//! Left-aligned, unwrapped lines written straight into the buffer: exactly what
//! `Paragraph::new(lines)` draws, with printable ASCII written a byte per cell instead of
//! through grapheme segmentation, which was a fifth of every frame (the incident list and the
//! transcript redraw their lines each frame, and alert text is mostly ASCII).

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};
use unicode_segmentation::UnicodeSegmentation;

/// Draw `lines` into `area` from its top-left, one per row, each cut at the area's width, as
/// `Paragraph::new(lines).render(area, buf)` does. A line aligned other than left is handed to
/// `Paragraph` itself.
pub fn render(lines: &[Line], area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        if line.alignment.is_some_and(|a| a != Alignment::Left) {
            Paragraph::new(line.clone()).render(row, buf);
            continue;
        }
        render_line(line, row, buf);
    }
}

fn render_line(line: &Line, row: Rect, buf: &mut Buffer) {
    let max = usize::from(row.width);
    let mut x = 0usize;
    for span in &line.spans {
        let style = Style::default().patch(line.style).patch(span.style);
        let mut full = false;
        graphemes(&span.content, |symbol| {
            let width = usize::from(symbol.cell_width());
            // As ratatui's LineTruncator: a grapheme wider than the whole row is dropped, and
            // the line ends at the first one that does not fit.
            if width > max {
                return true;
            }
            if x + width > max {
                full = true;
                return false;
            }
            if width == 0 {
                return true;
            }
            let at = (row.x + x as u16, row.y);
            if let Some(cell) = buf.cell_mut(at) {
                cell.set_symbol(symbol).set_style(style);
            }
            x += width;
            true
        });
        if full {
            return;
        }
    }
}

/// A byte that is its own grapheme whenever its neighbours are ASCII.
fn plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

/// Call `each` with the graphemes of `text` that are not control characters, in order, until
/// it returns false: what `Span::styled_graphemes` yields. A printable ASCII byte with ASCII
/// (or nothing) after it is a grapheme of its own, since no rule of UAX #29 joins two ASCII
/// characters other than CR LF; only the stretches around other characters are segmented,
/// and they start and end where two such bytes meet, which is always a boundary.
fn graphemes(text: &str, mut each: impl FnMut(&str) -> bool) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if plain(b[i]) && b.get(i + 1).is_none_or(|n| n.is_ascii()) {
            if !each(&text[i..i + 1]) {
                return;
            }
            i += 1;
            continue;
        }
        // The segmented stretch ends before the first printable ASCII byte that follows an
        // ASCII byte (a boundary: neither can join the other).
        let end = (i + 1..b.len())
            .find(|&j| plain(b[j]) && b[j - 1].is_ascii())
            .unwrap_or(b.len());
        for g in text[i..end].graphemes(true) {
            if !g.contains(char::is_control) && !each(g) {
                return;
            }
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    use super::*;

    fn paragraph(lines: &[Line], area: Rect) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 8));
        Paragraph::new(lines.to_vec()).render(area, &mut buf);
        buf
    }

    fn ours(lines: &[Line], area: Rect) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 8));
        render(lines, area, &mut buf);
        buf
    }

    /// Pieces that exercise segmentation: combining marks, ZWJ emoji, a Prepend character,
    /// wide CJK, controls, CR LF, regional indicators, and plain ASCII next to each.
    const PIECES: &[&str] = &[
        "a",
        "Z",
        " ",
        "~",
        "é",
        "e\u{301}",
        "\u{301}",
        "\u{200d}",
        "👩\u{200d}💻",
        "❤\u{fe0f}",
        "\u{600}",
        "\u{600}1",
        "漢",
        "字",
        "\t",
        "\r\n",
        "\r",
        "\n",
        "\u{1b}",
        "🇩🇪",
        "🇩",
        "·",
        "▶",
        "●",
        "✔",
        "\u{93f}",
        "क",
        "\u{94d}",
        "ﾞ",
        "\u{7f}",
        "\u{0}",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat())
    }

    fn style() -> impl Strategy<Value = Style> {
        prop::sample::select(vec![
            Style::new(),
            Style::new().fg(Color::Red),
            Style::new().bg(Color::Rgb(40, 44, 52)),
            Style::new().add_modifier(Modifier::BOLD),
        ])
    }

    fn line() -> impl Strategy<Value = Line<'static>> {
        (prop::collection::vec((text(), style()), 0..4), style()).prop_map(|(spans, style)| {
            Line::from(
                spans
                    .into_iter()
                    .map(|(t, s)| Span::styled(t, s))
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn draws_exactly_what_paragraph_draws(
            lines in prop::collection::vec(line(), 0..10),
            x in 0u16..6, y in 0u16..4, w in 0u16..45, h in 0u16..10,
        ) {
            let area = Rect::new(x, y, w, h);
            prop_assert_eq!(ours(&lines, area), paragraph(&lines, area));
        }
    }

    #[test]
    fn a_long_title_is_cut_at_the_width_and_keeps_its_styles() {
        let lines = vec![
            Line::from(vec![
                Span::raw("▶"),
                Span::styled("● ", Style::new().fg(Color::Red)),
                Span::styled(
                    "Disk almost full on db-1 (storm 0) and then some",
                    Style::new().add_modifier(Modifier::BOLD),
                ),
            ])
            .style(Style::new().bg(Color::Rgb(40, 44, 52))),
            Line::from("   awaiting approval · 漢字 · e\u{301}").right_aligned(),
        ];
        let area = Rect::new(1, 1, 20, 3);
        assert_eq!(ours(&lines, area), paragraph(&lines, area));
    }

    #[test]
    fn every_plain_byte_is_a_grapheme_and_the_rest_segment_as_unicode_does() {
        for text in [
            "abc",
            "a\u{301}bc",
            "\u{600}1 x",
            "x👩\u{200d}💻y",
            "a\r\nb",
            "🇩🇪🇩x",
        ] {
            let mut got = Vec::new();
            graphemes(text, |g| {
                got.push(g.to_string());
                true
            });
            let want: Vec<String> = text
                .graphemes(true)
                .filter(|g| !g.contains(char::is_control))
                .map(String::from)
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }
}
