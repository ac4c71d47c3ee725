//! The per-incident transcript as a line-oriented model: entries with precomputed line counts
//! and prefix sums, so the view can ask for any window of lines in O(log n) without building
//! the whole text. Full command output stays on disk; only a preview (and, when expanded, the
//! visible window read through a line index) lives in memory.

use std::sync::Arc;

use crate::policy::Class;
use crate::protocol::{ExecSummary, Target, Verdict};

use super::messages::{LineIndex, Tail};

/// Lines of command output shown while collapsed.
pub const PREVIEW_LINES: usize = 4;

/// Who wrote a block of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Model,
    Operator,
    /// A message opsassist itself sent the model (the automatic verification prompt).
    Opsassist,
}

/// Severity of a note line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Info,
    Warning,
    Error,
}

/// Output of a finished call, as the view needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputView {
    pub path: String,
    /// First lines, neutralised (what the collapsed view shows).
    pub preview: Vec<String>,
    /// Total lines known so far (from the preview text, exact once indexed).
    pub total_lines: usize,
    pub expanded: bool,
    /// Line offsets in the file, built in a task on first expand.
    pub index: Option<Arc<LineIndex>>,
    /// Set while an index or window read is in flight.
    pub loading: bool,
    /// Lines `window_start..window_start + window.len()` read from disk.
    pub window_start: usize,
    pub window: Vec<String>,
    /// Why the file could not be read, if it could not.
    pub error: Option<String>,
    /// The preview comes from output the executor cut (head and tail): its line count is
    /// known only once the file is indexed, which the view asks for when it shows the call.
    pub partial: bool,
}

impl OutputView {
    /// Lines this output occupies in the transcript, including the fold hint.
    pub fn line_count(&self) -> usize {
        if self.expanded {
            let body = match &self.index {
                Some(index) => index.len(),
                None => self.preview.len(),
            };
            body + 1
        } else if self.total_lines > self.preview.len() {
            self.preview.len() + 1
        } else {
            self.preview.len()
        }
    }
}

/// A proposed tool call and everything that happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEntry {
    pub call_id: String,
    pub tool: String,
    pub target: Target,
    /// Command lines (neutralised).
    pub command: Vec<String>,
    pub reason: Option<String>,
    pub class: Class,
    pub verdict: Option<Verdict>,
    pub running: bool,
    pub summary: Option<Box<ExecSummary>>,
    pub output: Option<OutputView>,
    /// The end of the output file while the call runs (replaced by `output` when it ends).
    pub live: Option<Tail>,
    /// The output file named when the call started (used when the final summary has none).
    pub started_path: Option<String>,
    /// When the call started running (the event's time).
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The prefix its approval remembered for the incident (neutralised).
    pub remembered: Option<String>,
    /// Why the core asked again about it, in order (neutralised): drawn with the call,
    /// before its verdict and output.
    pub asked_again: Vec<String>,
}

/// True for the summary recovery records for a command that was running when opsassist
/// stopped (`interrupted`; older logs: no exit status and the recovery text).
pub fn interrupted(summary: &ExecSummary) -> bool {
    summary.exit_code.is_none()
        && summary.signal.is_none()
        && summary
            .model_output
            .starts_with("interrupted: outcome unknown")
}

impl CallEntry {
    /// Lines of the call before its output: header, command, reason, verdict, status.
    pub fn line_count_before_output(&self) -> usize {
        let mut n = 1 + self.command.len().max(1);
        n += usize::from(self.reason.is_some());
        n += self.asked_again.len();
        n += usize::from(self.verdict.is_some());
        if let Some(Verdict::Edited { after, .. }) = &self.verdict {
            n += after.lines().count().max(1);
        }
        n += usize::from(self.running || self.summary.is_some());
        n
    }

    fn line_count(&self) -> usize {
        let body = match (&self.output, &self.live) {
            (Some(out), _) => out.line_count(),
            (None, Some(live)) => live.lines.len(),
            (None, None) => 0,
        };
        self.line_count_before_output() + body
    }
}

/// One block of the transcript.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The alert summary at the top.
    Alert {
        lines: Vec<String>,
    },
    /// Model or operator text; `streaming` while deltas still arrive.
    Text {
        speaker: Speaker,
        lines: Vec<String>,
        streaming: bool,
    },
    Call(Box<CallEntry>),
    Note {
        kind: NoteKind,
        text: String,
    },
    /// The model's reasoning for one turn: one dim line, expanded with Enter when selected.
    Thinking(Box<ThinkingEntry>),
}

impl Entry {
    /// Lines this entry occupies (before wrapping).
    pub fn line_count(&self) -> usize {
        match self {
            Entry::Alert { lines } => lines.len(),
            Entry::Text { lines, .. } => lines.len().max(1),
            Entry::Call(call) => call.line_count(),
            Entry::Note { .. } => 1,
            Entry::Thinking(thinking) => thinking.line_count(),
        }
    }
}

