//! The per-session append-only JSONL event log: a group-committing writer, and a reader that
//! detects (and optionally cuts) a torn last line.
//!
//! Durability (group commit): [`SessionLog::append`] `write()`s each event at once but does not
//! fsync; [`SessionLog::sync`] fdatasyncs everything appended so far in one call. The session
//! task syncs at every durability point: before it hands a batch of events to front ends and
//! before any wait that can take time (model request, operator decision, spawning a command —
//! so `ExecStarted` is on disk before the process exists — and exit). Hence:
//!
//! - **Process crash** (kill -9, panic, OOM kill): no appended event is lost, shown or not; the
//!   data sits in the kernel page cache once `write()` returns. At worst a line being written
//!   at that instant is torn, and recovery cuts it.
//! - **Power loss / kernel crash**: every event a front end was shown, and every event before
//!   a command was spawned, is on disk. Lost at most: events appended since the last sync that
//!   nobody saw and nothing acted on, and streamed `ModelDelta`s (shown unsynced; the
//!   `ModelText` that completes them is synced before it is shown).
//!
//! Team mode: with an [`EventSink`] installed ([`set_event_sink`], the team database), every
//! sync also commits the events appended since the last one to the sink, after the fdatasync
//! and before `sync` returns, so an event is committed in the database before any front end
//! sees it and before a command is spawned. The file stays as it is on disk.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::Utc;
use nix::fcntl::{Flock, FlockArg};

use super::SessionError;
use crate::protocol::{Event, EventEnvelope};

/// A shared home for session events (the team database): each event line by (session, seq).
pub trait EventSink: Send + Sync {
    /// Commit `events` ((seq, line) pairs) of `session`; an existing seq is overwritten.
    fn put(&self, session: &str, events: &[(u64, String)]) -> Result<(), String>;
    /// Every line stored for `session`, in seq order.
    fn lines(&self, session: &str) -> Result<Vec<String>, String>;
}

static EVENT_SINK: std::sync::OnceLock<std::sync::Arc<dyn EventSink>> = std::sync::OnceLock::new();

/// Send every session log's events to `sink` too (once per process; later calls are ignored).
pub fn set_event_sink(sink: std::sync::Arc<dyn EventSink>) {
    let _ = EVENT_SINK.set(sink);
}

/// The installed sink, if any.
pub fn event_sink() -> Option<std::sync::Arc<dyn EventSink>> {
    EVENT_SINK.get().cloned()
}

/// The open, exclusively locked log of one session. Only one process writes a session: the
/// lock is held for as long as the writer lives, so two consoles never drive the same incident.
pub struct SessionLog {
    file: Flock<File>,
    path: PathBuf,
    session_id: String,
    seq: u64,
    /// Bytes were written since the last fdatasync.
    dirty: bool,
    /// Events not yet committed to the sink, when one is installed.
    unshared: Vec<(u64, String)>,
}

impl std::fmt::Debug for SessionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLog")
            .field("path", &self.path)
            .field("seq", &self.seq)
            .finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SessionError + '_ {
    move |source| SessionError::Log {
        path: path.to_path_buf(),
        source,
    }
}

fn lock(file: File, path: &Path, id: &str) -> Result<Flock<File>, SessionError> {
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| {
        if errno == nix::errno::Errno::EWOULDBLOCK {
            SessionError::Busy(id.to_string())
        } else {
            SessionError::Log {
                path: path.to_path_buf(),
                source: std::io::Error::from(errno),
            }
        }
    })
}

