//! Alert intake: detect the payload format, enforce limits, and normalize to [`Alert`].
//! (Owned by the alert-intake work; the types below are the contract other modules use.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
}

/// Normalized alert status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Firing,
    Resolved,
    Suppressed,
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
    /// The payload element this alert came from, untouched.
    pub raw: serde_json::Value,
}
