//! Inbox compaction for [`FileStore`]: the append-only inbox is rewritten as one `Snapshot`
//! record per kept incident, into a new file that starts with a generation header
//! (`{"inbox_generation":N}`) and is renamed over the old one while the old one's write
//! lock is held. Cursors carry the generation they were read in, so a follower whose cursor
//! is of an older generation starts over at the new file's snapshots (see
//! [`crate::store::is_reset`]) instead of reading byte offsets of a file that is gone.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};

use chrono::{DateTime, Duration, Utc};

use super::{FileStore, encode};
use crate::store::{
    Change, Cursor, GENERATION_BITS, InboxRecord, Incident, IncidentState, Incidents, StoreError,
};

/// The first bytes of a generation header line.
const HEADER_PREFIX: &[u8] = b"{\"inbox_generation\":";
/// Byte offsets use the low bits of a cursor.
const OFFSET_MASK: u64 = (1u64 << (64 - GENERATION_BITS)) - 1;
/// Resolved incidents last seen within this many hours survive a compaction.
pub const KEEP_RESOLVED_HOURS: i64 = 24;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    pub generation: u64,
    pub kept: usize,
    pub dropped: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// The cursor at byte `offset` of generation `generation`.
pub fn at(generation: u64, offset: u64) -> Cursor {
    (generation << (64 - GENERATION_BITS)) | (offset & OFFSET_MASK)
}

/// The byte offset of a cursor.
pub fn offset_of(cursor: Cursor) -> u64 {
    cursor & OFFSET_MASK
}

/// True for a generation header line.
pub fn is_header(line: &[u8]) -> bool {
    line.starts_with(HEADER_PREFIX)
}

/// The generation in `file`'s header; 0 for an inbox written before compaction existed.
pub fn read_generation(file: &File) -> std::io::Result<u64> {
    let mut buf = [0u8; 48];
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read_at(&mut buf[filled..], filled as u64)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    let head = &buf[..filled];
    let Some(rest) = head.strip_prefix(HEADER_PREFIX) else {
        return Ok(0);
    };
    let digits: Vec<u8> = rest
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    Ok(std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .unwrap_or(0)
        .min((1u64 << GENERATION_BITS) - 1))
}

/// The default policy: keep incidents open at the source, and resolved ones last seen
/// within [`KEEP_RESOLVED_HOURS`] of `now`.
pub fn open_or_recent(incident: &Incident, now: DateTime<Utc>) -> bool {
    match incident.state {
        IncidentState::Open => true,
        IncidentState::ResolvedAtSource { .. } => {
            incident.last_seen > now - Duration::hours(KEEP_RESOLVED_HOURS)
        }
    }
}

/// One `Snapshot` record per incident of `incidents` that `keep` keeps, and how many it
/// dropped: the body of a compacted inbox.
pub fn snapshot_of(
    incidents: &Incidents,
    keep: &dyn Fn(&Incident) -> bool,
) -> (Vec<InboxRecord>, usize) {
    let now = Utc::now();
    let mut snapshot = Vec::new();
    let mut dropped = 0;
    for incident in incidents.iter() {
        if !keep(incident) {
            dropped += 1;
            continue;
        }
        snapshot.push(InboxRecord {
            at: now,
            incident: incident.id.clone(),
            change: Change::Snapshot {
                incident: Box::new(incident.clone()),
                recent_reopens: incident.recent_reopens().to_vec(),
            },
        });
    }
    (snapshot, dropped)
}

/// Write `snapshot` as generation `generation` next to the inbox, sync it and rename it over
/// the inbox. The caller holds the inbox's write lock. `dropped`: how many incidents the
/// snapshot left out, when the caller knows.
pub(super) fn write(
    store: &FileStore,
    snapshot: &[InboxRecord],
    dropped: Option<usize>,
    generation: u64,
) -> Result<Compacted, StoreError> {
    let shown = dropped.map_or_else(|| "?".to_string(), |n| n.to_string());
    let dropped = dropped.unwrap_or(0);
    let bytes_before = std::fs::metadata(&store.inbox)
        .map(|m| m.len())
        .unwrap_or(0);
    let mut bytes = format!("{{\"inbox_generation\":{generation}}}\n").into_bytes();
    bytes.extend(encode(snapshot)?);
    let tmp = store.dir.join("inbox.jsonl.compact");
    let io = |source| StoreError::Io {
        path: tmp.clone(),
        source,
    };
    let _ = std::fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, &store.inbox).map_err(io)?;
    if let Ok(dir) = File::open(&store.dir) {
        let _ = dir.sync_all();
    }
    tracing::info!(
        "inbox: compacted to generation {generation}: {} incident(s) kept, {shown} dropped, {bytes_before} -> {} bytes",
        snapshot.len(),
        bytes.len()
    );
    Ok(Compacted {
        generation,
        kept: snapshot.len(),
        dropped,
        bytes_before,
        bytes_after: bytes.len() as u64,
    })
}
