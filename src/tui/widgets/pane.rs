//! A pane's frame: the border and left-aligned top title that
//! `Block::bordered().border_type(t).border_style(s).title(title)` draws, cell for cell, without
//! `Block`'s pass over every inside cell to apply its own (default, so unchanged) style. That
//! pass was a tenth of each frame for the two big panes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{BorderType, Widget};

/// Draw the frame of a bordered pane with `title` over `area`; returns the inside, as
/// `Block::bordered().inner(area)`.
pub fn render(
    title: &Line,
    border_type: BorderType,
    border_style: Style,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let inner = Rect {
        x: area.x.saturating_add(1).min(area.right()),
        y: area.y.saturating_add(1).min(area.bottom()),
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return inner;
    }
    let set = border_type.to_border_set();
    let (left, top) = (area.left(), area.top());
    let (right, bottom) = (area.right() - 1, area.bottom() - 1);
    let mut put = |x: u16, y: u16, symbol: &str| {
        if let Some(cell) = buf.cell_mut((x, y)) {
            cell.set_symbol(symbol).set_style(border_style);
        }
    };
    // The sides, then the corners over their ends, as Block draws them.
    for y in top..=bottom {
        put(left, y, set.vertical_left);
    }
    for x in left..=right {
        put(x, top, set.horizontal_top);
    }
    for y in top..=bottom {
        put(right, y, set.vertical_right);
    }
    for x in left..=right {
        put(x, bottom, set.horizontal_bottom);
    }
    put(right, bottom, set.bottom_right);
    put(right, top, set.top_right);
    put(left, bottom, set.bottom_left);
    put(left, top, set.top_left);
    let room = Rect {
        x: left.saturating_add(1),
        y: top,
        width: area.width.saturating_sub(2),
        height: 1,
    };
    if !room.is_empty() {
        let width = u16::try_from(title.width()).unwrap_or(u16::MAX);
        title.render(
            Rect {
                width: width.min(room.width),
                ..room
            },
            buf,
        );
    }
    inner
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;
    use ratatui::widgets::Block;

    use super::*;

    fn block(title: &Line, kind: BorderType, style: Style, area: Rect) -> (Buffer, Rect) {
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
        let block = Block::bordered()
            .border_type(kind)
            .border_style(style)
            .title(title.clone());
        let inner = block.inner(area);
        block.render(area, &mut buf);
        (buf, inner)
    }

    fn ours(title: &Line, kind: BorderType, style: Style, area: Rect) -> (Buffer, Rect) {
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
        let inner = render(title, kind, style, area, &mut buf);
        (buf, inner)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn draws_exactly_what_block_draws(
            text in prop::sample::select(vec!["", " Incidents ", " Incidents (10000) · 3 new · 9997 waiting ", " 漢字 · e\u{301} ", "x"]),
            bold in any::<bool>(),
            kind in prop::sample::select(vec![BorderType::Plain, BorderType::Thick, BorderType::Rounded]),
            color in prop::sample::select(vec![Color::Cyan, Color::DarkGray, Color::Red]),
            x in 0u16..4, y in 0u16..4, w in 0u16..34, h in 0u16..10,
        ) {
            let title = if bold {
                Line::from(vec![Span::raw(" ▶ "), Span::styled(text, Style::new().add_modifier(Modifier::BOLD))])
            } else {
                Line::from(text)
            };
            let style = Style::new().fg(color);
            let area = Rect::new(x, y, w, h);
            prop_assert_eq!(ours(&title, kind, style, area), block(&title, kind, style, area));
        }
    }

    #[test]
    fn the_inside_keeps_what_was_drawn_there_before() {
        // Block would patch its (default) style over the inside: nothing to keep or lose.
        let title = Line::from(" Transcript ");
        let area = Rect::new(1, 1, 20, 5);
        let mut before = Buffer::empty(Rect::new(0, 0, 30, 8));
        before.set_string(3, 3, "kept", Style::new().fg(Color::Green));
        let mut theirs = before.clone();
        Block::bordered()
            .title(title.clone())
            .border_style(Style::new().fg(Color::Cyan))
            .render(area, &mut theirs);
        render(
            &title,
            BorderType::Plain,
            Style::new().fg(Color::Cyan),
            area,
            &mut before,
        );
        assert_eq!(before, theirs);
    }
}
