//! Docker hosts: the Engine API through bollard, scoped to the watched (labelled) containers.
//! [`Engine`] is the only way the rest of opsassist reaches Docker; every container name is
//! checked against the watched set before any call that names a container is made.

pub mod config;
pub mod engine;
pub mod evidence;
pub mod heal;
mod heal_notice;
pub mod known;
pub mod verify;
pub mod watch;

pub use config::{DockerWatchConfig, WatchConfig};
pub use engine::{ContainerInfo, Engine};
pub use evidence::{Evidence, FailureKind};
pub use heal::{HealOutcome, HealReport, Healer};
pub use verify::Verdict;

/// Failures talking to Docker.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The Engine cannot be reached or refused the request.
    #[error("docker: {0}")]
    Api(String),
    /// The name is not a watched container; nothing was sent to Docker.
    #[error("container `{0}` is not watched (only containers matching [watch.docker] labels)")]
    NotWatched(String),
}

impl From<bollard::errors::Error> for DockerError {
    fn from(e: bollard::errors::Error) -> Self {
        DockerError::Api(e.to_string())
    }
}

#[cfg(test)]
mod tests;
