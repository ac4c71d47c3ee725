//! The audit log: `audit.jsonl`, append-only, fsync'd per record, hash-chained, verifiable.
//!
//! Record format (one JSON object per line, fields in this order):
//! `{"seq":N,"time":RFC3339,"operator":$USER,"session":ID,"entry":{…},"prev":HEX,"hash":HEX}`.
//! `prev` is the sha256 of the previous line's exact bytes (without its newline), or 64 zeros
//! for the first record. `hash` is the sha256 of this line's bytes up to `,"hash":` followed
//! by `}` — i.e. the record serialized without its hash field.

mod log;
mod record;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::policy::Class;
use crate::protocol::Target;

pub use log::AuditLog;
pub use record::{GENESIS, Record};
pub use verify::{Broken, VerifyReport, read_records, verify};

/// What an audit record attests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditEntry {
    Proposal {
        call_id: String,
        tool: String,
        target: Target,
        command: String,
        class: Class,
    },
    Edit {
        call_id: String,
        before: String,
        after: String,
    },
    /// `decision` is one of approve, reject, auto, refused.
    Decision {
        call_id: String,
        decision: String,
        reason: Option<String>,
    },
    ExecStart {
        call_id: String,
        target: Target,
        command: String,
    },
    ExecEnd {
        call_id: String,
        exit_code: Option<i32>,
        signal: Option<i32>,
        duration_ms: u64,
        stdout_bytes: u64,
        stderr_bytes: u64,
        output_sha256: String,
        redactions: usize,
        connection_error: Option<String>,
        timed_out: bool,
    },
}

/// Audit log failures.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The last complete record cannot be chained onto (not JSON, no seq).
    #[error(
        "audit log {path}: last record (line {line}) is corrupt: {reason}; run `opsassist audit verify`"
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("audit log {path}: cannot encode record: {message}")]
    Encode { path: PathBuf, message: String },
}
