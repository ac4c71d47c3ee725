//! Built-in verification after any restart: the container must stay running (and healthy,
//! when it has a health check) for `verify_secs`.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{DockerError, Engine};

/// How often the container is inspected while verifying.
const POLL: Duration = Duration::from_millis(200);

/// The verdict of one verification, as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Running (and healthy when it has a health check) for the whole window.
    Verified { secs: u64, healthy: bool },
    /// It stopped running inside the window.
    Exited {
        exit_code: Option<i64>,
        after_secs: u64,
    },
    /// It ran but its health check failed or never passed.
    Unhealthy { after_secs: u64 },
}

impl Verdict {
    /// True for [`Verdict::Verified`].
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Verified { .. })
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Verified {
                secs,
                healthy: true,
            } => write!(f, "✔ verified: running and healthy for {secs} s"),
            Verdict::Verified { secs, .. } => write!(f, "✔ verified: running for {secs} s"),
            Verdict::Exited {
                exit_code: Some(code),
                after_secs,
            } => write!(f, "✘ exited again with code {code} after {after_secs} s"),
            Verdict::Exited { after_secs, .. } => {
                write!(f, "✘ stopped running after {after_secs} s")
            }
            Verdict::Unhealthy { after_secs } => {
                write!(f, "✘ unhealthy after {after_secs} s")
            }
        }
    }
}

/// Watch `name` for `window`: it must stay running, and healthy at the end when it has a
/// health check (an `unhealthy` status at any point fails at once).
pub async fn verify(engine: &Engine, name: &str, window: Duration) -> Result<Verdict, DockerError> {
    let start = Instant::now();
    loop {
        let inspect = engine.inspect(name).await?;
        let state = inspect.state.unwrap_or_default();
        let elapsed = start.elapsed().as_secs();
        if state.running != Some(true) || state.restarting == Some(true) {
            return Ok(Verdict::Exited {
                exit_code: state.exit_code,
                after_secs: elapsed,
            });
        }
        let health = state
            .health
            .and_then(|h| h.status)
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty() && s != "none");
        if health.as_deref() == Some("unhealthy") {
            return Ok(Verdict::Unhealthy {
                after_secs: elapsed,
            });
        }
        if start.elapsed() >= window {
            return Ok(match health.as_deref() {
                None => Verdict::Verified {
                    secs: window.as_secs(),
                    healthy: false,
                },
                Some("healthy") => Verdict::Verified {
                    secs: window.as_secs(),
                    healthy: true,
                },
                Some(_) => Verdict::Unhealthy {
                    after_secs: elapsed,
                },
            });
        }
        tokio::time::sleep(POLL).await;
    }
}
