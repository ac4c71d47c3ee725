//! The model's reasoning in the transcript: one dim, collapsed block per turn
//! (`▸ thinking · N chars · …latest words`), updated in place as `ThinkingDelta` events
//! arrive; selected with j/k, Enter (the Expand action) shows the whole text, dim. The text
//! stays in the session log; it is never sent back to the model.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::text::neutralize_line;
use crate::tui::app::Incident;
use crate::tui::transcript_store::Entry;

pub use crate::tui::transcript_store::ThinkingEntry;

/// Line `offset` of a reasoning block; `selected` marks it in the margin.
pub fn line(thinking: &ThinkingEntry, offset: usize, selected: bool) -> Line<'static> {
    let style = Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM);
    let lead = if selected { "▶ " } else { "  " };
    if offset == 0 {
        let text = if thinking.expanded {
            format!("▾ thinking · {} chars [Enter to collapse]", thinking.chars)
        } else {
            summary(thinking.chars, &thinking.text)
        };
        return Line::from(vec![
            Span::styled(lead, Style::new().fg(Color::Cyan)),
            Span::styled(text, style.add_modifier(Modifier::ITALIC)),
        ]);
    }
    let text = thinking
        .text
        .split('\n')
        .nth(offset - 1)
        .unwrap_or_default();
    Line::from(vec![
        Span::styled("  ┆ ", style),
        Span::styled(neutralize_line(text), style),
    ])
}

/// The collapsed line for `chars` characters of reasoning ending with `text`.
pub fn summary(chars: usize, text: &str) -> String {
    let tail: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = tail.char_indices().rev().nth(19).map_or(0, |(i, _)| i);
    format!(
        "▸ thinking · {chars} chars · …{}",
        neutralize_line(&tail[start..])
    )
}

/// Fold one reasoning delta into the incident's transcript: into the last block when the
/// transcript still ends with it, else a new block.
pub fn apply(incident: &mut Incident, text: &str) {
    if let Some(i) = incident.transcript.last_index()
        && matches!(incident.transcript.entries()[i], Entry::Thinking(_))
    {
        incident.transcript.update(i, |e| {
            if let Entry::Thinking(thinking) = e {
                thinking.push(text);
            }
        });
        return;
    }
    let mut thinking = ThinkingEntry::default();
    thinking.push(text);
    incident
        .transcript
        .push(Entry::Thinking(Box::new(thinking)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_fold_into_one_collapsed_block() {
        let mut incident = Incident::new("s1");
        apply(&mut incident, "The alert says disk is full.");
        apply(&mut incident, " Check df first.\x1b[2J");
        let entries = incident.transcript.entries();
        assert_eq!(entries.len(), 1);
        let Entry::Thinking(thinking) = &entries[0] else {
            panic!("{entries:?}")
        };
        assert_eq!(thinking.chars, 48);
        assert!(!thinking.expanded);
        let line = super::line(thinking, 0, false).to_string();
        assert!(line.contains("▸ thinking · 48 chars · …"), "{line}");
        assert!(!line.contains('\x1b'), "{line}");
    }
}
