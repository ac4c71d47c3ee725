//! `o`: the selected call's full output in `$PAGER` (default `less -R`). The console leaves
//! raw mode and the alternate screen, runs the pager on the output file (as its argument and
//! on its stdin), then takes the terminal back and redraws everything.

use std::process::Stdio;

use super::app::{App, Command};
use super::terminal::TerminalGuard;
use super::transcript_store::{Entry, NoteKind};

/// The pager command line: `$PAGER`, or `less -R`.
pub fn pager_command() -> String {
    std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -R".to_string())
}

/// Run the pager on `path` with the terminal given back to it; the terminal is taken back
/// (and fully redrawn at the next draw) whatever the pager did.
pub fn run(guard: &mut TerminalGuard, path: &str) -> Result<String, String> {
    super::terminal::restore();
    let result = (|| {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        let command = pager_command();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} \"$1\""))
            .arg("opsassist-pager")
            .arg(path)
            .stdin(Stdio::from(file))
            .status()
            .map_err(|e| format!("cannot run `{command}`: {e}"))?;
        Ok(format!("{command} exited with {status}"))
    })();
    if let Err(e) = guard.resume() {
        return Err(format!("cannot take the terminal back: {e}"));
    }
    result
}

impl App {
    /// `o`: the selected call's (or the last finished call's) output file.
    pub(super) fn open_pager(&mut self) -> Vec<Command> {
        let Some(incident) = self.current() else {
            self.notify(NoteKind::Info, "no incident selected");
            return Vec::new();
        };
        let path = |i: usize| match incident.transcript.entries().get(i) {
            Some(Entry::Call(call)) => call
                .output
                .as_ref()
                .map(|o| o.path.clone())
                .or_else(|| call.started_path.clone())
                .filter(|p| !p.is_empty()),
            _ => None,
        };
        let chosen = match incident.selected_call {
            Some(i) => path(i),
            None => incident
                .transcript
                .call_indices()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .find_map(path),
        };
        match chosen {
            Some(path) => vec![Command::Pager { path }],
            None => {
                self.notify(NoteKind::Info, "this call has no output file to page");
                Vec::new()
            }
        }
    }
}
