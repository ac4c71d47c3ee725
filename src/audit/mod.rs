//! The audit log: `audit.jsonl`, append-only, fsync'd per record, hash-chained, verifiable.
//!
//! Record format (one JSON object per line, fields in this order):
//! `{"seq":N,"time":RFC3339,"operator":$USER,"session":ID,"entry":{…},"prev":HEX,"hash":HEX}`.
//! `prev` is the sha256 of the previous line's exact bytes (without its newline), or 64 zeros
//! for the first record. `hash` is the sha256 of this line's bytes up to `,"hash":` followed
//! by `}` — i.e. the record serialized without its hash field.
//!
//! With an audit key (`[audit] key_file`, see [`AuditKey`]) one more field follows the hash:
//! `,"hmac":HEX`, the HMAC-SHA256 of the `hash` hex text under the key. `prev` still covers
//! the whole previous line, hmac included.
//!
//! `opsassist audit verify` also compares the log with the executions recorded in the session
//! logs (`cli/audit_crosscheck.rs`), so a deleted or truncated audit log is noticed while
//! sessions remain.

mod key;
mod log;
mod record;
mod sink;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::policy::Class;
use crate::protocol::Target;

pub use key::AuditKey;
pub use log::AuditLog;
pub use record::{GENESIS, Record};
pub use sink::AuditSink;
pub use verify::{Broken, VerifyReport, read_records, verify, verify_with};

/// `outcome` of an [`AuditEntry::ExecInterrupted`] record.
pub const INTERRUPTED: &str = "interrupted: outcome unknown";

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
        /// The call was recovered from the model's text, not a native tool call (absent,
        /// false, in older records, whose bytes and hashes are unchanged).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        recovered_from_text: bool,
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
    /// The exec-end record of a command that was running when opsassist died: written once
    /// by crash recovery (never twice for one call), `outcome` is [`INTERRUPTED`]. The byte
    /// count and sha256 are of the output file as found at recovery (empty when none).
    ExecInterrupted {
        call_id: String,
        outcome: String,
        output_bytes: u64,
        output_sha256: String,
    },
    /// Team mode: the operator claimed, released or handed over an incident. `action` is
    /// claim, take_over, release or hand_over; `other` is the previous or next claimant.
    Claim {
        incident: String,
        action: String,
        other: Option<String>,
    },
}

impl AuditEntry {
    /// The tag this entry is written with (`kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            AuditEntry::Proposal { .. } => "proposal",
            AuditEntry::Edit { .. } => "edit",
            AuditEntry::Decision { .. } => "decision",
            AuditEntry::ExecStart { .. } => "exec_start",
            AuditEntry::ExecEnd { .. } => "exec_end",
            AuditEntry::ExecInterrupted { .. } => "exec_interrupted",
            AuditEntry::Claim { .. } => "claim",
        }
    }
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
    /// The audit key file cannot be used (loose permissions, inside the data dir, not a key).
    #[error("audit key {path}: {message}")]
    Key { path: PathBuf, message: String },
}
