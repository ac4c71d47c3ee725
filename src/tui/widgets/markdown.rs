//! Minimal markdown for model text, one line at a time: `**bold**`, `` `code` ``, fenced
//! code blocks, `#` headings and `-`/`*` list bullets. Anything else is shown as written;
//! the text is already neutralised, so this only chooses styles.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

fn code() -> Style {
    Style::new().fg(Color::Cyan)
}

/// True when line `offset` of `lines` is inside a fenced code block (fence lines included).
pub fn in_code_block(lines: &[String], offset: usize) -> bool {
    let fence = |l: &String| l.trim_start().starts_with("```");
    let before = lines.iter().take(offset).filter(|l| fence(l)).count();
    before % 2 == 1 || lines.get(offset).is_some_and(fence)
}

/// The spans of one line of model text in `base` style.
pub fn line_spans(text: &str, in_code: bool, base: Style) -> Vec<Span<'static>> {
    if in_code {
        return vec![Span::styled(text.to_string(), code())];
    }
    let trimmed = text.trim_start();
    let indent = &text[..text.len() - trimmed.len()];
    if let Some(heading) = trimmed
        .strip_prefix("### ")
        .or_else(|| trimmed.strip_prefix("## "))
        .or_else(|| trimmed.strip_prefix("# "))
    {
        return vec![Span::styled(
            format!("{indent}{heading}"),
            base.add_modifier(Modifier::BOLD),
        )];
    }
    let mut spans = Vec::new();
    let rest = match trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
    {
        Some(item) => {
            spans.push(Span::styled(format!("{indent}• "), base));
            item
        }
        None => text,
    };
    inline(rest, base, &mut spans);
    spans
}

/// `**bold**` and `` `code` `` in `text`; an unclosed marker is shown as written.
fn inline(text: &str, base: Style, out: &mut Vec<Span<'static>>) {
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
            && end > 0
        {
            flush(&mut plain, base, out);
            out.push(Span::styled(
                after[..end].to_string(),
                base.add_modifier(Modifier::BOLD),
            ));
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
            && end > 0
        {
            flush(&mut plain, base, out);
            out.push(Span::styled(after[..end].to_string(), code()));
            rest = &after[end + 1..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            plain.push(c);
        }
        rest = chars.as_str();
    }
    flush(&mut plain, base, out);
}

fn flush(plain: &mut String, base: Style, out: &mut Vec<Span<'static>>) {
    if !plain.is_empty() {
        out.push(Span::styled(std::mem::take(plain), base));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(spans: &[Span]) -> Vec<String> {
        spans.iter().map(|s| s.content.to_string()).collect()
    }

    #[test]
    fn bold_code_and_bullets_are_styled_and_markers_dropped() {
        let spans = line_spans("- restart **nginx** with `systemctl`", false, Style::new());
        assert_eq!(
            texts(&spans),
            ["• ", "restart ", "nginx", " with ", "systemctl"]
        );
        assert!(spans[2].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(spans[4].style.fg, Some(Color::Cyan));
        let spans = line_spans("2 ** 3 and a lone ` tick", false, Style::new());
        assert_eq!(texts(&spans), ["2 ** 3 and a lone ` tick"]);
        let spans = line_spans("## Diagnosis", false, Style::new());
        assert_eq!(texts(&spans), ["Diagnosis"]);
    }

    #[test]
    fn fenced_blocks_are_code_to_their_closing_fence() {
        let lines: Vec<String> = ["Run:", "```sh", "df -h", "```", "done"]
            .map(String::from)
            .to_vec();
        let inside: Vec<bool> = (0..lines.len()).map(|i| in_code_block(&lines, i)).collect();
        assert_eq!(inside, [false, true, true, true, false]);
    }
}
