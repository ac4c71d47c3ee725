//! Is the team database reachable? A probe on the store's runtime (`SELECT 1` through the
//! pool: every [`UP_EVERY`] while up, with backoff from [`RETRY_FIRST`] to [`RETRY_MAX`]
//! while down), the current state (the receiver answers 503 while down), and one line per
//! change for whoever watches (the console: [`DOWN`] / [`BACK`]). The pool itself
//! reconnects: a dead connection is dropped when it is next taken, and a fresh one is made.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::Pool;

use super::tls::Tls;

/// What the console shows when the database goes away.
pub const DOWN: &str = "✘ team database unreachable — retrying";
/// What the console shows when it is back.
pub const BACK: &str = "● team database back";

/// Probe period while the database answers.
pub const UP_EVERY: Duration = Duration::from_secs(2);
/// First retry after a failed probe; doubles up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_millis(250);
pub const RETRY_MAX: Duration = Duration::from_secs(5);
/// A probe that takes longer than this counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The [`DOWN`] line with its reason.
pub fn down_line(why: &str) -> String {
    format!("{DOWN} ({why})")
}

type Watcher = Box<dyn Fn(&str) + Send + Sync>;

#[derive(Default)]
struct State {
    /// Why the last probe failed; None while up.
    down: Option<String>,
    watchers: Vec<Watcher>,
}

/// The shared reachability state of one store.
#[derive(Clone, Default)]
pub struct Health {
    state: Arc<Mutex<State>>,
}

impl Health {
    /// Start probing `pool` on `runtime` (the first probe after [`UP_EVERY`]: the store has
    /// just connected).
    pub fn start(runtime: &tokio::runtime::Handle, pool: Pool, tls: Tls) -> Health {
        let health = Health::default();
        runtime.spawn(probe_loop(health.clone(), pool, tls));
        health
    }

    /// None while the database answers; else why it does not.
    pub fn down(&self) -> Option<String> {
        self.lock().down.clone()
    }

    /// Call `f` with [`DOWN`] (and the reason) or [`BACK`] on every change.
    pub fn on_change(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        self.lock().watchers.push(Box::new(f));
    }

    /// Probe now (after an operation failed) and record the result: None when the
    /// database answers, else why it does not.
    pub(crate) async fn check(&self, pool: &Pool, tls: &Tls) -> Option<String> {
        let result = probe(pool, tls).await;
        let why = result.as_ref().err().cloned();
        self.record(result);
        why
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record a probe's result; tell the watchers when the state flips.
    fn record(&self, result: Result<(), String>) {
        let mut state = self.lock();
        let line = match (&state.down, result) {
            (None, Err(why)) => {
                tracing::warn!("store: the team database is unreachable: {why}");
                let line = down_line(&why);
                state.down = Some(why);
                line
            }
            (Some(_), Ok(())) => {
                tracing::info!("store: the team database is back");
                state.down = None;
                BACK.to_string()
            }
            (Some(_), Err(why)) => {
                state.down = Some(why);
                return;
            }
            (None, Ok(())) => return,
        };
        for watcher in &state.watchers {
            watcher(&line);
        }
    }
}

async fn probe(pool: &Pool, tls: &Tls) -> Result<(), String> {
    let attempt = async {
        let client = pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => tls.explain(&e),
            other => other.to_string(),
        })?;
        client
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| tls.explain(&e))
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer in {} s", PROBE_TIMEOUT.as_secs_f32())),
    }
}

async fn probe_loop(health: Health, pool: Pool, tls: Tls) {
    let mut wait = UP_EVERY;
    loop {
        tokio::time::sleep(wait).await;
        let result = probe(&pool, &tls).await;
        wait = match (&result, health.down().is_some()) {
            (Ok(()), _) => UP_EVERY,
            (Err(_), false) => RETRY_FIRST,
            (Err(_), true) => (wait * 2).min(RETRY_MAX),
        };
        health.record(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchers_hear_each_change_once() {
        let health = Health::default();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let sink = heard.clone();
        health.on_change(move |line| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line.to_string())
        });
        health.record(Ok(()));
        health.record(Err("refused".into()));
        health.record(Err("refused again".into()));
        assert_eq!(health.down().as_deref(), Some("refused again"));
        health.record(Ok(()));
        health.record(Ok(()));
        let heard = heard.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert_eq!(heard, vec![format!("{DOWN} (refused)"), BACK.to_string()]);
        assert!(health.down().is_none());
    }
}
