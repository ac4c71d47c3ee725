//! One audit record: its canonical bytes, its hash, and the parts `verify` checks.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuditEntry;

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Marker between the hashed body and the hash itself.
pub(crate) const HASH_FIELD: &str = ",\"hash\":\"";

/// A record as written (the body without `hash`; field order is the canonical order).
#[derive(Debug, Serialize)]
pub(crate) struct Body<'a> {
    pub seq: u64,
    pub time: &'a str,
    pub operator: &'a str,
    pub session: &'a str,
    pub entry: &'a AuditEntry,
    pub prev: &'a str,
}

/// A record as read back; `entry` stays generic so records from newer versions still verify.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub time: String,
    pub operator: String,
    pub session: String,
    pub entry: serde_json::Value,
    pub prev: String,
    pub hash: String,
}

/// Hex sha256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The full line (without newline) for `body`: body JSON with `"hash"` appended last.
pub(crate) fn encode(body: &Body) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(body)?;
    let hash = sha256_hex(json.as_bytes());
    let mut line = json;
    line.pop();
    line.push_str(HASH_FIELD);
    line.push_str(&hash);
    line.push_str("\"}");
    Ok(line)
}

/// Split a line into (hashed body bytes, stored hash), or why it cannot be.
pub(crate) fn split_hash(line: &str) -> Result<(String, &str), String> {
    let at = line
        .rfind(HASH_FIELD)
        .ok_or_else(|| "no hash field at the end of the record".to_string())?;
    let rest = &line[at + HASH_FIELD.len()..];
    let hash = rest
        .strip_suffix("\"}")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| "hash field is not the last field or not 64 hex digits".to_string())?;
    Ok((format!("{}}}", &line[..at]), hash))
}
