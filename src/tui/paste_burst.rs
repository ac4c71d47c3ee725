//! Paste bursts without bracketed paste: printable keys that arrive faster than a person
//! types are a paste (as Codex CLI detects one), never decision or navigation keys. A key is
//! held for [`BURST_GAP`] after it arrives: a second one inside that gap makes both a paste,
//! and the burst lasts until the keys pause for [`BURST_END`]. In the alert editor keys are
//! text anyway and pass straight through; in a prompt the text goes in but a pasted Enter
//! submits nothing; elsewhere the paste is dropped with a status line.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Command, Overlay};
use super::transcript_store::NoteKind;

/// Two printable keys closer than this are a paste, not typing.
pub const BURST_GAP: Duration = Duration::from_millis(8);
/// A burst goes on while keys follow each other closer than this.
pub const BURST_END: Duration = Duration::from_millis(60);

/// The detector's state: the key held while it may start a burst, and the burst going on.
#[derive(Debug, Default)]
pub struct PasteBurst {
    /// A printable key that arrived at the instant given, not acted on yet.
    held: Option<(KeyEvent, Instant)>,
    /// Arrival of the last key of the burst going on (None: no burst).
    last: Option<Instant>,
    /// Arrival of the last printable key typed into a prompt.
    last_text: Option<Instant>,
}

fn printable(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Keys a paste may bring along with its text.
fn paste_like(key: &KeyEvent) -> bool {
    printable(key) || matches!(key.code, KeyCode::Enter | KeyCode::Tab)
}

impl App {
    /// A key that arrived from the terminal `at` that instant: a person's key acts (after
    /// [`BURST_GAP`], see [`App::flush_keys`]); a key of a paste burst never does.
    pub fn key_arrived(&mut self, key: KeyEvent, at: Instant) -> Vec<Command> {
        if matches!(self.overlay, Overlay::Editor(_)) {
            // Text either way: the paste goes into the editor.
            let mut commands = self.flush_held();
            commands.extend(self.handle_key_at(key, at));
            return commands;
        }
        if let Some(last) = self.burst.last {
            // A prompt's Enter is the operator's unless it came with the paste itself.
            let window = if matches!(self.overlay, Overlay::Prompt(_)) && !printable(&key) {
                BURST_GAP
            } else {
                BURST_END
            };
            if paste_like(&key) && at.saturating_duration_since(last) < window {
                self.burst.last = Some(at);
                return self.burst_key(key, at);
            }
            self.burst.last = None;
        }
        if matches!(self.overlay, Overlay::Prompt(_)) {
            return self.prompt_key_arrived(key, at);
        }
        match self.burst.held.take() {
            Some((first, t0))
                if paste_like(&key) && at.saturating_duration_since(t0) < BURST_GAP =>
            {
                self.burst.last = Some(at);
                self.notify(
                    NoteKind::Warning,
                    "paste ignored: press n to paste an alert",
                );
                let _ = first;
                Vec::new()
            }
            Some((first, t0)) => {
                let mut commands = self.handle_key_at(first, t0);
                commands.extend(self.arrive_alone(key, at));
                commands
            }
            None => self.arrive_alone(key, at),
        }
    }

    /// When [`App::flush_keys`] must run next: a key is held, a burst may be over, or a
    /// prompt's text may still grow. While one is due, keys come too fast to draw between.
    pub fn key_deadline(&self) -> Option<Instant> {
        let b = &self.burst;
        [
            b.held.map(|(_, t0)| t0 + BURST_GAP),
            b.last.map(|t| t + BURST_END),
            b.last_text.map(|t| t + BURST_GAP),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// At `now`: act on a held key no other key followed within [`BURST_GAP`], and end a
    /// burst (or a prompt's run of text) the keys paused after.
    pub fn flush_keys(&mut self, now: Instant) -> Vec<Command> {
        let past = |t: Instant, gap: Duration| now.saturating_duration_since(t) >= gap;
        if self.burst.last.is_some_and(|t| past(t, BURST_END)) {
            self.burst.last = None;
        }
        if self.burst.last_text.is_some_and(|t| past(t, BURST_GAP)) {
            self.burst.last_text = None;
        }
        match self.burst.held {
            Some((_, t0)) if past(t0, BURST_GAP) => self.flush_held(),
            _ => Vec::new(),
        }
    }

    fn flush_held(&mut self) -> Vec<Command> {
        match self.burst.held.take() {
            Some((key, t0)) => self.handle_key_at(key, t0),
            None => Vec::new(),
        }
    }

    /// A key with no burst going on: printable keys wait to see whether more follow.
    fn arrive_alone(&mut self, key: KeyEvent, at: Instant) -> Vec<Command> {
        if printable(&key) {
            self.burst.held = Some((key, at));
            return Vec::new();
        }
        self.handle_key_at(key, at)
    }

    /// A key of the burst going on: text in a prompt, dropped elsewhere.
    fn burst_key(&mut self, key: KeyEvent, at: Instant) -> Vec<Command> {
        if matches!(self.overlay, Overlay::Prompt(_)) && printable(&key) {
            self.burst.last_text = Some(at);
            return self.handle_key_at(key, at);
        }
        if matches!(self.overlay, Overlay::Prompt(_)) {
            self.notify(
                NoteKind::Warning,
                "a pasted Enter sends nothing: press Enter yourself",
            );
        }
        Vec::new()
    }

    /// A prompt takes typed and pasted text alike; an Enter that comes with a paste is not
    /// the operator's.
    fn prompt_key_arrived(&mut self, key: KeyEvent, at: Instant) -> Vec<Command> {
        let in_burst = self
            .burst
            .last_text
            .is_some_and(|t| at.saturating_duration_since(t) < BURST_GAP);
        if printable(&key) {
            if in_burst {
                self.burst.last = Some(at);
            }
            self.burst.last_text = Some(at);
            return self.handle_key_at(key, at);
        }
        if in_burst && paste_like(&key) {
            self.burst.last = Some(at);
            return self.burst_key(key, at);
        }
        self.handle_key_at(key, at)
    }
}
