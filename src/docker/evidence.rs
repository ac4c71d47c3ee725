//! What a failed container looks like as an incident: [`Evidence`] gathered from inspect and
//! the log tail, and the [`Alert`] it becomes (keyed by container id + [`FailureKind`]).

use std::collections::BTreeMap;

use bollard::models::{ContainerInspectResponse, HealthStatusEnum};
use serde::Serialize;

use crate::alert::{Alert, Source, Status};
use crate::policy::Redactor;

/// The alert label naming the Docker daemon a container incident is on ([`super::Engine::daemon`]).
pub const DAEMON_LABEL: &str = "docker_daemon";

/// Why a watched container counts as failed. Part of the dedup key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// It exited (or died) and is not running.
    Exited,
    /// The kernel killed it for memory.
    Oom,
    /// Its health check fails.
    Unhealthy,
    /// Docker keeps restarting it.
    RestartLoop,
}

impl FailureKind {
    /// The snake_case name used in fingerprints and titles.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Exited => "exited",
            FailureKind::Oom => "oom",
            FailureKind::Unhealthy => "unhealthy",
            FailureKind::RestartLoop => "restart_loop",
        }
    }

    /// The kind named `name` (as in a fingerprint).
    pub fn from_name(name: &str) -> Option<FailureKind> {
        [
            FailureKind::Exited,
            FailureKind::Oom,
            FailureKind::Unhealthy,
            FailureKind::RestartLoop,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    /// Which failure of this kind a container's times describe: two sightings with the same
    /// token are one failure, counted once. A death is known by when it finished, a failed
    /// health check by the run it failed in, a restart loop by nothing (one per loop).
    pub fn token(self, started_at: Option<&str>, finished_at: Option<&str>) -> String {
        match self {
            FailureKind::Exited | FailureKind::Oom => finished_at.unwrap_or_default().to_string(),
            FailureKind::Unhealthy => started_at.unwrap_or_default().to_string(),
            FailureKind::RestartLoop => String::new(),
        }
    }
}

/// The container id and failure kind of a Docker incident's fingerprint (`docker:ID:KIND`).
pub fn parse_fingerprint(fingerprint: &str) -> Option<(&str, FailureKind)> {
    let rest = fingerprint.strip_prefix("docker:")?;
    let (id, kind) = rest.rsplit_once(':')?;
    Some((id, FailureKind::from_name(kind)?))
}

/// The resolve notice for the incident of container `id` (called `name`) failed as `kind`:
/// same source and fingerprint as [`Evidence::to_alert`], so it resolves that incident.
pub fn resolved_alert(id: &str, name: &str, kind: FailureKind, why: &str) -> Alert {
    let name = &container_name(Some(name), id);
    let mut labels = BTreeMap::new();
    labels.insert("container".to_string(), name.to_string());
    labels.insert("container_id".to_string(), short(id).to_string());
    labels.insert("failure".to_string(), kind.name().to_string());
    Alert {
        source: Source::Docker,
        title: format!("container {name} {why}"),
        severity: None,
        status: Status::Resolved,
        host: Some(name.to_string()),
        description: None,
        starts_at: None,
        url: None,
        labels,
        fingerprint: Some(format!("docker:{id}:{}", kind.name())),
        raw: crate::alert::RawJson::null(),
    }
}

/// Everything known about one container at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: String,
    pub name: String,
    pub image: String,
    pub labels: BTreeMap<String, String>,
    /// `running`, `exited`, `restarting`, `dead`, …
    pub state: String,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub restart_count: i64,
    /// `healthy`, `unhealthy`, `starting`, or None without a health check.
    pub health: Option<String>,
    /// The last health-check results: `exit <code>: <output>`.
    pub health_log: Vec<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Docker's own error for the last start, if any.
    pub error: Option<String>,
    /// The last `log_lines` lines of stdout+stderr, redacted. Untrusted text.
    pub logs: String,
}

impl Evidence {
    /// Build from an inspect response and the raw log tail (redacted here).
    pub fn from_inspect(
        inspect: &ContainerInspectResponse,
        logs: &str,
        redactor: &Redactor,
    ) -> Evidence {
        let state = inspect.state.clone().unwrap_or_default();
        let config = inspect.config.clone().unwrap_or_default();
        let health = state.health.clone().unwrap_or_default();
        let health_log = health
            .log
            .unwrap_or_default()
            .into_iter()
            .rev()
            .take(5)
            .rev()
            .map(|r| {
                format!(
                    "exit {}: {}",
                    r.exit_code.unwrap_or(-1),
                    r.output.unwrap_or_default().trim()
                )
            })
            .collect();
        let id = inspect.id.clone().unwrap_or_default();
        Evidence {
            name: container_name(inspect.name.as_deref(), &id),
            id,
            image: config
                .image
                .or_else(|| inspect.image.clone())
                .unwrap_or_default(),
            labels: config.labels.unwrap_or_default().into_iter().collect(),
            state: state.status.map(|s| s.to_string()).unwrap_or_default(),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            restart_count: inspect.restart_count.unwrap_or(0),
            health: health
                .status
                .filter(|s| *s != HealthStatusEnum::EMPTY && *s != HealthStatusEnum::NONE)
                .map(|s| s.to_string()),
            health_log,
            started_at: state.started_at.filter(|t| !t.starts_with("0001-")),
            finished_at: state.finished_at.filter(|t| !t.starts_with("0001-")),
            error: state.error.filter(|e| !e.is_empty()),
            logs: redactor.redact(logs).text,
        }
    }

