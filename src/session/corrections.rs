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
/// else from the file in `data_dir`.
pub fn load(sink: Option<&dyn CorrectionSink>, data_dir: &Path) -> Vec<Correction> {
    let path = learning::corrections_path(data_dir);
    let Some(sink) = sink else {
        return learning::load(&path);
    };
    match sink.recent(learning::KEEP) {
        Ok(lines) => lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        Err(e) => {
            tracing::warn!("cannot read corrections from the team database ({e}); using the file");
            learning::load(&path)
        }
    }
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
