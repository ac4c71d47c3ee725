//! Checking the chain: JSON validity, seq continuity, `prev` links, record hashes and, with
//! an audit key, each record's `hmac`. Reports the first broken record, and a torn last
//! record (a crash mid-write) distinctly.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::record::{self, GENESIS, Record};
use super::{AuditError, AuditKey};

/// The first problem found in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line number in the file.
    pub line: u64,
    /// The record's own seq when it could be read.
    pub seq: Option<u64>,
    /// What is wrong, for the operator.
    pub reason: String,
    /// The last line has no newline: a write torn by a crash (cut on the next append).
    pub torn: bool,
}

/// Result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records that verified before the first problem (all of them when intact).
    pub records: u64,
    pub broken: Option<Broken>,
    /// Of `records`, how many carry an `hmac` (checked against the key when one was given).
    pub signed: u64,
}

impl VerifyReport {
    /// True when every record verified and nothing is torn.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Verify the whole chain in `path` (hmacs are not checked: no key).
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    verify_with(path, None)
}

/// Verify the chain in `path`; with `key`, also every record's `hmac`. Records without one
/// are accepted only before the first signed record (written before the key was set up), and
/// a log with records but no signed one fails: a tail rewritten without the key cannot carry
/// valid hmacs, and dropping them is noticed.
pub fn verify_with(path: &Path, key: Option<&AuditKey>) -> Result<VerifyReport, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io)?);
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1u64;
    let mut line_no = 0u64;
    let mut signed = 0u64;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let n = reader.read_until(b'\n', &mut raw).map_err(io)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let records = line_no - 1;
        let broken = |seq: Option<u64>, reason: String, torn: bool| VerifyReport {
            records,
            signed,
            broken: Some(Broken {
                line: line_no,
                seq,
                reason,
                torn,
            }),
        };
        if raw.last() != Some(&b'\n') {
            let seq = serde_json::from_slice::<Record>(&raw).ok().map(|r| r.seq);
            return Ok(broken(
                seq,
                format!(
                    "torn last record ({} bytes without a newline; a crash cut the write)",
                    raw.len()
                ),
                true,
            ));
        }
        let bytes = &raw[..raw.len() - 1];
        let Ok(line) = std::str::from_utf8(bytes) else {
            return Ok(broken(None, "record is not UTF-8".into(), false));
        };
        let record: Record = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => return Ok(broken(None, format!("not a valid record: {e}"), false)),
        };
        let seq = Some(record.seq);
        if record.seq != expected_seq {
            let what = if record.seq > expected_seq {
                "records missing before it"
            } else {
                "out of order or duplicated"
            };
            return Ok(broken(
                seq,
                format!(
                    "seq {} where {expected_seq} was expected ({what})",
                    record.seq
                ),
                false,
            ));
        }
        if record.prev != expected_prev {
            return Ok(broken(
                seq,
                "prev does not match the previous record's hash (a record before it was changed, removed or reordered)".into(),
                false,
            ));
        }
        let split = match record::split_hash(line) {
            Ok(split) => split,
            Err(reason) => return Ok(broken(seq, reason, false)),
        };
        if record::sha256_hex(split.body.as_bytes()) != split.hash || split.hash != record.hash {
            return Ok(broken(
                seq,
                "hash mismatch: the record was altered".into(),
                false,
            ));
        }
        match (key, split.hmac) {
            (Some(key), Some(hmac)) if !key.verifies(split.hash, hmac) => {
                return Ok(broken(
                    seq,
                    format!(
                        "record {}: hmac mismatch (rewritten by someone without the audit key)",
                        record.seq
                    ),
                    false,
                ));
            }
            (Some(_), None) if signed > 0 => {
                return Ok(broken(
                    seq,
                    format!(
                        "record {}: no hmac after signed records (the tail was rewritten without the audit key)",
                        record.seq
                    ),
                    false,
                ));
            }
            _ => {}
        }
        if split.hmac.is_some() {
            signed += 1;
        }
        expected_prev = record::sha256_hex(bytes);
        expected_seq += 1;
    }
    if key.is_some() && line_no > 0 && signed == 0 {
        return Ok(VerifyReport {
            records: line_no,
            signed,
            broken: Some(Broken {
                line: line_no,
                seq: Some(expected_seq - 1),
                reason: "no record has an hmac although an audit key is configured (written or rewritten without the key)".into(),
                torn: false,
            }),
        });
    }
    Ok(VerifyReport {
        records: line_no,
        broken: None,
        signed,
    })
}

/// Every readable record in `path` (unreadable lines are skipped), for `opsassist audit show`.
pub fn read_records(path: &Path) -> Result<Vec<Record>, AuditError> {
    let text = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Record>(line).ok())
        .collect())
}
