//! Where every incoming alert meets: the webhook receiver (and later paste and Docker) hand
//! parsed alerts to [`Intake`], which applies the one dedup rule (`dedup`), writes the result
//! to the [`Store`] with group commit, and answers only once it is on disk.
//!
//! One writer thread (`writer`) decides the receiver's alerts: it takes every queued request,
//! and inside one store transaction reads the incidents their keys name (whoever wrote them;
//! pastes go through [`paste::Paste`], the same rule in `ledger`), decides each alert,
//! appends all resulting records with one sync, then replies.
//! The queue is bounded (`queue_capacity` alerts) and so is the inbox (`inbox_capacity`
//! incidents not taken up: pending ones, and recent ones that ended at the source untouched);
//! past either, requests are refused so senders retry later.

pub mod auth;
pub mod background;
pub mod connections;
pub mod dedup;
pub mod hosts;
mod ledger;
pub mod metrics;
pub mod paste;
pub mod ratelimit;
pub mod replay;
pub mod scheduler;
pub mod server;
pub mod severity;
pub mod tls;
mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};

use tokio::sync::oneshot;

use crate::alert::{self, Alert, AlertError, ParseOptions, Source};
use crate::store::{Store, StoreError};

use ledger::Ledger;
use writer::{Job, Writer};

pub use dedup::{Decision, key_of};
pub use metrics::{Metrics, Reject};

/// Why alerts were not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{0}")]
    Parse(#[from] AlertError),
    /// Too many alerts wait for the disk; retry later.
    #[error("the intake queue is full; retry later")]
    QueueFull,
    /// Too many incidents wait to be taken up; retry later.
    #[error("the inbox is full ({0} incidents not taken up); retry later")]
    InboxFull(usize),
    #[error("inbox: {0}")]
    Store(#[from] StoreError),
    /// The batch this request was in could not be written; nothing of it is kept.
    #[error("cannot write the inbox: {0}")]
    WriteFailed(String),
    /// The writer thread is gone (the process is shutting down).
    #[error("the intake writer has stopped")]
    Closed,
}

/// What one alert did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Opened,
    Repeated,
    Resolved,
    Reopened,
    Ignored,
}

/// One alert's result: the incident it went to (empty when ignored) and what happened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub incident: String,
    pub kind: OutcomeKind,
}

/// Limits of one [`Intake`].
#[derive(Debug, Clone)]
pub struct IntakeOptions {
    /// Alerts that may wait for the disk.
    pub queue_capacity: usize,
    /// Pending incidents (open, not taken up) before new incidents are refused.
    pub inbox_capacity: usize,
    /// Requests written with one sync, at most.
    pub max_batch: usize,
    /// Incidents opened this recently that ended at the source without being taken up
    /// still count against `inbox_capacity`.
    pub inbox_window: std::time::Duration,
}

impl Default for IntakeOptions {
    fn default() -> Self {
        IntakeOptions {
            queue_capacity: 20_000,
            inbox_capacity: 10_000,
            max_batch: 4096,
            inbox_window: std::time::Duration::from_secs(3600),
        }
    }
}

impl IntakeOptions {
    /// The limits `[intake]` sets.
    pub fn from_config(config: &crate::config::IntakeConfig) -> IntakeOptions {
        IntakeOptions {
            queue_capacity: config.queue_capacity,
            inbox_capacity: config.inbox_capacity,
            inbox_window: std::time::Duration::from_secs(config.inbox_window_secs),
            ..IntakeOptions::default()
        }
    }
}

/// The receiving end of the inbox. Cheap to clone; the writer stops when the last clone drops.
#[derive(Clone)]
pub struct Intake {
    tx: SyncSender<Job>,
    queued: Arc<AtomicUsize>,
    capacity: usize,
    metrics: Arc<Metrics>,
}

impl Intake {
    /// Read the inbox depth from `store` and start the writer (no incident is read: the
    /// writer looks each batch's up by key).
    pub fn open(store: Arc<dyn Store>, options: IntakeOptions) -> Result<Intake, IntakeError> {
        let ledger = Ledger::with_window(options.inbox_window);
        let mut pending = 0;
        store.decide(&mut |lookup| {
            pending = lookup.pending()?;
            Ok(Vec::new())
        })?;
        let metrics = Arc::new(Metrics::default());
        metrics.inbox_depth.store(pending as u64, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(options.queue_capacity.max(1));
        let queued = Arc::new(AtomicUsize::new(0));
        let writer = Writer {
            store,
            ledger,
            rx,
            queued: queued.clone(),
            metrics: metrics.clone(),
            options: options.clone(),
        };
        std::thread::Builder::new()
            .name("intake-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| {
                IntakeError::Store(StoreError::Io {
                    path: "intake-writer".into(),
                    source: e,
                })
            })?;
        Ok(Intake {
            tx,
            queued,
            capacity: options.queue_capacity.max(1),
            metrics,
        })
    }

    /// The shared counters.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Queue `alerts` (all or none); the receiver resolves once they are on disk.
    pub fn submit(
        &self,
        alerts: Vec<Alert>,
    ) -> Result<oneshot::Receiver<Result<Vec<Outcome>, IntakeError>>, IntakeError> {
        let n = alerts.len();
        let before = self.queued.fetch_add(n, Ordering::AcqRel);
        if before > 0 && before + n > self.capacity {
            self.queued.fetch_sub(n, Ordering::AcqRel);
            return Err(IntakeError::QueueFull);
        }
        self.metrics
            .queue_depth
            .store((before + n) as u64, Ordering::Relaxed);
        let (reply, rx) = oneshot::channel();
        match self.tx.try_send(Job { alerts, reply }) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_)) => {
                self.queued.fetch_sub(n, Ordering::AcqRel);
                Err(IntakeError::QueueFull)
            }
            Err(TrySendError::Disconnected(_)) => {
                self.queued.fetch_sub(n, Ordering::AcqRel);
                Err(IntakeError::Closed)
            }
        }
    }

    /// Accept `alerts`: Ok once every resulting record is on disk.
    pub async fn accept(&self, alerts: Vec<Alert>) -> Result<Vec<Outcome>, IntakeError> {
        self.submit(alerts)?
            .await
            .unwrap_or(Err(IntakeError::Closed))
    }

    /// [`Intake::accept`] for threads outside the runtime (paste, CLI).
    pub fn accept_blocking(&self, alerts: Vec<Alert>) -> Result<Vec<Outcome>, IntakeError> {
        self.submit(alerts)?
            .blocking_recv()
            .unwrap_or(Err(IntakeError::Closed))
    }

    /// Parse a payload (detected, or `format`) and accept every alert in it.
    pub async fn ingest(
        &self,
        bytes: &[u8],
        format: Option<Source>,
        max_bytes: usize,
    ) -> Result<Vec<Outcome>, IntakeError> {
        let opts = ParseOptions {
            format,
            max_bytes,
            ..ParseOptions::default()
        };
        let alerts = alert::parse(bytes, &opts)?;
        self.metrics
            .received
            .fetch_add(alerts.len() as u64, Ordering::Relaxed);
        self.accept(alerts).await
    }
}

#[cfg(test)]
mod tests;