    /// Why it counts as failed now, or None when it is fine.
    pub fn failure(&self) -> Option<FailureKind> {
        if self.oom_killed && self.state != "running" {
            return Some(FailureKind::Oom);
        }
        match self.state.as_str() {
            "restarting" => Some(FailureKind::RestartLoop),
            "exited" | "dead" => Some(FailureKind::Exited),
            "running" if self.health.as_deref() == Some("unhealthy") => {
                Some(FailureKind::Unhealthy)
            }
            _ => None,
        }
    }

    /// Running, and healthy when it has a health check: an incident of it is over.
    pub fn is_fine(&self) -> bool {
        self.state == "running" && self.health.as_deref().is_none_or(|h| h == "healthy")
    }

    /// This failure's token ([`FailureKind::token`]).
    pub fn token(&self, kind: FailureKind) -> String {
        kind.token(self.started_at.as_deref(), self.finished_at.as_deref())
    }

    /// The incident alert for failure `kind`: keyed by container id + kind, so a repeat failure
    /// of the same container updates the open incident. Logs go in the description, which
    /// sessions treat as untrusted alert text.
    pub fn to_alert(&self, kind: FailureKind, host: Option<&str>) -> Alert {
        let mut labels = BTreeMap::new();
        labels.insert("container".to_string(), self.name.clone());
        labels.insert("container_id".to_string(), short(&self.id).to_string());
        labels.insert("image".to_string(), self.image.clone());
        labels.insert("failure".to_string(), kind.name().to_string());
        for (k, v) in &self.labels {
            labels.insert(format!("docker.{k}"), v.clone());
        }
        let title = match (kind, self.exit_code) {
            (FailureKind::Exited, Some(code)) => {
                format!("container {} exited with code {code}", self.name)
            }
            (FailureKind::Oom, _) => format!("container {} was OOM-killed", self.name),
            (FailureKind::Unhealthy, _) => format!("container {} is unhealthy", self.name),
            (FailureKind::RestartLoop, _) => format!(
                "container {} is in a restart loop ({} restarts)",
                self.name, self.restart_count
            ),
            (FailureKind::Exited, None) => format!("container {} exited", self.name),
        };
        let severity = match kind {
            FailureKind::Unhealthy => "warning",
            _ => "critical",
        };
        Alert {
            source: Source::Docker,
            title,
            severity: Some(severity.to_string()),
            status: Status::Firing,
            host: host.map(str::to_string).or_else(|| Some(self.name.clone())),
            description: Some(self.describe()),
            starts_at: self.finished_at.clone(),
            url: None,
            labels,
            fingerprint: Some(format!("docker:{}:{}", self.id, kind.name())),
            raw: crate::alert::RawJson::from_serialize(self),
        }
    }

    /// The evidence as text: facts first, then the log tail.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "container: {} ({})\nimage: {}\n",
            self.name,
            short(&self.id),
            self.image
        ));
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!("labels: {}\n", labels.join(", ")));
        }
        s.push_str(&format!("state: {}\n", self.state));
        if let Some(code) = self.exit_code {
            s.push_str(&format!("exit code: {code}\n"));
        }
        s.push_str(&format!(
            "OOMKilled: {}\nrestart count: {}\n",
            self.oom_killed, self.restart_count
        ));
        if let Some(h) = &self.health {
            s.push_str(&format!("health: {h}\n"));
            for line in &self.health_log {
                s.push_str(&format!("  health check {line}\n"));
            }
        }
        if let Some(t) = &self.started_at {
            s.push_str(&format!("started at: {t}\n"));
        }
        if let Some(t) = &self.finished_at {
            s.push_str(&format!("finished at: {t}\n"));
        }
        if let Some(e) = &self.error {
            s.push_str(&format!("docker error: {e}\n"));
        }
        s.push_str("last log lines (untrusted container output):\n");
        s.push_str(&self.logs);
        s
    }
}

/// How a container is named to people: its name without Docker's leading `/`, else (no name
/// known) its 12-character short id, never the 64-hex one.
pub fn container_name(name: Option<&str>, id: &str) -> String {
    match name.map(|n| n.trim().trim_start_matches('/')) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => short(id).to_string(),
    }
}

/// The 12-character short id.
pub fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
