//! One audit record: its canonical bytes, its hash, and the parts `verify` checks.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AuditEntry, AuditKey};

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Marker between the hashed body and the hash itself.
pub(crate) const HASH_FIELD: &str = ",\"hash\":\"";
/// Marker between the hash and the optional keyed signature of it.
const HMAC_FIELD: &str = "\",\"hmac\":\"";

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
    /// HMAC-SHA256 of `hash` under the audit key, when one was configured at write time.
    #[serde(default)]
    pub hmac: Option<String>,
}

/// Hex sha256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The full line (without newline) for `body`: body JSON with `"hash"` appended, then
/// `"hmac"` (the key's signature of the hash) when there is a key.
pub(crate) fn encode(body: &Body, key: Option<&AuditKey>) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(body)?;
    let hash = sha256_hex(json.as_bytes());
    let mut line = json;
    line.pop();
    line.push_str(HASH_FIELD);
    line.push_str(&hash);
    if let Some(key) = key {
        line.push_str(HMAC_FIELD);
        line.push_str(&key.sign(&hash));
    }
    line.push_str("\"}");
    Ok(line)
}

/// A line taken apart: the hashed body bytes, the stored hash and the optional hmac.
pub(crate) struct Split<'a> {
    pub body: String,
    pub hash: &'a str,
    pub hmac: Option<&'a str>,
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Split a line into its hashed body, stored hash and hmac, or say why it cannot be.
pub(crate) fn split_hash(line: &str) -> Result<Split<'_>, String> {
    let at = line
        .rfind(HASH_FIELD)
        .ok_or_else(|| "no hash field at the end of the record".to_string())?;
    let rest = line[at + HASH_FIELD.len()..]
        .strip_suffix("\"}")
        .ok_or_else(|| "hash field is not the last field or not 64 hex digits".to_string())?;
    let (hash, hmac) = match rest.split_once(HMAC_FIELD) {
        Some((hash, hmac)) => (hash, Some(hmac)),
        None => (rest, None),
    };
    if !is_hex(hash, 64) {
        return Err("hash field is not the last field or not 64 hex digits".into());
    }
    if hmac.is_some_and(|h| !is_hex(h, 64)) {
        return Err("hmac field is not 64 hex digits".into());
    }
    Ok(Split {
        body: format!("{}}}", &line[..at]),
        hash,
        hmac,
    })
}
