//! The records this process committed lately, by seq, so a follower in the same process (the
//! desk's scheduler following what the receiver just wrote) takes them as they were written
//! instead of reading back and parsing every alert, in SQLite and PostgreSQL alike. Bounded;
//! a record not held is read from the database as before, so a follower that lags or records
//! another process wrote are read in full. Trimming to the bound is the follower's job, so
//! the last reference to an old record's alert is not dropped on the writer's thread.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use super::InboxRecord;

/// Records a follower finds held when it reads (the writer adds up to a poll's worth more
/// before the next read trims them): the desk polls every 250 ms, and a receiver taking 25k
/// alerts/s commits about 6,000 records between two polls (in memory these are alerts the
/// follower would otherwise parse into copies of its own).
pub const HELD: usize = 16_384;

/// A writer trims only past this many, when no follower in the process reads.
const WRITER_TRIMS_PAST: usize = 2 * HELD;

/// Committed records by seq, ascending (each handle pushes under its writer's lock).
#[derive(Default)]
pub struct RecentWrites {
    held: Mutex<VecDeque<(i64, InboxRecord)>>,
}

/// The holder of each database open in this process: a file by device and inode (a file
/// replaced at the same path is another database), a PostgreSQL database by where it is and
/// who reads it as.
static BY_DATABASE: LazyLock<Mutex<HashMap<String, Weak<RecentWrites>>>> =
    LazyLock::new(Default::default);

impl RecentWrites {
    /// The one holder for the database file at `path` in this process, shared by every
    /// handle on it (a daemon's receiver and its desk open the file separately).
    pub fn of_file(path: &Path) -> Arc<RecentWrites> {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return Arc::default();
        };
        Self::shared(format!("file {}:{}", meta.dev(), meta.ino()))
    }

    /// The one holder for the PostgreSQL database `identity` names (host, port, database,
    /// user and options: every handle that would read the same records) in this process.
    pub fn of_database(identity: &str) -> Arc<RecentWrites> {
        Self::shared(format!("postgres {identity}"))
    }

    fn shared(key: String) -> Arc<RecentWrites> {
        let mut all = BY_DATABASE.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|_, held| held.strong_count() > 0);
        if let Some(held) = all.get(&key).and_then(Weak::upgrade) {
            return held;
        }
        let held = Arc::new(RecentWrites::default());
        all.insert(key, Arc::downgrade(&held));
        held
    }

    /// `records` were committed at seqs `first`, `first + 1`, ….
    pub fn push(&self, first: i64, records: Vec<InboxRecord>) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        // Out of order (two handles on the file commit under their own locks, and one may
        // push after a later commit of the other): start over rather than hold a list a
        // binary search would get wrong; what is dropped is read from the file.
        if held.back().is_some_and(|(last, _)| *last >= first) {
            held.clear();
        }
        let skip = records.len().saturating_sub(HELD);
        for (i, record) in records.into_iter().enumerate().skip(skip) {
            let seq = first.saturating_add(i64::try_from(i).unwrap_or(i64::MAX));
            held.push_back((seq, record));
        }
        // Followers trim to HELD as they read; this bounds memory when none does.
        while held.len() > WRITER_TRIMS_PAST {
            held.pop_front();
        }
    }

    /// The lowest seq held, if any: records from it on may be taken from here. A follower
    /// calls this before it reads, and trims the holder to the last [`HELD`] records (freed
    /// on its own thread, after the lock is let go).
    pub fn lowest(&self) -> Option<i64> {
        let (lowest, _trimmed) = {
            let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            let extra = held.len().saturating_sub(HELD);
            let trimmed: Vec<(i64, InboxRecord)> = held.drain(..extra).collect();
            (held.front().map(|(seq, _)| *seq), trimmed)
        };
        lowest
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
        recent.push(5, vec![record("a"), record("b")]);
        // Another process wrote seq 7.
        recent.push(8, vec![record("c")]);
        assert_eq!(recent.get(5).map(|r| r.incident), Some("a".into()));
        assert_eq!(recent.get(6).map(|r| r.incident), Some("b".into()));
        assert_eq!(recent.get(7), None);
        assert_eq!(recent.get(8).map(|r| r.incident), Some("c".into()));
        assert_eq!(recent.get(4), None);
        assert_eq!(recent.lowest(), Some(5));
        let many: Vec<InboxRecord> = (0..HELD + 10).map(|i| record(&i.to_string())).collect();
        recent.push(100, many);
        assert_eq!(recent.lowest(), Some(110), "only the last {HELD} are held");
        let last = i64::try_from(100 + HELD + 9).expect("seq");
        assert_eq!(
            recent.get(last).map(|r| r.incident),
            Some((HELD + 9).to_string())
        );
        assert_eq!(recent.get(8), None);
        // A push out of order starts over.
        recent.push(50, vec![record("x")]);
        assert_eq!(recent.lowest(), Some(50));
        assert_eq!(recent.get(last), None);
    }

    fn held(recent: &RecentWrites) -> usize {
        recent.held.lock().map(|h| h.len()).unwrap_or(0)
    }

    #[test]
    fn the_follower_trims_to_the_bound_and_a_writer_alone_holds_at_most_twice_it() {
        let recent = RecentWrites::default();
        let batch = |n: usize| (0..n).map(|i| record(&i.to_string())).collect::<Vec<_>>();
        recent.push(1, batch(HELD));
        recent.push(1 + i64::try_from(HELD).expect("seq"), batch(HELD / 2));
        assert_eq!(
            held(&recent),
            HELD + HELD / 2,
            "the writer leaves trimming to followers"
        );
        let lowest = recent.lowest();
        assert_eq!(held(&recent), HELD);
        assert_eq!(lowest, Some(1 + i64::try_from(HELD / 2).expect("seq")));
        assert!(
            recent.get(1).is_none(),
            "trimmed records are read from the file"
        );
        let mut next = 1 + i64::try_from(HELD + HELD / 2).expect("seq");
        for _ in 0..5 {
            recent.push(next, batch(HELD));
            next += i64::try_from(HELD).expect("seq");
        }
        assert_eq!(held(&recent), WRITER_TRIMS_PAST, "bounded with no follower");
        assert!(recent.get(next - 1).is_some());
    }
}