/// The transcript: entries plus the first line number of each (prefix sums).
#[derive(Debug, Clone, Default)]
pub struct TranscriptStore {
    entries: Vec<Entry>,
    /// `starts[i]` is the first line of entry `i`; `starts[len]` is the total.
    starts: Vec<usize>,
    /// When each entry was added (the time of the event that added it).
    times: Vec<Option<chrono::DateTime<chrono::Utc>>>,
    /// The time of the event being applied (set before each event).
    clock: Option<chrono::DateTime<chrono::Utc>>,
}

impl TranscriptStore {
    /// An empty transcript.
    pub fn new() -> Self {
        TranscriptStore {
            entries: Vec::new(),
            starts: vec![0],
            times: Vec::new(),
            clock: None,
        }
    }

    /// The time of the event applied next (entries it adds carry it).
    /// The time of the event being applied.
    pub fn clock(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.clock
    }

    pub fn set_clock(&mut self, at: chrono::DateTime<chrono::Utc>) {
        self.clock = Some(at);
    }

    /// When entry `i` was added, if known.
    pub fn time(&self, i: usize) -> Option<chrono::DateTime<chrono::Utc>> {
        self.times.get(i).copied().flatten()
    }

    /// Total lines.
    pub fn len_lines(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// First line of entry `i`.
    pub fn entry_start(&self, i: usize) -> usize {
        self.starts
            .get(i)
            .copied()
            .unwrap_or_else(|| self.len_lines())
    }

    /// Append an entry.
    pub fn push(&mut self, entry: Entry) {
        let end = self.len_lines() + entry.line_count();
        self.entries.push(entry);
        self.starts.push(end);
        self.times.push(self.clock);
    }

    /// Change entry `i` and fix the prefix sums after it.
    pub fn update<R>(&mut self, i: usize, f: impl FnOnce(&mut Entry) -> R) -> Option<R> {
        let entry = self.entries.get_mut(i)?;
        let before = entry.line_count();
        let result = f(entry);
        let after = entry.line_count();
        if before != after {
            for start in &mut self.starts[i + 1..] {
                *start = *start + after - before;
            }
        }
        Some(result)
    }

    /// Index of the last entry, if any.
    pub fn last_index(&self) -> Option<usize> {
        self.entries.len().checked_sub(1)
    }

    /// Index of the call entry for `call_id` (searched from the end: recent calls are hot).
    pub fn find_call(&self, call_id: &str) -> Option<usize> {
        self.entries
            .iter()
            .rposition(|e| matches!(e, Entry::Call(c) if c.call_id == call_id))
    }

    /// The entry holding line `line` and the line's offset inside it.
    pub fn locate(&self, line: usize) -> Option<(usize, usize)> {
        if line >= self.len_lines() {
            return None;
        }
        let i = self.starts.partition_point(|&s| s <= line) - 1;
        Some((i, line - self.starts[i]))
    }

    /// Entries j/k select: tool calls and thinking blocks (Enter expands the selected one).
    pub fn call_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Entry::Call(_) | Entry::Thinking(_)))
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: usize) -> Entry {
        Entry::Text {
            speaker: Speaker::Model,
            lines: (0..n).map(|i| format!("line {i}")).collect(),
            streaming: false,
        }
    }

    #[test]
    fn prefix_sums_follow_updates() {
        let mut store = TranscriptStore::new();
        store.push(text(3));
        store.push(text(5));
        store.push(text(2));
        assert_eq!(store.len_lines(), 10);
        assert_eq!(store.locate(0), Some((0, 0)));
        assert_eq!(store.locate(3), Some((1, 0)));
        assert_eq!(store.locate(9), Some((2, 1)));
        assert_eq!(store.locate(10), None);
        store.update(0, |e| {
            if let Entry::Text { lines, .. } = e {
                lines.push("more".into());
            }
        });
        assert_eq!(store.len_lines(), 11);
        assert_eq!(store.locate(4), Some((1, 0)));
        assert_eq!(store.entry_start(2), 9);
    }
}

/// Most reasoning kept for one block (the log keeps all of it).
const MAX_THINKING_CHARS: usize = 256 * 1024;

/// One turn's reasoning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThinkingEntry {
    /// The reasoning as streamed (up to [`MAX_THINKING_CHARS`]), raw; neutralized when drawn.
    pub text: String,
    /// Characters streamed (all of them, also past the cap).
    pub chars: usize,
    /// Shown whole (Enter on the selected block) instead of one line.
    pub expanded: bool,
}

impl ThinkingEntry {
    /// Lines it takes: one collapsed; the header and every text line expanded.
    pub fn line_count(&self) -> usize {
        if self.expanded {
            1 + self.text.split('\n').count()
        } else {
            1
        }
    }

    /// Fold one reasoning delta in (up to [`MAX_THINKING_CHARS`]; every char is counted).
    pub fn push(&mut self, text: &str) {
        self.chars += text.chars().count();
        let room = MAX_THINKING_CHARS.saturating_sub(self.text.len());
        if room > 0 {
            let mut cut = room.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&text[..cut]);
        }
    }
}
