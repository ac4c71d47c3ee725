//! Neutralising untrusted text (alert fields, command output) before it reaches a terminal.

/// Replace ANSI escape sequences and control characters so `text` cannot move the cursor,
/// change colours, set the title or ring the bell. Newlines and tabs survive; every other
/// control character becomes a visible `\u{…}`-style escape (ESC shows as `␛`).
pub fn neutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' | '\t' => out.push(ch),
            '\u{1b}' => out.push('␛'),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            // Bidi overrides can reorder what the operator reads.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", ch as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Like [`neutralize`], for a single line: newlines and tabs are escaped too.
pub fn neutralize_line(text: &str) -> String {
    neutralize(text).replace('\n', "\\n").replace('\t', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_visible_not_live() {
        let s = neutralize("ok\u{1b}[31mred\u{7}\r\nnext\u{202e}");
        assert!(!s.contains('\u{1b}'));
        assert!(!s.contains('\u{7}'));
        assert!(!s.contains('\r'));
        assert!(!s.contains('\u{202e}'));
        assert_eq!(s, "ok␛[31mred\\u{7}\\r\nnext\\u{202e}");
    }

    #[test]
    fn line_form_has_no_newlines() {
        assert_eq!(neutralize_line("a\nb\tc"), "a\\nb c");
    }
}
