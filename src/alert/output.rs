//! Alerts as JSON that is safe to print on a terminal.

use super::Alert;

/// Pretty JSON for `alerts` in which no character a terminal could act on appears raw:
/// serde_json already escapes C0 controls (ESC becomes `\u001b`); this also escapes DEL,
/// C1 controls (8-bit CSI) and bidi overrides. The result is still valid, equivalent JSON.
pub fn to_terminal_safe_json(alerts: &[Alert]) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string_pretty(alerts)?;
    Ok(escape_terminal_chars(&json))
}

/// Outside strings serde_json emits only ASCII structure, so each such character found here
/// sits inside a string literal, where `\uXXXX` is a valid escape.
fn escape_terminal_chars(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        if ch == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&ch)
            || ('\u{202a}'..='\u{202e}').contains(&ch)
            || ('\u{2066}'..='\u{2069}').contains(&ch)
            || ch == '\u{2028}'
            || ch == '\u{2029}'
        {
            out.push_str(&format!("\\u{:04x}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_json_round_trips() {
        let s = "a\u{1b}[31m\u{7f}\u{9b}2J\u{202e}z";
        let json = escape_terminal_chars(&serde_json::to_string(s).unwrap_or_default());
        assert!(json.chars().all(|c| !c.is_control()));
        assert!(!json.contains('\u{202e}'));
        let back: String = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, s);
    }
}
