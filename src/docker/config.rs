//! The `[watch.docker]` config section: which containers are watched and how failures heal.

use serde::{Deserialize, Serialize};

/// The `[watch]` table: one sub-table per kind of watched thing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    pub docker: DockerWatchConfig,
}

/// `[watch.docker]`: the Docker watcher (`opsassist watch docker`, `tui --watch docker`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DockerWatchConfig {
    /// Engine address (`unix:///run/docker.sock`, `tcp://…`); default: `DOCKER_HOST`, else the
    /// platform's default socket.
    pub host: Option<String>,
    /// Only containers carrying every one of these labels (`key=value` or `key`) are watched.
    pub labels: Vec<String>,
    /// Seconds between reconciles (a full check that catches what events missed).
    pub interval_secs: u64,
    /// Lines of the container's log kept as evidence.
    pub log_lines: usize,
    /// Let the watcher restart a failed container itself, without the model (opt-in).
    pub auto_restart: bool,
    /// Restarts tried by `auto_restart` before giving up.
    pub max_restart_attempts: u32,
    /// Seconds Docker waits for a container to stop on restart (then kills it).
    pub restart_timeout_secs: u64,
    /// Seconds a restarted container must stay running (and healthy) to count as fixed.
    pub verify_secs: u64,
}

impl Default for DockerWatchConfig {
    fn default() -> Self {
        DockerWatchConfig {
            host: None,
            labels: vec!["environment=production".to_string()],
            interval_secs: 30,
            log_lines: 100,
            auto_restart: false,
            max_restart_attempts: 3,
            restart_timeout_secs: 10,
            verify_secs: 10,
        }
    }
}
