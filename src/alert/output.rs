//! Alerts as JSON that is safe to print on a terminal.

use super::Alert;

/// Pretty JSON for `alerts` in which no character a terminal could act on appears raw:
/// serde_json already escapes C0 controls (ESC becomes `\u001b`); this also escapes DEL,
/// C1 controls (8-bit CSI) and bidi overrides. The result is still valid, equivalent JSON.
pub fn to_terminal_safe_json(alerts: &[Alert]) -> Result<String, serde_json::Error> {
    // Through a tree, so each alert's `raw` (kept as text) is indented with the rest.
    crate::text::json_pretty(&serde_json::to_value(alerts)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaped_json_round_trips() {
        let s = "a\u{1b}[31m\u{7f}\u{9b}2J\u{202e}z";
        let json = crate::text::terminal_safe_json(&serde_json::to_string(s).unwrap_or_default());
        assert!(json.chars().all(|c| !c.is_control()));
        assert!(!json.contains('\u{202e}'));
        let back: String = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, s);
    }
}
