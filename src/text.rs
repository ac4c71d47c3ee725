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
            // Bidi controls can reorder what the operator reads.
            c if is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
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

/// Bidi embeddings, overrides, isolates and marks: invisible, and they reorder the text
/// around them (U+202E shows `exe.txt` for `txt.exe`).
pub fn is_bidi_control(ch: char) -> bool {
    matches!(
        ch,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// `json` (as serde_json writes it) with no character a terminal could act on left raw:
/// serde_json escapes C0 controls already (ESC becomes `\u001b`); this also escapes DEL, C1
/// controls (U+009B is an 8-bit CSI, U+009D an OSC), bidi controls and the Unicode line and
/// paragraph separators. Outside strings serde_json writes only ASCII, so each such
/// character sits inside a string literal, where `\uXXXX` is a valid escape: the result is
/// the same JSON value.
pub fn terminal_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        // A raw newline is pretty JSON's own layout: serde_json escapes those in strings.
        let control = ch.is_control() && ch != '\n';
        if control || is_bidi_control(ch) || ch == '\u{2028}' || ch == '\u{2029}' {
            out.push_str(&format!("\\u{:04x}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    out
}

/// `value` as one line of terminal-safe JSON (see [`terminal_safe_json`]), for every
/// `--json` printer of the CLI.
pub fn json_line<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    Ok(terminal_safe_json(&serde_json::to_string(value)?))
}

/// `value` as pretty, terminal-safe JSON.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    Ok(terminal_safe_json(&serde_json::to_string_pretty(value)?))
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
    fn json_keeps_its_value_and_loses_every_terminal_control() {
        let s = "a\u{1b}[31m\u{7f}\u{9b}2J\u{9d}0;x\u{7}\u{202e}\u{200f}\u{2028}z\n\t";
        let json = json_line(&serde_json::json!({ "title": s })).unwrap_or_default();
        assert!(
            json.chars()
                .all(|c| !c.is_control() && !is_bidi_control(c) && c != '\u{2028}'),
            "{json:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["title"], s);
        let pretty = json_pretty(&[s]).unwrap_or_default();
        assert!(
            pretty.contains("\\u009b") && pretty.contains("\\u202e"),
            "{pretty}"
        );
        assert!(
            neutralize(s)
                .chars()
                .all(|c| c == '\n' || c == '\t' || !(c.is_control() || is_bidi_control(c)))
        );
    }

    #[test]
    fn line_form_has_no_newlines() {
        assert_eq!(neutralize_line("a\nb\tc"), "a\\nb c");
    }
}
