//! Where every incoming alert meets: the webhook receiver (and later paste and Docker) hand
//! parsed alerts to [`Intake`], which applies the one dedup rule (`dedup`), writes the result
//! to the [`Store`] with group commit, and answers only once it is on disk.
//!
//! One writer thread owns the dedup state: it takes every queued request, decides each alert
//! against the incidents so far, appends all resulting records with one sync, then replies.
//! The queue is bounded (`queue_capacity` alerts) and so is the inbox (`inbox_capacity`
//! pending incidents); past either, requests are refused so senders retry later.

pub mod auth;
pub mod dedup;
pub mod metrics;
pub mod ratelimit;
pub mod scheduler;
pub mod server;
pub mod severity;
pub mod tls;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};

use chrono::Utc;
use tokio::sync::oneshot;

use crate::alert::{self, Alert, AlertError, ParseOptions, Source};
use crate::store::{Change, Cursor, InboxRecord, Incidents, Store, StoreError};

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
    #[error("the inbox is full ({0} incidents waiting); retry later")]
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
}

impl Default for IntakeOptions {
    fn default() -> Self {
        IntakeOptions {
            queue_capacity: 20_000,
            inbox_capacity: 10_000,
            max_batch: 4096,
        }
    }
}

type Reply = oneshot::Sender<Result<Vec<Outcome>, IntakeError>>;

struct Job {
    alerts: Vec<Alert>,
    reply: Reply,
}

/// The receiving end of the inbox. Cheap to clone; the writer stops when the last clone drops.
#[derive(Clone)]
pub struct Intake {
    tx: SyncSender<Job>,
    queued: Arc<AtomicUsize>,
    capacity: usize,
    metrics: Arc<Metrics>,
    _receiver_lock: Arc<Box<dyn Send + Sync>>,
}