impl SessionLog {
    /// Create a new log (mode 0600); fails if it already exists.
    pub fn create(path: &Path, session_id: &str) -> Result<SessionLog, SessionError> {
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir).map_err(io_err(dir))?;
        }
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io_err(path))?;
        Ok(SessionLog {
            file: lock(file, path, session_id)?,
            path: path.to_path_buf(),
            session_id: session_id.to_string(),
            seq: 0,
            dirty: false,
            unshared: Vec::new(),
        })
    }

    /// Reopen an existing log for appending, after `last_seq` events. Fails with
    /// [`SessionError::Busy`] when another process holds it.
    pub fn reopen(
        path: &Path,
        session_id: &str,
        last_seq: u64,
    ) -> Result<SessionLog, SessionError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        Ok(SessionLog {
            file: lock(file, path, session_id)?,
            path: path.to_path_buf(),
            session_id: session_id.to_string(),
            seq: last_seq,
            dirty: false,
            unshared: Vec::new(),
        })
    }

    /// Continue numbering after `last_seq` (set once the existing log has been read).
    pub fn set_seq(&mut self, last_seq: u64) {
        self.seq = last_seq;
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one event: written to the file at once (it survives a crash of this process),
    /// durable against power loss only after the next [`SessionLog::sync`].
    pub fn append(&mut self, event: Event) -> Result<EventEnvelope, SessionError> {
        let envelope = EventEnvelope {
            session_id: self.session_id.clone(),
            seq: self.seq + 1,
            at: Utc::now(),
            event,
        };
        let mut line = serde_json::to_vec(&envelope)
            .map_err(|e| io_err(&self.path)(std::io::Error::other(e)))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(io_err(&self.path))?;
        self.dirty = true;
        self.seq += 1;
        if EVENT_SINK.get().is_some() {
            line.pop();
            self.unshared
                .push((envelope.seq, String::from_utf8_lossy(&line).into_owned()));
        }
        Ok(envelope)
    }

    /// Make every event appended so far durable (one fdatasync; nothing to do when clean).
    pub fn sync(&mut self) -> Result<(), SessionError> {
        if self.dirty {
            self.file.sync_data().map_err(io_err(&self.path))?;
            self.dirty = false;
        }
        self.share()
    }

    /// Commit the events not yet in the sink (nothing to do without one).
    fn share(&mut self) -> Result<(), SessionError> {
        if self.unshared.is_empty() {
            return Ok(());
        }
        if let Some(sink) = EVENT_SINK.get() {
            sink.put(&self.session_id, &self.unshared).map_err(|e| {
                io_err(&self.path)(std::io::Error::other(format!("team database: {e}")))
            })?;
        }
        self.unshared.clear();
        Ok(())
    }

    /// True when events were appended since the last [`SessionLog::sync`].
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }
}

impl Drop for SessionLog {
    /// Best effort: a writer dropped between durability points still syncs what it wrote.
    fn drop(&mut self) {
        if self.dirty {
            let _ = self.file.sync_data();
        }
        let _ = self.share();
    }
}

/// A log as read back from disk.
#[derive(Debug, Default)]
pub struct LogContents {
    pub events: Vec<EventEnvelope>,
    /// Byte length of the intact prefix (everything up to the last complete, valid line).
    pub intact_len: u64,
    /// Set when the last line was torn (incomplete or unparseable): its length in bytes.
    pub torn_bytes: Option<u64>,
}

/// Read a whole log. A bad last line is reported as torn; a bad line in the middle is an error.
pub fn read(path: &Path) -> Result<LogContents, SessionError> {
    let file = File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SessionError::NotFound(
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        } else {
            io_err(path)(source)
        }
    })?;
    let mut reader = BufReader::new(file);
    let mut contents = LogContents::default();
    let mut line = Vec::new();
    let mut number = 0usize;
    let mut pending_bad: Option<(usize, String, u64)> = None;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        number += 1;
        if let Some((bad_line, message, _)) = pending_bad.take() {
            return Err(SessionError::Corrupt {
                path: path.to_path_buf(),
                line: bad_line,
                message,
            });
        }
        let complete = line.last() == Some(&b'\n');
        let body = if complete { &line[..n - 1] } else { &line[..] };
        if body.iter().all(u8::is_ascii_whitespace) && complete {
            contents.intact_len += n as u64;
            continue;
        }
        match serde_json::from_slice::<EventEnvelope>(body) {
            Ok(envelope) if complete => {
                contents.events.push(envelope);
                contents.intact_len += n as u64;
            }
            Ok(_) => pending_bad = Some((number, "line has no newline".into(), n as u64)),
            Err(e) => pending_bad = Some((number, e.to_string(), n as u64)),
        }
    }
    if let Some((_, _, bytes)) = pending_bad {
        contents.torn_bytes = Some(bytes);
    }
    Ok(contents)
}

/// Cut a torn tail so the file ends at `intact_len`.
pub fn truncate(path: &Path, intact_len: u64) -> Result<(), SessionError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io_err(path))?;
    file.set_len(intact_len).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}

/// The first line of a log (the `SessionStarted` event), read without loading the rest.
pub fn read_first(path: &Path) -> Result<Option<EventEnvelope>, SessionError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).map_err(io_err(path))?;
    Ok(serde_json::from_slice(&line).ok())
}

