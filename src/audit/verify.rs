//! Checking the chain: JSON validity, seq continuity, `prev` links and record hashes. Reports
//! the first broken record, and a torn last record (a crash mid-write) distinctly.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::AuditError;
use super::record::{self, GENESIS, Record};

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
}

impl VerifyReport {
    /// True when every record verified and nothing is torn.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Verify the whole chain in `path`.
pub fn verify(path: &Path) -> Result<VerifyReport, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io)?);
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1u64;
    let mut line_no = 0u64;
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
        match record::split_hash(line) {
            Ok((body, hash))
                if record::sha256_hex(body.as_bytes()) == hash && hash == record.hash => {}
            Ok(_) => {
                return Ok(broken(
                    seq,
                    "hash mismatch: the record was altered".into(),
                    false,
                ));
            }
            Err(reason) => return Ok(broken(seq, reason, false)),
        }
        expected_prev = record::sha256_hex(bytes);
        expected_seq += 1;
    }
    Ok(VerifyReport {
        records: line_no,
        broken: None,
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
