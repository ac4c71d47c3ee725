//! [`Engine`]: a bollard client plus the label filter that defines the watched containers.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, LogsOptionsBuilder,
    RestartContainerOptionsBuilder, StartContainerOptions, StopContainerOptionsBuilder,
};
use futures::StreamExt;

use super::{DockerError, DockerWatchConfig};

/// One watched container as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    pub image: String,
    /// `running`, `exited`, `restarting`, …
    pub state: String,
    /// Docker's human status (`Up 3 minutes (healthy)`, `Exited (1) 2 seconds ago`).
    pub status: String,
}

/// The Docker Engine, seen only through the watched label filter.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    labels: Vec<String>,
    /// The daemon's own id (`docker info`), else its address: which Docker an incident is on.
    daemon: String,
}

impl Engine {
    /// Connect to `config.host`, else `DOCKER_HOST`, else the default socket, and agree on an
    /// API version the daemon speaks.
    pub async fn connect(config: &DockerWatchConfig) -> Result<Engine, DockerError> {
        let docker = match &config.host {
            Some(host) => Docker::connect_with_host(host)?,
            None => Docker::connect_with_defaults()?,
        };
        let docker = docker
            .with_timeout(Duration::from_secs(60))
            .negotiate_version()
            .await?;
        let info = docker.info().await?;
        let daemon = info
            .id
            .filter(|id| !id.trim().is_empty())
            .or_else(|| config.host.clone())
            .unwrap_or_else(|| "default".into());
        Ok(Engine {
            docker,
            labels: config.labels.clone(),
            daemon,
        })
    }

    /// The daemon's id: incidents carry it (label [`super::evidence::DAEMON_LABEL`]) so a
    /// watcher only ever resolves or closes incidents of its own Docker.
    pub fn daemon(&self) -> &str {
        &self.daemon
    }

    /// The bollard client (for the event stream).
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    /// The label filter (`key=value` or `key`).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Every watched container, running or not, sorted by name.
    pub async fn list(&self) -> Result<Vec<ContainerInfo>, DockerError> {
        let mut filters: HashMap<String, Vec<String>> = HashMap::new();
        filters.insert("label".into(), self.labels.clone());
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let mut out: Vec<ContainerInfo> = self
            .docker
            .list_containers(Some(options))
            .await?
            .into_iter()
            .filter(|c| labels_match(&self.labels, c.labels.as_ref()))
            .map(|c| ContainerInfo {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .and_then(|n| n.into_iter().next())
                    .map(|n| n.trim_start_matches('/').to_string())
                    .unwrap_or_default(),
                image: c.image.unwrap_or_default(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                status: c.status.unwrap_or_default(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The watched container called `name` (or with this id). Anything else is
    /// [`DockerError::NotWatched`], decided from the list alone.
    pub async fn resolve(&self, name: &str) -> Result<ContainerInfo, DockerError> {
        let name = name.trim_start_matches('/');
        if name.is_empty() {
            return Err(DockerError::NotWatched(String::new()));
        }
        self.list()
            .await?
            .into_iter()
            .find(|c| c.name == name || c.id == name)
            .ok_or_else(|| DockerError::NotWatched(name.to_string()))
    }

    /// Inspect a watched container.
    pub async fn inspect(&self, name: &str) -> Result<ContainerInspectResponse, DockerError> {
        let c = self.resolve(name).await?;
        Ok(self
            .docker
            .inspect_container(&c.id, None::<InspectContainerOptions>)
            .await?)
    }

    /// The last `lines` lines of a watched container's stdout and stderr, with timestamps.
    pub async fn logs(&self, name: &str, lines: usize) -> Result<String, DockerError> {
        let c = self.resolve(name).await?;
        self.logs_by_id(&c.id, lines).await
    }

    pub(crate) async fn logs_by_id(&self, id: &str, lines: usize) -> Result<String, DockerError> {
        let mut out = Vec::new();
        self.logs_each(id, lines, |chunk| {
            out.extend_from_slice(chunk);
            true
        })
        .await?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Stream the last `lines` lines of container `id` (stdout and stderr, timestamped) to
    /// `each` as they arrive, until the log ends, 1 MiB has come, or `each` returns false.
    /// Dropping the future closes the stream (how a cancelled call stops it).
    pub(crate) async fn logs_each(
        &self,
        id: &str,
        lines: usize,
        mut each: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), DockerError> {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .tail(&lines.to_string())
            .build();
        let mut stream = self.docker.logs(id, Some(options));
        let mut seen = 0usize;
        while let Some(chunk) = stream.next().await {
            let bytes = chunk?.into_bytes();
            seen += bytes.len();
            if !each(&bytes) || seen > 1 << 20 {
                break;
            }
        }
        Ok(())
    }

    /// Restart a watched container (`timeout_secs` for it to stop before it is killed).
    pub async fn restart(&self, name: &str, timeout_secs: u64) -> Result<(), DockerError> {
        let c = self.resolve(name).await?;
        let options = RestartContainerOptionsBuilder::default()
            .t(timeout_secs.min(i32::MAX as u64) as i32)
            .build();
        Ok(self.docker.restart_container(&c.id, Some(options)).await?)
    }

    /// Start a watched container.
    pub async fn start(&self, name: &str) -> Result<(), DockerError> {
        let c = self.resolve(name).await?;
        Ok(self
            .docker
            .start_container(&c.id, None::<StartContainerOptions>)
            .await?)
    }

    /// Stop a watched container.
    pub async fn stop(&self, name: &str, timeout_secs: u64) -> Result<(), DockerError> {
        let c = self.resolve(name).await?;
        let options = StopContainerOptionsBuilder::default()
            .t(timeout_secs.min(i32::MAX as u64) as i32)
            .build();
        Ok(self.docker.stop_container(&c.id, Some(options)).await?)
    }
}

/// True when `labels` carries every filter (`key=value` exact, or `key` present).
pub fn labels_match(filters: &[String], labels: Option<&HashMap<String, String>>) -> bool {
    filters.iter().all(|f| {
        let Some(labels) = labels else { return false };
        match f.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
            None => labels.contains_key(f.as_str()),
        }
    })
}
