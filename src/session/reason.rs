//! The model's stated reason for a call: its `reason` argument, else the text it wrote in
//! the same turn, bounded so the approval panel stays readable.

/// Longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 400;

/// The reason shown to the operator: the call's own `reason` argument when given, else the
/// last paragraph of the model's text in the turn that proposed the call.
pub fn stated_reason(argument: Option<&str>, turn_text: &str) -> Option<String> {
    let from_argument = argument.map(str::trim).filter(|r| !r.is_empty());
    let text = match from_argument {
        Some(reason) => reason,
        None => turn_text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .last()?,
    };
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= MAX_REASON_CHARS {
        return Some(collapsed);
    }
    let mut cut: String = collapsed.chars().take(MAX_REASON_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_argument_wins_over_the_turn_text() {
        assert_eq!(
            stated_reason(Some(" check disk "), "Something else."),
            Some("check disk".into())
        );
    }

    #[test]
    fn falls_back_to_the_last_paragraph_of_the_turn() {
        let text = "CPU is high.\n\nLet me look at the\nbusiest processes.\n\n";
        assert_eq!(
            stated_reason(None, text),
            Some("Let me look at the busiest processes.".into())
        );
        assert_eq!(stated_reason(Some("  "), ""), None);
    }

    #[test]
    fn long_reasons_are_cut_on_a_char_boundary() {
        let long = "é".repeat(1000);
        let reason = stated_reason(None, &long).unwrap_or_default();
        assert_eq!(reason.chars().count(), MAX_REASON_CHARS);
        assert!(reason.ends_with('…'));
    }
}
