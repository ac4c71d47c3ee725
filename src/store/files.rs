//! [`FileStore`]: the [`Store`] over the data dir. The inbox is `<data dir>/inbox/inbox.jsonl`
//! (one JSON record per line, mode 0600), appended under an exclusive `flock` with one
//! `fdatasync` per batch (group commit). `inbox/receiver.lock` is held by the one process
//! that receives alerts. A torn last line (a crash mid-write, never acknowledged) is cut by
//! the next writer and skipped by readers until it is complete.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use nix::fcntl::{Flock, FlockArg};

use super::{Change, Cursor, InboxRecord, Store, StoreError, is_reset};
use crate::paths::Paths;

pub mod compact;

use compact::{at, offset_of};

/// The inbox in a data dir.
pub struct FileStore {
    dir: PathBuf,
    inbox: PathBuf,
    /// The append handle, opened (and its torn tail repaired) on first write.
    writer: Mutex<Option<File>>,
    /// Which incidents are claimed, as of `offset`; caught up under the lock before a claim.
    claims: Mutex<ClaimIndex>,
    /// [`Store::maintain`] compacts past this size (and past twice the last snapshot).
    compact_over: AtomicU64,
    /// The size of the last snapshot this store wrote.
    last_snapshot: AtomicU64,
}

/// The inbox size past which the receiver compacts it, by default.
pub const COMPACT_OVER_BYTES: u64 = 64 << 20;

#[derive(Default)]
struct ClaimIndex {
    offset: Cursor,
    claimed: HashMap<String, bool>,
}

impl FileStore {
    /// The store of `paths.data_dir`. Nothing is created until the first write.
    pub fn open(paths: &Paths) -> FileStore {
        FileStore::in_dir(&paths.data_dir.join("inbox"))
    }

    /// A store in `dir` (holding `inbox.jsonl` and `receiver.lock`).
    pub fn in_dir(dir: &Path) -> FileStore {
        FileStore {
            dir: dir.to_path_buf(),
            inbox: dir.join("inbox.jsonl"),
            writer: Mutex::new(None),
            claims: Mutex::new(ClaimIndex::default()),
            compact_over: AtomicU64::new(COMPACT_OVER_BYTES),
            last_snapshot: AtomicU64::new(0),
        }
    }

    /// Compact (in [`Store::maintain`]) once the inbox is over `bytes`.
    pub fn compact_over(self, bytes: u64) -> FileStore {
        self.compact_over.store(bytes, Ordering::Relaxed);
        self
    }

