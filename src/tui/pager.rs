//! `o`: the selected call's full output in `$PAGER` (default `less -R`). The console leaves
//! raw mode and the alternate screen, runs the pager on a read-only copy of the output file
//! (as its argument and on its stdin: the original, whose sha256 is in the audit log, is
//! never handed to a program that can write), then takes the terminal back and redraws.

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
    let result = page(&pager_command(), path);
    if let Err(e) = guard.resume() {
        return Err(format!("cannot take the terminal back: {e}"));
    }
    result
}

/// Run `command` (a pager) on a read-only copy of the output file at `path`, as its argument
/// and on its stdin; the copy is removed afterwards.
fn page(command: &str, path: &str) -> Result<String, String> {
    let copy = ReadOnlyCopy::of(std::path::Path::new(path))?;
    let file = std::fs::File::open(&copy.file).map_err(|e| format!("{path}: {e}"))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{command} \"$1\""))
        .arg("opsassist-pager")
        .arg(&copy.file)
        .stdin(Stdio::from(file))
        .status()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    Ok(format!("{command} exited with {status}"))
}

/// A copy of an output file for the pager: mode 0400 in a private (0700) directory of its
/// own, removed with the directory when dropped.
struct ReadOnlyCopy {
    dir: std::path::PathBuf,
    file: std::path::PathBuf,
}

impl ReadOnlyCopy {
    fn of(original: &std::path::Path) -> Result<ReadOnlyCopy, String> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("opsassist-pager-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = original
            .file_name()
            .map_or_else(|| "output.log".into(), |n| n.to_os_string());
        let copy = ReadOnlyCopy {
            file: dir.join(name),
            dir,
        };
        std::fs::copy(original, &copy.file).map_err(|e| format!("{}: {e}", original.display()))?;
        std::fs::set_permissions(&copy.file, std::fs::Permissions::from_mode(0o400))
            .map_err(|e| format!("{}: {e}", copy.file.display()))?;
        Ok(copy)
    }
}

impl Drop for ReadOnlyCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

#[cfg(test)]
mod tests {
    use super::{ReadOnlyCopy, page};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_pager_gets_a_read_only_copy_and_the_original_is_untouched() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let original = dir.path().join("001-call.log");
        std::fs::write(&original, "line one\n").unwrap_or_else(|e| panic!("{e}"));
        let copy = ReadOnlyCopy::of(&original).unwrap_or_else(|e| panic!("{e}"));
        let mode = std::fs::metadata(&copy.file)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o400);
        let copied_dir = copy.dir.clone();
        drop(copy);
        assert!(!copied_dir.exists(), "the copy is removed after the pager");
        // A "pager" that writes to the file it is given (as `vi` with `:w` could).
        let said = page("echo tampered >>", &original.display().to_string());
        assert!(said.is_ok(), "{said:?}");
        assert_eq!(
            std::fs::read_to_string(&original).unwrap_or_default(),
            "line one\n",
            "the pager changed the output file the audit log hashed"
        );
    }
}
