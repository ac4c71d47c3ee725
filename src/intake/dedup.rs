//! The one dedup rule: an alert is keyed by (source, fingerprint); what a notification does to
//! the incident with that key (open, repeat, resolve at source, reopen, or nothing), and when
//! the source says a firing began ([`fired_at`]), which the ledger compares with when the
//! source said it ended to tell a late firing from a new one.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::alert::{Alert, Status};
use crate::store::{DedupKey, IncidentState, Incidents};

/// What one alert does.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No incident has this key: open one.
    Open(DedupKey),
    /// The incident is open and the alert fires again (or is silenced at the source).
    Repeat(String),
    /// The source says the open incident's alert ended.
    Resolve(String),
    /// It fires again after it was resolved at source.
    Reopen(String),
    /// Nothing to do: a resolve or silenced alert for an incident we never opened.
    Ignore,
}

/// The dedup key of `alert`: its own fingerprint, or a hash of what identifies it (source,
/// title, host and labels) when the source sends none.
pub fn key_of(alert: &Alert) -> DedupKey {
    let fingerprint = match alert.fingerprint.as_deref().map(str::trim) {
        Some(fp) if !fp.is_empty() => fp.chars().take(200).collect(),
        _ => {
            let mut hash = Sha256::new();
            hash.update(alert.source.name());
            hash.update([0]);
            hash.update(&alert.title);
            hash.update([0]);
            hash.update(alert.host.as_deref().unwrap_or(""));
            for (k, v) in &alert.labels {
                hash.update([0]);
                hash.update(k);
                hash.update([1]);
                hash.update(v);
            }
            format!("sha256:{}", hex::encode(&hash.finalize()[..12]))
        }
    };
    DedupKey {
        source: alert.source,
        fingerprint,
    }
}

/// What `alert` does given the incidents so far.
pub fn decide(incidents: &Incidents, alert: &Alert) -> Decision {
    let key = key_of(alert);
    let Some(existing) = incidents.by_key(&key) else {
        return match alert.status {
            Status::Firing => Decision::Open(key),
            Status::Resolved | Status::Suppressed => Decision::Ignore,
        };
    };
    let id = existing.id.clone();
    match (existing.state, alert.status) {
        (IncidentState::Open, Status::Resolved) => Decision::Resolve(id),
        (IncidentState::ResolvedAtSource { .. }, Status::Firing) => Decision::Reopen(id),
        _ => Decision::Repeat(id),
    }
}

/// When the source says this firing began: PagerDuty's `event.occurred_at` (its
/// `created_at` is the incident's, older than any reopen), else the alert's `starts_at`.
pub fn fired_at(alert: &Alert) -> Option<DateTime<Utc>> {
    let raw = match alert.source {
        crate::alert::Source::Pagerduty => alert.raw.value(),
        _ => Value::Null,
    };
    let text = raw
        .get("event")
        .and_then(|event| event.get("occurred_at"))
        .and_then(Value::as_str)
        .or(alert.starts_at.as_deref())?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