impl Intake {
    /// Take the receiver lock of `store`, rebuild the incidents from it and start the writer.
    pub fn open(store: Arc<dyn Store>, options: IntakeOptions) -> Result<Intake, IntakeError> {
        let lock = store.lock_receiver()?;
        let (records, cursor) = store.read_from(0)?;
        let mut incidents = Incidents::default();
        for record in &records {
            incidents.apply(record);
        }
        drop(records);
        let metrics = Arc::new(Metrics::default());
        metrics
            .inbox_depth
            .store(incidents.pending() as u64, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(options.queue_capacity.max(1));
        let queued = Arc::new(AtomicUsize::new(0));
        let writer = Writer {
            store,
            incidents,
            cursor,
            rx,
            queued: queued.clone(),
            metrics: metrics.clone(),
            options: options.clone(),
            ids: IdMaker::new(),
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
            _receiver_lock: Arc::new(lock),
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

/// Incident ids: `inc-<start time>-<random>-<n>`, unique per writer run.
struct IdMaker {
    prefix: String,
    next: u64,
}

impl IdMaker {
    fn new() -> IdMaker {
        IdMaker {
            prefix: format!(
                "inc-{}-{}",
                Utc::now().format("%Y%m%d-%H%M%S"),
                crate::session::random_hex(2)
            ),
            next: 1,
        }
    }

    fn make(&mut self) -> String {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

struct Writer {
    store: Arc<dyn Store>,
    incidents: Incidents,
    /// Where this writer has read the store up to (claims by other processes come after).
    cursor: Cursor,
    rx: Receiver<Job>,
    queued: Arc<AtomicUsize>,
    metrics: Arc<Metrics>,
    options: IntakeOptions,
    ids: IdMaker,
}

impl Writer {
    fn run(mut self) {
        while let Ok(first) = self.rx.recv() {
            let mut jobs = vec![first];
            while jobs.len() < self.options.max_batch {
                match self.rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.batch(jobs);
        }
    }

    /// Claims written by consoles since the last look (the only records other processes add).
    fn catch_up(&mut self) {
        let shared = self.store.is_shared();
        match self.store.read_others_from(self.cursor) {
            Ok((records, next)) => {
                for record in records {
                    // In team mode other receivers open and resolve incidents too.
                    if shared
                        || matches!(
                            record.change,
                            Change::Claimed { .. } | Change::Started { .. }
                        )
                    {
                        self.incidents.apply(&record);
                    }
                }
                self.cursor = next;
            }
            Err(e) => tracing::warn!("intake: cannot read the inbox: {e}"),
        }
    }

    fn batch(&mut self, jobs: Vec<Job>) {
        self.catch_up();
        let now = Utc::now();
        let mut records = Vec::new();
        let mut results: Vec<(Reply, Result<Vec<Outcome>, IntakeError>, usize)> = Vec::new();
        let mut counts = [0u64; 5];
        for job in jobs {
            let n = job.alerts.len();
            let new = job
                .alerts
                .iter()
                .filter(|a| matches!(dedup::decide(&self.incidents, a), Decision::Open(_)))
                .count();
            let pending = self.incidents.pending();
            if new > 0 && pending + new > self.options.inbox_capacity {
                results.push((job.reply, Err(IntakeError::InboxFull(pending)), n));
                continue;
            }
            let mut outcomes = Vec::with_capacity(n);
            for alert in job.alerts {
                let (record, kind) = match dedup::decide(&self.incidents, &alert) {
                    Decision::Open(key) => (
                        Some((
                            self.ids.make(),
                            Change::Opened {
                                key,
                                alert: Box::new(alert),
                            },
                        )),
                        OutcomeKind::Opened,
                    ),
                    Decision::Repeat(id) => (Some((id, Change::Repeated)), OutcomeKind::Repeated),
                    Decision::Resolve(id) => {
                        (Some((id, Change::ResolvedAtSource)), OutcomeKind::Resolved)
                    }
                    Decision::Reopen(id) => (
                        Some((
                            id,
                            Change::Reopened {
                                alert: Box::new(alert),
                            },
                        )),
                        OutcomeKind::Reopened,
                    ),
                    Decision::Ignore => (None, OutcomeKind::Ignored),
                };
                counts[kind.clone() as usize] += 1;
                let incident = match record {
                    Some((incident, change)) => {
                        let record = InboxRecord {
                            at: now,
                            incident: incident.clone(),
                            change,
                        };
                        self.incidents.apply(&record);
                        records.push(record);
                        incident
                    }
                    None => String::new(),
                };
                outcomes.push(Outcome { incident, kind });
            }
            results.push((job.reply, Ok(outcomes), n));
        }
        let written = if records.is_empty() {
            Ok(())
        } else {
            self.store.append(&records).map(|range| {
                if range.start == self.cursor {
                    self.cursor = range.end;
                }
            })
        };
        let failed = written.as_ref().err().map(|e| e.to_string());
        if let Some(e) = &failed {
            tracing::error!("intake: cannot write the inbox: {e}");
            // Forget what was not written: rebuild from what is on disk.
            if let Ok((all, cursor)) = self.store.read_from(0) {
                self.incidents = Incidents::default();
                for record in &all {
                    self.incidents.apply(record);
                }
                self.cursor = cursor;
            }
        } else {
            let m = &self.metrics;
            m.opened.fetch_add(counts[0], Ordering::Relaxed);
            m.deduplicated.fetch_add(counts[1], Ordering::Relaxed);
            m.resolved.fetch_add(counts[2], Ordering::Relaxed);
            m.reopened.fetch_add(counts[3], Ordering::Relaxed);
            m.ignored.fetch_add(counts[4], Ordering::Relaxed);
        }
        self.metrics
            .inbox_depth
            .store(self.incidents.pending() as u64, Ordering::Relaxed);
        for (reply, result, n) in results {
            let left = self.queued.fetch_sub(n, Ordering::AcqRel).saturating_sub(n);
            self.metrics
                .queue_depth
                .store(left as u64, Ordering::Relaxed);
            let result = match (result, &failed) {
                (Ok(_), Some(e)) => Err(IntakeError::WriteFailed(e.clone())),
                (Ok(outcomes), None) => {
                    self.metrics
                        .accepted
                        .fetch_add(outcomes.len() as u64, Ordering::Relaxed);
                    Ok(outcomes)
                }
                (Err(e), _) => Err(e),
            };
            let _ = reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests;
