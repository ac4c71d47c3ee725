//! Where operator corrections live: in team mode the team database (a [`CorrectionSink`]
//! installed with [`set_sink`]), so one operator's edit teaches every console of the
//! rotation; otherwise `data_dir/corrections.jsonl` (see `learning`). Both hold the same
//! JSON line per correction. When the database cannot take a correction it is kept in the
//! file (and the caller warned); when it cannot be read, the file is read instead.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::learning::{self, Correction, LearningError};

/// A shared home for corrections (the team database).
pub trait CorrectionSink: Send + Sync {
    /// Store one correction line (the newest).
    fn add(&self, line: &str) -> Result<(), String>;
    /// The newest `max` lines, oldest first.
    fn recent(&self, max: usize) -> Result<Vec<String>, String>;
    /// Delete the corrections whose [`Correction::id`] is `id`; how many went.
    fn forget(&self, id: &str) -> Result<usize, String>;
}

static SINK: OnceLock<Arc<dyn CorrectionSink>> = OnceLock::new();

/// Keep corrections in `sink` (once per process; later calls are ignored).
pub fn set_sink(sink: Arc<dyn CorrectionSink>) {
    let _ = SINK.set(sink);
}

/// The installed sink, if any.
pub fn sink() -> Option<Arc<dyn CorrectionSink>> {
    SINK.get().cloned()
}

/// Failures recording a correction.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    File(#[from] LearningError),
    /// The database refused; the correction went to this data dir's file instead.
    #[error("the team database did not take it ({0}); kept in this data dir only")]
    KeptLocally(String),
}

/// Every correction, oldest first: from `sink` when given (the newest [`learning::KEEP`]),
/// else from the file in `data_dir`. The last set read is kept in memory with its folded terms
/// (the expensive part of a lookup): a session start that finds the file (or the database's
/// lines) unchanged reuses it, so only the first lookup in a process pays for parsing.
pub fn load(sink: Option<&dyn CorrectionSink>, data_dir: &Path) -> Arc<Vec<Correction>> {
    let path = learning::corrections_path(data_dir);
    let Some(sink) = sink else {
        return cached(Source::File(file_key(&path)), || learning::load(&path));
    };
    match sink.recent(learning::KEEP) {
        Ok(lines) => {
            let key = Source::Lines(lines_key(&lines));
            cached(key, || {
                lines
                    .iter()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
        }
        Err(e) => {
            tracing::warn!("cannot read corrections from the team database ({e}); using the file");
            cached(Source::File(file_key(&path)), || learning::load(&path))
        }
    }
}

/// What a cached set was read from, precisely enough that any change reads it again.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The file's path, inode, length and modification time (None: unreadable, never cached).
    File(Option<(std::path::PathBuf, u64, u64, i64, i64)>),
    /// A hash of every line and how many there were.
    Lines((u64, usize)),
}

fn file_key(path: &Path) -> Option<(std::path::PathBuf, u64, u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((
        path.to_path_buf(),
        meta.ino(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
    ))
}

fn lines_key(lines: &[String]) -> (u64, usize) {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    lines.hash(&mut hasher);
    (hasher.finish(), lines.len())
}

/// Sets kept at most (one per data dir or database a process reads; the oldest goes first).
const CACHED_SETS: usize = 8;

/// The set last read from `key`, or `read()` (kept for next time when the key is known).
fn cached(key: Source, read: impl FnOnce() -> Vec<Correction>) -> Arc<Vec<Correction>> {
    type Sets = std::collections::VecDeque<(Source, Arc<Vec<Correction>>)>;
    static SETS: std::sync::Mutex<Sets> = std::sync::Mutex::new(Sets::new());
    let cacheable = key != Source::File(None);
    if cacheable
        && let Some((_, set)) = SETS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .find(|(k, _)| *k == key)
    {
        return set.clone();
    }
    let set = Arc::new(read());
    // Fold every record's terms now, once, so later lookups only compare.
    for correction in set.iter() {
        let _ = correction.terms();
    }
    if cacheable {
        let mut sets = SETS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A changed file replaces its older set.
        sets.retain(|(k, _)| match (k, &key) {
            (Source::File(Some(old)), Source::File(Some(new))) => old.0 != new.0,
            _ => true,
        });
        if sets.len() >= CACHED_SETS {
            sets.pop_front();
        }
        sets.push_back((key, set.clone()));
    }
    set
}

/// Failures forgetting a correction.
#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    #[error(transparent)]
    File(#[from] LearningError),
    #[error("the team database: {0}")]
    Database(String),
}

/// Forget the correction `id` (see [`Correction::id`]) in `sink` when given, else in the file
/// in `data_dir`; how many records went (0: no such id).
pub fn forget(
    sink: Option<&dyn CorrectionSink>,
    data_dir: &Path,
    id: &str,
) -> Result<usize, ForgetError> {
    match sink {
        Some(sink) => sink.forget(id).map_err(ForgetError::Database),
        None => Ok(learning::forget(&learning::corrections_path(data_dir), id)?),
    }
}

/// Record `correction` in `sink` when given, else (or when the sink fails) in the file in
/// `data_dir`.
pub fn record(
    sink: Option<&dyn CorrectionSink>,
    data_dir: &Path,
    correction: &Correction,
) -> Result<(), RecordError> {
    let path = learning::corrections_path(data_dir);
    let Some(sink) = sink else {
        return Ok(learning::record(&path, correction)?);
    };
    let line = serde_json::to_string(correction)
        .map_err(|e| RecordError::KeptLocally(format!("cannot encode it: {e}")))?;
    match sink.add(&line) {
        Ok(()) => Ok(()),
        Err(e) => {
            learning::record(&path, correction)?;
            Err(RecordError::KeptLocally(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{Alert, Source, Status};
    use crate::policy::Redactor;

    fn correction(session: &str, executed: &str) -> Correction {
        let alert = Alert {
            source: Source::Generic,
            title: "Disk almost full on web01".into(),
            severity: None,
            status: Status::Firing,
            host: Some("web01".into()),
            description: None,
            starts_at: None,
            url: None,
            labels: Default::default(),
            fingerprint: None,
            raw: crate::alert::RawJson::null(),
        };
        Correction::new(
            session,
            &alert,
            "local_shell",
            "df -h",
            executed,
            &Redactor::default(),
        )
    }

    #[test]
    fn an_unchanged_file_is_read_once_and_every_change_is_seen() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = learning::corrections_path(dir.path());
        let first = correction("s1", "df -h /var");
        learning::record(&path, &first).unwrap_or_else(|e| panic!("{e}"));
        let a = load(None, dir.path());
        let b = load(None, dir.path());
        assert_eq!(a.len(), 1);
        assert!(Arc::ptr_eq(&a, &b), "an unchanged file is not read again");
        // A new record is seen at once.
        learning::record(&path, &correction("s2", "du -sh /var/log"))
            .unwrap_or_else(|e| panic!("{e}"));
        let c = load(None, dir.path());
        assert_eq!(c.len(), 2);
        // A forgotten one is gone at once (the rewrite replaces the file).
        assert_eq!(
            forget(None, dir.path(), &first.id()).unwrap_or_else(|e| panic!("{e}")),
            1
        );
        let d = load(None, dir.path());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].executed, "du -sh /var/log");
        // Another data dir is another set.
        let other = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(load(None, other.path()).is_empty());
        assert_eq!(load(None, dir.path()).len(), 1);
    }
}