/// The complete, parseable events in the last `window` bytes of a log, oldest first.
pub fn read_tail(path: &Path, window: u64) -> Result<Vec<EventEnvelope>, SessionError> {
    let (tail, _) = read_tail_bytes(path, window)?;
    Ok(tail
        .split(|b| *b == b'\n')
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}

/// The last `window` bytes of a log, starting at a line boundary, and whether that is the
/// whole file.
pub fn read_tail_bytes(path: &Path, window: u64) -> Result<(Vec<u8>, bool), SessionError> {
    use std::io::Seek;
    let mut file = File::open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    let start = len.saturating_sub(window);
    file.seek(std::io::SeekFrom::Start(start))
        .map_err(io_err(path))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf).map_err(io_err(path))?;
    if start > 0 {
        // The first line is probably cut: start after it.
        let cut = buf
            .iter()
            .position(|b| *b == b'\n')
            .map_or(buf.len(), |i| i + 1);
        buf.drain(..cut);
    }
    Ok((buf, start == 0))
}

/// The last line of a log, parsed; None when the log is empty or its last line is torn.
/// Reads only as much of the end of the file as that line needs.
pub fn last_event(path: &Path) -> Result<Option<EventEnvelope>, SessionError> {
    for window in [4 * 1024, 64 * 1024, u64::MAX] {
        let (tail, whole) = read_tail_bytes(path, window)?;
        let last = tail.split(|b| *b == b'\n').rfind(|line| !line.is_empty());
        if let Some(line) = last {
            return Ok(serde_json::from_slice(line).ok());
        }
        if whole {
            break;
        }
    }
    Ok(None)
}

/// True when a writer (this or another process) holds the log's lock.
pub fn is_locked(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    match Flock::lock(file, FlockArg::LockSharedNonblock) {
        Ok(_) => false,
        Err((_, errno)) => errno == nix::errno::Errno::EWOULDBLOCK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SessionState;

    #[test]
    fn torn_last_line_is_reported_and_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.jsonl");
        let mut log = SessionLog::create(&path, "s").expect("create");
        log.append(Event::State {
            state: SessionState::Investigating,
        })
        .expect("append");
        log.append(Event::ModelDelta { text: "hi".into() })
            .expect("append");
        drop(log);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"{\"session_id\":\"s\",\"seq\":3,\"at")
            .expect("write");
        let contents = read(&path).expect("read");
        assert_eq!(contents.events.len(), 2);
        assert_eq!(contents.torn_bytes, Some(29));
        truncate(&path, contents.intact_len).expect("truncate");
        let again = read(&path).expect("read");
        assert_eq!(again.events.len(), 2);
        assert_eq!(again.torn_bytes, None);
    }

    #[test]
    fn second_writer_is_refused_while_first_holds_the_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.jsonl");
        let log = SessionLog::create(&path, "s").expect("create");
        assert!(is_locked(&path));
        assert!(matches!(
            SessionLog::reopen(&path, "s", 0),
            Err(SessionError::Busy(_))
        ));
        drop(log);
        assert!(!is_locked(&path));
        SessionLog::reopen(&path, "s", 0).expect("reopen after release");
    }

    #[test]
    fn corrupt_middle_line_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.jsonl");
        let mut log = SessionLog::create(&path, "s").expect("create");
        log.append(Event::ModelDelta { text: "a".into() })
            .expect("append");
        drop(log);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"garbage\n{}\n").expect("write");
        assert!(matches!(
            read(&path),
            Err(SessionError::Corrupt { line: 2, .. })
        ));
    }

    #[test]
    fn last_event_finds_a_long_last_line_and_ignores_a_torn_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.jsonl");
        let mut log = SessionLog::create(&path, "s").expect("create");
        log.append(Event::State {
            state: SessionState::Investigating,
        })
        .expect("append");
        let long = "x".repeat(100 * 1024);
        log.append(Event::ModelText {
            text: long.clone(),
            tool_calls: Vec::new(),
        })
        .expect("append");
        drop(log);
        assert!(matches!(
            last_event(&path).expect("read"),
            Some(EventEnvelope { event: Event::ModelText { text, .. }, .. }) if text == long
        ));
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(br#"{"session_id":"s","seq":3,"#)
            .expect("write");
        assert_eq!(last_event(&path).expect("read"), None);
    }
}
