//! Alert intake: detect the payload format, enforce limits, and normalize to [`Alert`].
//!
//! [`parse`] is the single entry point: bytes in, every alert in the payload out, or one
//! [`AlertError`] naming the problem. It never panics and never returns a partial result.

mod alertmanager;
mod alertmanager_api;
mod datadog;
mod detect;
mod ended;
mod error;
mod fields;
mod generic;
mod grafana;
mod limits;
mod opsgenie;
mod output;
mod pagerduty;
mod raw;
pub mod signature;
mod zabbix;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::AlertError;
pub use output::to_terminal_safe_json;
pub use raw::RawJson;

/// Which monitoring tool produced an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Alertmanager,
    Grafana,
    Pagerduty,
    Opsgenie,
    Datadog,
    Zabbix,
    AlertmanagerApi,
    Generic,
    /// The Docker watcher's own incidents (`watch docker`); not a `--format` (not in
    /// [`Source::ALL`]): no payload is parsed as one. Records stored before it existed say
    /// `generic` and are read back as `docker` (see `store::DedupKey`).
    Docker,
}

impl Source {
    /// Every source, in the order `--format` help lists them.
    pub const ALL: [Source; 8] = [
        Source::Alertmanager,
        Source::Grafana,
        Source::Pagerduty,
        Source::Opsgenie,
        Source::Datadog,
        Source::Zabbix,
        Source::AlertmanagerApi,
        Source::Generic,
    ];

    /// The name used in the JSON `source` field and by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Pagerduty => "pagerduty",
            Source::Opsgenie => "opsgenie",
            Source::Datadog => "datadog",
            Source::Zabbix => "zabbix",
            Source::AlertmanagerApi => "alertmanager_api",
            Source::Generic => "generic",
            Source::Docker => "docker",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--format` name that is not one of [`Source::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown alert format {given:?}; expected one of: {}", Source::ALL.map(Source::name).join(", "))]
pub struct UnknownSource {
    /// What the user typed (neutralised, truncated).
    pub given: String,
}

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Source::ALL
            .into_iter()
            .find(|src| src.name() == wanted)
            .ok_or_else(|| UnknownSource {
                given: crate::text::neutralize_line(&fields::truncate_chars(s, 40)),
            })
    }
}

/// Normalized alert status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Firing,
    Resolved,
    Suppressed,
}

impl Status {
    /// `firing`, `resolved` or `suppressed`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
            Status::Suppressed => "suppressed",
        }
    }
}

/// One normalized alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub source: Source,
    pub title: String,
    /// The source's own word, lower-cased (`critical`, `warning`, `high`, `p3`, `average`).
    pub severity: Option<String>,
    pub status: Status,
    /// Affected machine or workload, `:port` stripped.
    pub host: Option<String>,
    pub description: Option<String>,
    /// RFC 3339, or None when the source gives no zone or no time.
    pub starts_at: Option<String>,
    pub url: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub fingerprint: Option<String>,
    /// The payload element this alert came from, untouched (control characters included).
    /// For an Alertmanager/Grafana group: the group with `alerts` narrowed to this one alert.
    /// Kept as its JSON text ([`RawJson::value`] parses it).
    pub raw: RawJson,
}

impl Alert {
    /// One line for lists: `[severity] host: title`, plus `(resolved)`/`(suppressed)` when the
    /// alert is not firing. Newlines become spaces; the text is NOT neutralised (front ends do).
    pub fn summary_line(&self) -> String {
        let severity = self.severity.as_deref().unwrap_or("-");
        let mut line = match &self.host {
            Some(host) => format!("[{severity}] {host}: {}", self.title),
            None => format!("[{severity}] {}", self.title),
        };
        if self.status != Status::Firing {
            line.push_str(&format!(" ({})", self.status.name()));
        }
        line.replace(['\r', '\n'], " ")
    }
}

/// Limits and overrides for [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Force this format for every alert instead of detecting it.
    pub format: Option<Source>,
    /// Largest payload accepted, in bytes (`limits.max_alert_bytes`).
    pub max_bytes: usize,
    /// Deepest JSON nesting accepted (arrays and objects); capped at [`MAX_DEPTH_CAP`].
    pub max_depth: usize,
}

/// Default payload size limit: 10 MiB.
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Default nesting limit. Real payloads nest 5 levels deep at most.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Hard ceiling for `max_depth`, below serde_json's own recursion limit of 128.
pub const MAX_DEPTH_CAP: usize = 100;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            format: None,
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Parse an alert payload (any supported format, a single alert, a group, or an array mixing
/// formats) into normalized alerts: all of them, or an error.
pub fn parse(bytes: &[u8], opts: &ParseOptions) -> Result<Vec<Alert>, AlertError> {
    let value = limits::decode(bytes, opts)?;
    detect::normalize(value, opts)
}

#[cfg(test)]
mod tests;
