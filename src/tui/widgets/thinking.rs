//! The model's reasoning in the transcript: one collapsed line per turn
//! (`▸ thinking · N chars`), updated in place as `ThinkingDelta` events arrive. The text itself
//! stays in the session log; it is never sent back to the model.

use crate::text::neutralize_line;
use crate::tui::app::Incident;
use crate::tui::transcript_store::{Entry, NoteKind};

const PREFIX: &str = "▸ thinking · ";

/// The collapsed line for `chars` characters of reasoning whose latest words are `tail`.
pub fn summary(chars: usize, tail: &str) -> String {
    let tail: String = tail.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = tail.char_indices().rev().nth(59).map_or(0, |(i, _)| i);
    format!(
        "{PREFIX}{chars} chars · …{}",
        neutralize_line(&tail[start..])
    )
}

/// Chars already counted in a collapsed line, or None when `text` is not one.
fn counted(text: &str) -> Option<usize> {
    text.strip_prefix(PREFIX)?.split(' ').next()?.parse().ok()
}

/// Fold one reasoning delta into the incident's transcript.
pub fn apply(incident: &mut Incident, text: &str) {
    let chars = text.chars().count();
    if let Some(i) = incident.transcript.last_index()
        && let Entry::Note {
            kind: NoteKind::Info,
            text: line,
        } = &incident.transcript.entries()[i]
        && let Some(before) = counted(line)
    {
        let updated = summary(before + chars, text);
        incident.transcript.update(i, |e| {
            if let Entry::Note { text, .. } = e {
                *text = updated;
            }
        });
        return;
    }
    incident.transcript.push(Entry::Note {
        kind: NoteKind::Info,
        text: summary(chars, text),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_fold_into_one_collapsed_line() {
        let mut incident = Incident::new("s1");
        apply(&mut incident, "The alert says disk is full.");
        apply(&mut incident, " Check df first.\x1b[2J");
        let notes: Vec<&Entry> = incident.transcript.entries().iter().collect();
        assert_eq!(notes.len(), 1);
        let Entry::Note { text, .. } = notes[0] else {
            panic!("{notes:?}")
        };
        assert!(text.starts_with("▸ thinking · 48 chars · …"), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
    }
}
