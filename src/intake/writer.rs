//! The receiver's writer thread: it takes every queued request, and inside one store
//! transaction reads the incidents their alerts' keys name (whoever wrote them), decides each
//! alert, appends all resulting records with one sync, then replies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;

use chrono::Utc;

use super::ledger::{Counts, Ledger};
use super::{IntakeError, IntakeOptions, Metrics, Outcome};
use crate::alert::Alert;
use crate::store::Store;

pub(super) type Reply = tokio::sync::oneshot::Sender<Result<Vec<Outcome>, IntakeError>>;

pub(super) struct Job {
    pub(super) alerts: Vec<Alert>,
    pub(super) reply: Reply,
}

pub(super) struct Writer {
    pub(super) store: Arc<dyn Store>,
    pub(super) ledger: Ledger,
    pub(super) rx: Receiver<Job>,
    pub(super) queued: Arc<AtomicUsize>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) options: IntakeOptions,
}

type Answer = (Reply, Result<Vec<Outcome>, IntakeError>, usize);

impl Writer {
    pub(super) fn run(mut self) {
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

    fn batch(&mut self, jobs: Vec<Job>) {
        let now = Utc::now();
        let store = self.store.clone();
        let capacity = self.options.inbox_capacity;
        let mut answers: Vec<Answer> = Vec::with_capacity(jobs.len());
        let mut counts: Counts = [0; 5];
        let mut jobs = Some(jobs);
        let mut jobs_back: Option<Vec<Job>> = None;
        let foreseen = self
            .ledger
            .foresee(jobs.iter().flatten().flat_map(|job| job.alerts.iter()), now);
        let ledger = &mut self.ledger;
        let mut pending = None;
        let began = std::time::Instant::now();
        let written = store.decide_foreseen(&foreseen, &mut |lookup| {
            let Some(jobs) = jobs.take() else {
                return Ok(Vec::new());
            };
            let mut batch = match ledger.begin(lookup, &foreseen) {
                Ok(batch) => batch,
                Err(e) => {
                    // Put them back: they are answered with the error below.
                    let _ = jobs_back.insert(jobs);
                    return Err(e);
                }
            };
            let mut records = Vec::new();
            for job in jobs {
                let n = job.alerts.len();
                let new = batch.new_incidents(&job.alerts);
                // Waiting incidents, and recent ones that ended at the source untouched: a
                // fire-then-resolve flood fills the inbox as a fire-only one does.
                let unattended = batch.unattended();
                if new > 0 && unattended + new > capacity {
                    answers.push((job.reply, Err(IntakeError::InboxFull(unattended)), n));
                    continue;
                }
                let outcomes = batch.decide(job.alerts, now, None, &mut records, &mut counts);
                answers.push((job.reply, Ok(outcomes), n));
            }
            pending = Some(batch.pending());
            Ok(records)
        });
        let m = &self.metrics;
        m.writes.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
        m.write_micros.fetch_add(micros, Ordering::Relaxed);
        // The store failed before deciding anything: every job gets the error.
        for job in jobs.take().into_iter().chain(jobs_back.take()).flatten() {
            let n = job.alerts.len();
            answers.push((job.reply, Ok(Vec::new()), n));
        }
        let failed = match written {
            Ok(()) => None,
            Err(e) => {
                tracing::error!("intake: cannot write the inbox: {e}");
                Some(e.to_string())
            }
        };
        if failed.is_none() {
            let m = &self.metrics;
            m.opened.fetch_add(counts[0], Ordering::Relaxed);
            m.deduplicated.fetch_add(counts[1], Ordering::Relaxed);
            m.resolved.fetch_add(counts[2], Ordering::Relaxed);
            m.reopened.fetch_add(counts[3], Ordering::Relaxed);
            m.ignored.fetch_add(counts[4], Ordering::Relaxed);
            if let Some(pending) = pending {
                self.metrics
                    .inbox_depth
                    .store(pending as u64, Ordering::Relaxed);
            }
        }
        for (reply, result, n) in answers {
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
