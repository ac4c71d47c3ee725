//! The read-only reader of the legacy JSONL inbox an older release left in a data dir, for
//! `store migrate --from files` and the import on the first open of `store.db`. It never
//! writes. The layout it reads: `DATA_DIR/inbox/inbox.jsonl`, one JSON [`InboxRecord`] per
//! line (after a compaction the file starts with a `{"inbox_generation":N}` header line and
//! holds `Snapshot` records, carried over as they are); a last line without its newline was
//! never acknowledged and is skipped, as is a line that does not parse (with a warning).
//! Live claims are in `DATA_DIR/inbox/claims.json`, a JSON array; lapsed ones are left out.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::board::Claim;
use super::{InboxRecord, StoreError};
use crate::paths::Paths;

/// A legacy inbox as read for import: its name in `imports`, its records and live claims.
pub type Legacy = (String, Vec<InboxRecord>, Vec<Claim>);

/// The first bytes of a compaction's generation header line.
const HEADER_PREFIX: &[u8] = b"{\"inbox_generation\":";

/// The legacy inbox file of a data dir.
pub fn inbox_path(paths: &Paths) -> PathBuf {
    paths.data_dir.join("inbox").join("inbox.jsonl")
}

/// The name an import of the data dir's legacy inbox is remembered by.
pub fn source_name(paths: &Paths) -> String {
    format!("files:{}", inbox_path(paths).display())
}

/// The legacy inbox of `paths`: its records and live claims. None without an inbox file.
pub fn read(paths: &Paths) -> Result<Option<Legacy>, StoreError> {
    let inbox = inbox_path(paths);
    let bytes = match std::fs::read(&inbox) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                path: inbox,
                source,
            });
        }
    };
    let records = records(&bytes);
    let claims = claims(
        &paths.data_dir.join("inbox").join("claims.json"),
        Utc::now(),
    )?;
    Ok(Some((source_name(paths), records, claims)))
}

/// Every complete, readable record in `bytes`.
fn records(bytes: &[u8]) -> Vec<InboxRecord> {
    let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
        return Vec::new();
    };
    let mut records = Vec::new();
    for (n, line) in bytes[..end].split(|b| *b == b'\n').enumerate() {
        if line.is_empty() || line.starts_with(HEADER_PREFIX) {
            continue;
        }
        match serde_json::from_slice::<InboxRecord>(line) {
            Ok(record) => records.push(record),
            Err(e) => tracing::warn!(
                "legacy inbox: skipping an unreadable record (line {}): {e}",
                n + 1
            ),
        }
    }
    records
}

/// The on-disk form of a claim.
#[derive(serde::Deserialize)]
struct Stored {
    incident: String,
    operator: String,
    since: DateTime<Utc>,
    lease_until: DateTime<Utc>,
}

/// The claims in `path` still live at `now`; none when the file is missing or unreadable
/// JSON (the old store read it the same way).
fn claims(path: &Path, now: DateTime<Utc>) -> Result<Vec<Claim>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // One claim per incident, in incident order, as the old store kept them.
    let claims: std::collections::BTreeMap<String, Claim> =
        serde_json::from_slice::<Vec<Stored>>(&bytes)
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                let claim = Claim {
                    incident: s.incident,
                    operator: s.operator,
                    since: s.since,
                    lease_until: s.lease_until,
                };
                (claim.incident.clone(), claim)
            })
            .collect();
    Ok(claims.into_values().filter(|c| c.is_live(now)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Change;

    #[test]
    fn reads_records_skips_the_header_a_torn_tail_and_bad_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::in_dir(dir.path());
        assert!(read(&paths).expect("read").is_none());
        std::fs::create_dir_all(paths.data_dir.join("inbox")).expect("mkdir");
        let at = "2026-01-01T00:00:00Z";
        let text = format!(
            "{{\"inbox_generation\":3}}\n\
             {{\"at\":\"{at}\",\"incident\":\"inc-1\",\"change\":{{\"kind\":\"claimed\",\"by\":\"a\"}}}}\n\
             not json\n\
             {{\"at\":\"{at}\",\"incident\":\"inc-1\",\"change\":{{\"kind\":\"repeated\"}}}}\n\
             {{\"at\":\"{at}\",\"incident\":\"inc-2\",\"change\":{{\"kind\":\"rep"
        );
        std::fs::write(inbox_path(&paths), text).expect("write");
        let (source, records, claims) = read(&paths).expect("read").expect("some");
        assert_eq!(source, source_name(&paths));
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].change, Change::Claimed { by: "a".into() });
        assert_eq!(records[1].change, Change::Repeated);
        assert!(claims.is_empty());
    }

    #[test]
    fn keeps_only_live_claims() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("claims.json");
        std::fs::write(
            &path,
            r#"[{"incident":"inc-1","operator":"alice","since":"2026-01-01T00:00:00Z","lease_until":"2026-01-01T00:10:00Z"},
                {"incident":"inc-2","operator":"bob","since":"2026-01-01T00:00:00Z","lease_until":"2026-01-01T00:01:00Z"}]"#,
        )
        .expect("write");
        let now = "2026-01-01T00:05:00Z".parse().expect("time");
        let live = claims(&path, now).expect("claims");
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].operator, "alice");
    }
}