    /// The inbox file.
    pub fn inbox_path(&self) -> &Path {
        &self.inbox
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.inbox.clone(),
            source,
        }
    }

    fn create_dir(&self) -> Result<(), StoreError> {
        crate::paths::create_private_dir(&self.dir).map_err(|source| StoreError::Io {
            path: self.dir.clone(),
            source,
        })
    }

    /// Open the append handle if needed.
    fn writer_file<'a>(&self, slot: &'a mut Option<File>) -> Result<&'a mut File, StoreError> {
        if slot.is_none() {
            self.create_dir()?;
            let existed = self.inbox.exists();
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .mode(0o600)
                .open(&self.inbox)
                .map_err(|e| self.io(e))?;
            if !existed && let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            *slot = Some(file);
        }
        slot.as_mut()
            .ok_or_else(|| self.io(std::io::Error::other("no inbox handle")))
    }

    /// Take the inbox's write lock through the append handle in `slot`. A compaction (here or
    /// in another process) renames a new file over the inbox while holding the old one's
    /// lock, so after locking, a handle whose file is no longer the inbox is reopened.
    fn lock_current(&self, slot: &mut Option<File>) -> Result<Flock<File>, StoreError> {
        for _ in 0..16 {
            let file = self.writer_file(slot)?;
            let guard = self.lock(file)?;
            let ours = file.metadata().map_err(|e| self.io(e))?.ino();
            match std::fs::metadata(&self.inbox) {
                Ok(meta) if meta.ino() == ours => return Ok(guard),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.io(e)),
            }
            drop(guard);
            *slot = None;
        }
        Err(self.io(std::io::Error::other(
            "the inbox keeps being replaced; cannot lock it",
        )))
    }

    /// Write `bytes` (whole lines) at the end and sync; the caller holds the flock. Returns
    /// the offset they were written at.
    fn write_locked(&self, file: &mut File, bytes: &[u8]) -> Result<u64, StoreError> {
        let start = cut_torn_tail(file).map_err(|e| self.io(e))?;
        if bytes.is_empty() {
            return Ok(start);
        }
        file.write_all(bytes).map_err(|e| self.io(e))?;
        file.sync_data().map_err(|e| self.io(e))?;
        Ok(start)
    }

    fn lock(&self, file: &File) -> Result<Flock<File>, StoreError> {
        let dup = file.try_clone().map_err(|e| self.io(e))?;
        Flock::lock(dup, FlockArg::LockExclusive)
            .map_err(|(_, errno)| self.io(std::io::Error::from(errno)))
    }

    /// Rewrite the inbox as one snapshot record per incident that `keep` keeps, in a new
    /// generation (see [`compact`]). Readers and writers in any process follow it.
    pub fn compact(
        &self,
        keep: &dyn Fn(&super::Incident) -> bool,
    ) -> Result<compact::Compacted, StoreError> {
        let (compacted, _) = self.replace_locked(0, &mut |records, _| {
            let mut incidents = super::Incidents::default();
            for record in &records {
                incidents.apply(record);
            }
            let (snapshot, dropped) = compact::snapshot_of(&incidents, keep);
            (snapshot, Some(dropped))
        })?;
        Ok(compacted)
    }

    /// Under the inbox's write lock: hand `snapshot` the records after `cursor` (and whether
    /// the read started over), and write what it returns as the next generation (with how many
    /// incidents it dropped, when it knows). Returns the result and the cursor at its end.
    fn replace_locked(
        &self,
        cursor: Cursor,
        snapshot: &mut dyn FnMut(Vec<InboxRecord>, bool) -> (Vec<InboxRecord>, Option<usize>),
    ) -> Result<(compact::Compacted, Cursor), StoreError> {
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _guard = self.lock_current(&mut slot)?;
        let file = self.writer_file(&mut slot)?;
        cut_torn_tail(file).map_err(|e| self.io(e))?;
        let (records, next) = self.read_from(cursor)?;
        let (kept, dropped) = snapshot(records, is_reset(cursor, next));
        let generation = super::cursor_generation(next) + 1;
        let compacted = compact::write(self, &kept, dropped, generation)?;
        // The old handle (and its lock) is of the replaced file.
        *slot = None;
        self.last_snapshot
            .store(compacted.bytes_after, Ordering::Relaxed);
        let end = at(generation, compacted.bytes_after);
        Ok((compacted, end))
    }

    /// Whether the inbox grew past its compaction limit ([`FileStore::compact_over`], and
    /// twice the last snapshot).
    fn over_limit(&self) -> Result<bool, StoreError> {
        let limit = self
            .compact_over
            .load(Ordering::Relaxed)
            .max(2 * self.last_snapshot.load(Ordering::Relaxed));
        match std::fs::metadata(&self.inbox) {
            Ok(meta) => Ok(meta.len() > limit),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.io(e)),
        }
    }
}

/// If the file does not end with a newline, cut it back to the last one: the partial line
/// was never synced and acknowledged. Returns the (new) length.
fn cut_torn_tail(file: &mut File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(len);
    }
    let window = len.min(16 * 1024 * 1024);
    let mut buf = vec![0u8; usize::try_from(window).unwrap_or(0)];
    file.seek(SeekFrom::Start(len - window))?;
    file.read_exact(&mut buf)?;
    let keep = match buf.iter().rposition(|b| *b == b'\n') {
        Some(i) => len - window + i as u64 + 1,
        None if window == len => 0,
        None => return Ok(len),
    };
    tracing::warn!("inbox: cutting a torn last line ({} bytes)", len - keep);
    file.set_len(keep)?;
    file.sync_data()?;
    Ok(keep)
}

