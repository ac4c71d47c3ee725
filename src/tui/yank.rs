//! `y`: copy the selected call's command, or its expanded output, to the clipboard with
//! OSC 52 (the terminal does the copying, so it works over ssh and inside tmux). The text is
//! capped so the escape sequence stays within what terminals accept.

use std::io::Read;

use base64::Engine;

use super::app::{App, Command};
use super::transcript_store::{Entry, NoteKind};

/// Most bytes of text copied (about 100 KB once base64-encoded).
pub const MAX_YANK_BYTES: usize = 75_000;

/// The OSC 52 sequence that puts `text` (cut to [`MAX_YANK_BYTES`] at a char boundary) on
/// the clipboard, and whether it was cut.
pub fn osc52(text: &str) -> (String, bool) {
    let mut end = text.len().min(MAX_YANK_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[..end]);
    (format!("\u{1b}]52;c;{encoded}\u{7}"), end < text.len())
}

/// The start of a file, up to [`MAX_YANK_BYTES`] (invalid UTF-8 replaced). Blocking.
pub fn read_capped(path: &std::path::Path) -> std::io::Result<String> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_YANK_BYTES as u64 + 4)
        .read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

impl App {
    /// `y`: the selected call (or the last one): its expanded output, else its command.
    pub(super) fn yank(&mut self) -> Vec<Command> {
        let Some(incident) = self.current() else {
            self.notify(NoteKind::Info, "no incident selected");
            return Vec::new();
        };
        let chosen = incident
            .selected_call
            .or_else(|| incident.transcript.call_indices().last());
        let Some(Entry::Call(call)) = chosen.and_then(|i| incident.transcript.entries().get(i))
        else {
            self.notify(NoteKind::Info, "no tool call to copy");
            return Vec::new();
        };
        if let Some(out) = &call.output
            && out.expanded
            && !out.path.is_empty()
        {
            return vec![Command::YankFile {
                path: out.path.clone(),
            }];
        }
        let text = match &call.verdict {
            Some(crate::protocol::Verdict::Edited { after, .. }) => after.clone(),
            _ => call.command.join("\n"),
        };
        vec![Command::Yank { text }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_base64_in_the_clipboard_sequence_and_capped() {
        let (seq, cut) = osc52("uptime");
        assert_eq!(seq, "\u{1b}]52;c;dXB0aW1l\u{7}");
        assert!(!cut);
        let big = "é".repeat(MAX_YANK_BYTES);
        let (seq, cut) = osc52(&big);
        assert!(cut);
        let body = &seq[7..seq.len() - 1];
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_default();
        assert!(decoded.len() <= MAX_YANK_BYTES);
        assert!(String::from_utf8(decoded).is_ok(), "cut inside a character");
    }
}
