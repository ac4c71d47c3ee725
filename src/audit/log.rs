//! Appending to the audit log: O_APPEND, an exclusive `flock` per record (several opsassist
//! processes may share one log), chain state re-read under the lock, fsync before returning.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::record::{self, Body, GENESIS, Record};
use super::{AuditEntry, AuditError, AuditKey};

/// An open audit log.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    operator: String,
    warnings: Vec<String>,
    /// Signs every record appended (`hmac`) when set.
    key: Option<AuditKey>,
    /// When set, records go to this shared chain (the team database) instead of the file.
    sink: Option<std::sync::Arc<dyn super::AuditSink>>,
}

impl std::fmt::Debug for dyn super::AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditSink({})", self.describe())
    }
}

/// Where the chain stands at the end of the file.
struct Tail {
    next_seq: u64,
    prev: String,
    /// Byte length of the complete records; shorter than the file when the last line is torn.
    complete_len: u64,
    torn_bytes: u64,
}

impl AuditLog {
    /// Open (creating, mode 0600) the log at `path`.
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::paths::create_private_dir(dir).map_err(io)?;
        }
        let file = open_append(path).map_err(io)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
        let operator = operator_name();
        Ok(AuditLog {
            path: path.to_path_buf(),
            operator,
            warnings: Vec::new(),
            key: None,
            sink: None,
        })
    }

    /// Name `operator` as the decider of every record appended from now on (an eval run: its
    /// scenario's operator policy decides, not the account that started it).
    pub fn set_operator(&mut self, operator: &str) {
        self.operator = crate::text::neutralize_line(operator);
    }

    /// Sign every record appended from now on with `key` (none: plain chain).
    pub fn with_key(mut self, key: Option<AuditKey>) -> AuditLog {
        self.key = key;
        self
    }

    /// Send every record appended from now on to `sink` (the team database) instead of the
    /// file; `None` keeps the file.
    pub fn with_sink(mut self, sink: Option<std::sync::Arc<dyn super::AuditSink>>) -> AuditLog {
        self.sink = sink;
        self
    }

    /// The records of the chain in force (the sink's when set, else the file's).
    fn chain_records(&self) -> Result<Vec<Record>, AuditError> {
        match &self.sink {
            Some(sink) => {
                let lines = sink.lines().map_err(|message| AuditError::Encode {
                    path: sink.describe().into(),
                    message,
                })?;
                Ok(lines
                    .iter()
                    .filter_map(|l| serde_json::from_str::<Record>(l).ok())
                    .collect())
            }
            None => super::read_records(&self.path),
        }
    }

    /// Whether the log already holds an end record (`exec_end` or `exec_interrupted`) for
    /// `call_id` of `session_id`: crash recovery writes its record only once.
    pub fn has_end_record(&self, session_id: &str, call_id: &str) -> Result<bool, AuditError> {
        if self.sink.is_none() && !self.path.exists() {
            return Ok(false);
        }
        Ok(self.chain_records()?.iter().any(|r| {
            r.session == session_id
                && matches!(
                    r.entry.get("kind").and_then(|k| k.as_str()),
                    Some("exec_end" | "exec_interrupted")
                )
                && r.entry.get("call_id").and_then(|c| c.as_str()) == Some(call_id)
        }))
    }

    /// The file this log writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Warnings raised while appending (a torn last record cut after a crash); drains them.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Append one record for `session_id`, fsync'd before returning. A torn last line left by
    /// a crash is cut first (with a warning, see [`AuditLog::take_warnings`]).
    pub fn append(&mut self, session_id: &str, entry: AuditEntry) -> Result<(), AuditError> {
        if let Some(sink) = self.sink.clone() {
            return self.append_to_sink(sink.as_ref(), session_id, &entry);
        }
        let path = self.path.clone();
        let io = |source| AuditError::Io {
            path: path.clone(),
            source,
        };
        let mut file = open_append(&self.path).map_err(io)?;
        lock_exclusive(&file).map_err(io)?;
        let tail = read_tail(&mut file, &self.path)?;
        if tail.torn_bytes > 0 {
            file.set_len(tail.complete_len).map_err(io)?;
            let message = format!(
                "audit log {}: cut a torn last record ({} bytes without a newline, left by a crash)",
                self.path.display(),
                tail.torn_bytes
            );
            tracing::warn!("{message}");
            self.warnings.push(message);
        }
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let body = Body {
            seq: tail.next_seq,
            time: &time,
            operator: &self.operator,
            session: session_id,
            entry: &entry,
            prev: &tail.prev,
        };
        let mut line =
            record::encode(&body, self.key.as_ref()).map_err(|e| AuditError::Encode {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        line.push('\n');
        file.write_all(line.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        // Closing the file releases the flock.
        Ok(())
    }
}

impl AuditLog {
    /// [`AuditLog::append`] into the shared chain: the sink holds its lock while the line is
    /// built from its chain head and stored.
    fn append_to_sink(
        &self,
        sink: &dyn super::AuditSink,
        session_id: &str,
        entry: &AuditEntry,
    ) -> Result<(), AuditError> {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let key = self.key.as_ref();
        let operator = self.operator.clone();
        let mut build = |seq: u64, prev: &str| {
            let body = Body {
                seq,
                time: &time,
                operator: &operator,
                session: session_id,
                entry,
                prev,
            };
            record::encode(&body, key).map_err(|e| e.to_string())
        };
        sink.append_line(session_id, &self.operator, &mut build)
            .map_err(|message| AuditError::Encode {
                path: sink.describe().into(),
                message,
            })
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

fn lock_exclusive(file: &File) -> std::io::Result<()> {
    loop {
        // `File::lock` is flock(LOCK_EX) on Unix: shared with other opsassist processes.
        match file.lock() {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Read backwards from the end until the last complete line is in hand.
fn read_tail(file: &mut File, path: &Path) -> Result<Tail, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = file.metadata().map_err(io)?.len();
    let mut buf: Vec<u8> = Vec::new();
    let mut start = len;
    const CHUNK: u64 = 64 * 1024;
    loop {
        let complete_end = buf.iter().rposition(|b| *b == b'\n');
        let has_line_start = complete_end.is_some_and(|end| buf[..end].contains(&b'\n'));
        if start == 0 || has_line_start {
            break;
        }
        let from = start.saturating_sub(CHUNK);
        let mut chunk = vec![0u8; (start - from) as usize];
        file.seek(SeekFrom::Start(from)).map_err(io)?;
        file.read_exact(&mut chunk).map_err(io)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        start = from;
    }
    let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
        return Ok(Tail {
            next_seq: 1,
            prev: GENESIS.into(),
            complete_len: 0,
            torn_bytes: len,
        });
    };
    let complete_len = start + end as u64 + 1;
    let line_start = buf[..end]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let last = &buf[line_start..end];
    let corrupt = |reason: String| AuditError::Corrupt {
        path: path.to_path_buf(),
        line: count_lines(path),
        reason,
    };
    let record: Record = serde_json::from_slice(last).map_err(|e| corrupt(e.to_string()))?;
    Ok(Tail {
        next_seq: record.seq + 1,
        prev: record::sha256_hex(last),
        complete_len,
        torn_bytes: len - complete_len,
    })
}

fn count_lines(path: &Path) -> u64 {
    std::fs::read(path)
        .map(|b| b.iter().filter(|c| **c == b'\n').count() as u64)
        .unwrap_or(0)
}

/// Who is operating: the one operator name of this process (`store::operator_from_env`).
fn operator_name() -> String {
    crate::store::operator_from_env()
}
