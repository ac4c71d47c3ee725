//! The records this process committed lately, by seq, so a follower in the same process (the
//! desk's scheduler following what the receiver just wrote) takes them as they were written
//! instead of reading back and parsing every alert. Bounded; a record not held is read from
//! the database as before, so a follower that lags or records another process wrote are
//! read in full.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use super::InboxRecord;

/// Records held at most: the desk polls every 250 ms, and a receiver taking 25k alerts/s
/// commits about 6,000 records between two polls (in memory these are alerts the follower
/// would otherwise parse into copies of its own).
pub const HELD: usize = 16_384;

/// Committed records by seq, ascending (each handle pushes under its writer's lock).
#[derive(Default)]
pub struct RecentWrites {
    held: Mutex<VecDeque<(i64, InboxRecord)>>,
}

/// The holder of each database file open in this process, by device and inode (a file
/// replaced at the same path is another database).
static BY_FILE: LazyLock<Mutex<HashMap<FileId, Weak<RecentWrites>>>> =
    LazyLock::new(Default::default);

/// A file's device and inode.
type FileId = (u64, u64);

impl RecentWrites {
    /// The one holder for the database file at `path` in this process, shared by every
    /// handle on it (a daemon's receiver and its desk open the file separately).
    pub fn of_file(path: &Path) -> Arc<RecentWrites> {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return Arc::default();
        };
        let key = (meta.dev(), meta.ino());
        let mut files = BY_FILE.lock().unwrap_or_else(|p| p.into_inner());
        files.retain(|_, held| held.strong_count() > 0);
        if let Some(held) = files.get(&key).and_then(Weak::upgrade) {
            return held;
        }
        let held = Arc::new(RecentWrites::default());
        files.insert(key, Arc::downgrade(&held));
        held
    }

    /// `records` were committed at seqs `first`, `first + 1`, ….
    pub fn push(&self, first: i64, records: &[InboxRecord]) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        // Out of order (two handles on the file commit under their own locks, and one may
        // push after a later commit of the other): start over rather than hold a list a
        // binary search would get wrong; what is dropped is read from the file.
        if held.back().is_some_and(|(last, _)| *last >= first) {
            held.clear();
        }
        let skip = records.len().saturating_sub(HELD);
        for (i, record) in records.iter().enumerate().skip(skip) {
            let seq = first.saturating_add(i64::try_from(i).unwrap_or(i64::MAX));
            held.push_back((seq, record.clone()));
        }
        while held.len() > HELD {
            held.pop_front();
        }
    }

    /// The lowest seq held, if any: records from it on may be taken from here.
    pub fn lowest(&self) -> Option<i64> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.front().map(|(seq, _)| *seq)
    }

    /// The record committed at `seq`, if held.
    pub fn get(&self, seq: i64) -> Option<InboxRecord> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let at = held.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        held.get(at).map(|(_, record)| record.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Change;

    fn record(id: &str) -> InboxRecord {
        InboxRecord {
            at: chrono::Utc::now(),
            incident: id.into(),
            change: Change::Repeated,
        }
    }

    #[test]
    fn it_finds_each_record_by_its_seq_and_holds_a_bounded_tail() {
        let recent = RecentWrites::default();
        assert_eq!(recent.lowest(), None);
        recent.push(5, &[record("a"), record("b")]);
        // Another process wrote seq 7.
        recent.push(8, &[record("c")]);
        assert_eq!(recent.get(5).map(|r| r.incident), Some("a".into()));
        assert_eq!(recent.get(6).map(|r| r.incident), Some("b".into()));
        assert_eq!(recent.get(7), None);
        assert_eq!(recent.get(8).map(|r| r.incident), Some("c".into()));
        assert_eq!(recent.get(4), None);
        assert_eq!(recent.lowest(), Some(5));
        let many: Vec<InboxRecord> = (0..HELD + 10).map(|i| record(&i.to_string())).collect();
        recent.push(100, &many);
        assert_eq!(recent.lowest(), Some(110), "only the last {HELD} are held");
        let last = i64::try_from(100 + HELD + 9).expect("seq");
        assert_eq!(
            recent.get(last).map(|r| r.incident),
            Some((HELD + 9).to_string())
        );
        assert_eq!(recent.get(8), None);
        // A push out of order starts over.
        recent.push(50, &[record("x")]);
        assert_eq!(recent.lowest(), Some(50));
        assert_eq!(recent.get(last), None);
    }
}
