//! `LISTEN` on the board channel over a dedicated connection (not from the pool), started on
//! first use and re-established with backoff after a connection loss. Waiters block on a
//! condition variable bumped by every notification.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_postgres::AsyncMessage;

use super::inbox::CHANNEL;
use super::tls::MakeRustls;

#[derive(Default)]
struct State {
    /// Notifications seen so far.
    count: u64,
    started: bool,
}

/// The listening connection and its waiters.
pub struct Listener {
    config: tokio_postgres::Config,
    tls: MakeRustls,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl Listener {
    pub fn new(config: tokio_postgres::Config, tls: MakeRustls) -> Listener {
        Listener {
            config,
            tls,
            state: Arc::new((Mutex::new(State::default()), Condvar::new())),
        }
    }

    /// Block until a notification arrives or `timeout` passes; true on a notification.
    pub fn wait(&self, runtime: &tokio::runtime::Handle, timeout: Duration) -> bool {
        let (lock, cvar) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        if !state.started {
            state.started = true;
            runtime.spawn(listen(
                self.config.clone(),
                self.tls.clone(),
                self.state.clone(),
            ));
        }
        let seen = state.count;
        let deadline = Instant::now() + timeout;
        while state.count == seen {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = cvar
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

fn bump(state: &(Mutex<State>, Condvar)) {
    let (lock, cvar) = state;
    lock.lock().unwrap_or_else(|p| p.into_inner()).count += 1;
    cvar.notify_all();
}

async fn listen(
    config: tokio_postgres::Config,
    tls: MakeRustls,
    state: Arc<(Mutex<State>, Condvar)>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                let listen = async {
                    if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                        tracing::warn!("store: cannot LISTEN: {e}");
                        return;
                    }
                    // Keep the client alive while the connection runs.
                    std::future::pending::<()>().await;
                };
                let drive = async {
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(AsyncMessage::Notification(_)) => bump(&state),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!("store: lost the notification connection: {e}");
                                break;
                            }
                        }
                    }
                };
                tokio::select! {
                    _ = listen => {}
                    _ = drive => {}
                }
                backoff = Duration::from_millis(200);
                // A gap: wake the waiters so they re-read.
                bump(&state);
            }
            Err(e) => {
                tracing::warn!("store: cannot listen for changes: {e}");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