fn encode(records: &[InboxRecord]) -> Result<Vec<u8>, StoreError> {
    let mut bytes = Vec::with_capacity(records.len() * 256);
    for record in records {
        serde_json::to_writer(&mut bytes, record).map_err(|e| StoreError::Encode(e.to_string()))?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}

impl Store for FileStore {
    fn append(&self, records: &[InboxRecord]) -> Result<std::ops::Range<Cursor>, StoreError> {
        let bytes = encode(records)?;
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _guard = self.lock_current(&mut slot)?;
        let file = self.writer_file(&mut slot)?;
        let generation = compact::read_generation(file).map_err(|e| self.io(e))?;
        let start = self.write_locked(file, &bytes)?;
        Ok(at(generation, start)..at(generation, start + bytes.len() as u64))
    }

    fn read_from(&self, cursor: Cursor) -> Result<(Vec<InboxRecord>, Cursor), StoreError> {
        let mut file = match File::open(&self.inbox) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Vec::new(), cursor));
            }
            Err(e) => return Err(self.io(e)),
        };
        let generation = compact::read_generation(&file).map_err(|e| self.io(e))?;
        // A cursor of another generation (the inbox was compacted since) starts over.
        let from = if cursor != 0 && super::cursor_generation(cursor) == generation {
            offset_of(cursor)
        } else {
            0
        };
        let len = file.metadata().map_err(|e| self.io(e))?.len();
        if len <= from {
            // Unchanged, or cut back below the cursor (a torn tail): nothing new.
            return Ok((Vec::new(), at(generation, from.min(len))));
        }
        file.seek(SeekFrom::Start(from)).map_err(|e| self.io(e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(len - from).unwrap_or(0));
        file.read_to_end(&mut bytes).map_err(|e| self.io(e))?;
        let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
            return Ok((Vec::new(), at(generation, from)));
        };
        let mut records = Vec::new();
        for (n, line) in bytes[..end].split(|b| *b == b'\n').enumerate() {
            if line.is_empty() || compact::is_header(line) {
                continue;
            }
            match serde_json::from_slice::<InboxRecord>(line) {
                Ok(record) => records.push(record),
                Err(e) => {
                    tracing::warn!("inbox: skipping an unreadable record ({n} after {from}): {e}")
                }
            }
        }
        Ok((records, at(generation, from + end as u64 + 1)))
    }

    fn transact(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>, bool) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _guard = self.lock_current(&mut slot)?;
        let file = self.writer_file(&mut slot)?;
        // Under the lock nobody appends, so a torn tail can be cut before reading.
        cut_torn_tail(file).map_err(|e| self.io(e))?;
        let (records, next) = self.read_from(cursor)?;
        let out = decide(records, is_reset(cursor, next));
        if out.is_empty() {
            return Ok(next);
        }
        let bytes = encode(&out)?;
        let start = self.write_locked(file, &bytes)?;
        Ok(at(
            super::cursor_generation(next),
            start + bytes.len() as u64,
        ))
    }

    fn maintain(&self) -> Result<bool, StoreError> {
        if !self.over_limit()? {
            return Ok(false);
        }
        let now = Utc::now();
        self.compact(&|incident| compact::open_or_recent(incident, now))?;
        Ok(true)
    }

    fn maintain_from(
        &self,
        cursor: Cursor,
        snapshot: &mut dyn FnMut(Vec<InboxRecord>, bool) -> Vec<InboxRecord>,
    ) -> Result<Option<Cursor>, StoreError> {
        if !self.over_limit()? {
            return Ok(None);
        }
        let (_, end) = self.replace_locked(cursor, &mut |records, reset| {
            (snapshot(records, reset), None)
        })?;
        Ok(Some(end))
    }

    fn lock_receiver(&self) -> Result<Box<dyn Send + Sync>, StoreError> {
        self.create_dir()?;
        let path = self.dir.join("receiver.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(guard) => Ok(Box::new(guard)),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                Err(StoreError::ReceiverBusy(self.dir.clone()))
            }
            Err((_, errno)) => Err(StoreError::Io {
                path,
                source: std::io::Error::from(errno),
            }),
        }
    }

    fn claim(&self, incident: &str, by: &str) -> Result<bool, StoreError> {
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _guard = self.lock_current(&mut slot)?;
        let file = self.writer_file(&mut slot)?;
        let mut index = self.claims.lock().unwrap_or_else(|p| p.into_inner());
        let (records, next) = self.read_from(index.offset)?;
        if is_reset(index.offset, next) {
            index.claimed.clear();
        }
        for record in records {
            match record.change {
                Change::Opened { .. } | Change::Reopened { .. } => {
                    index.claimed.insert(record.incident, false);
                }
                Change::Claimed { .. } => {
                    index.claimed.insert(record.incident, true);
                }
                Change::Snapshot { incident: snap, .. } => {
                    let taken = snap.claimed_by.is_some();
                    index.claimed.insert(record.incident, taken);
                }
                Change::Repeated | Change::ResolvedAtSource { .. } | Change::Started { .. } => {}
            }
        }
        index.offset = next;
        match index.claimed.get(incident) {
            Some(false) => {}
            Some(true) | None => return Ok(false),
        }
        let record = InboxRecord {
            at: Utc::now(),
            incident: incident.to_string(),
            change: Change::Claimed { by: by.to_string() },
        };
        self.write_locked(file, &encode(std::slice::from_ref(&record))?)?;
        index.claimed.insert(incident.to_string(), true);
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
