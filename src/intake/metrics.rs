//! Intake counters and their Prometheus text exposition (`GET /metrics`).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a request was refused; one `rejected_total{reason=…}` series each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    Unauthorized,
    BadSignature,
    TooLarge,
    BadPayload,
    UnknownFormat,
    RateLimited,
    InboxFull,
    QueueFull,
    Timeout,
    StoreError,
    /// A `Host` or `Origin` that is not this receiver's (DNS rebinding, web pages).
    ForeignHost,
    /// A body not declared as JSON (`Content-Type`).
    NotJson,
    /// A signed PagerDuty event older (or further ahead) than `pagerduty_max_age_secs`.
    StaleEvent,
    /// A signed PagerDuty event id already received.
    ReplayedEvent,
}

impl Reject {
    const ALL: [Reject; 14] = [
        Reject::Unauthorized,
        Reject::BadSignature,
        Reject::TooLarge,
        Reject::BadPayload,
        Reject::UnknownFormat,
        Reject::RateLimited,
        Reject::InboxFull,
        Reject::QueueFull,
        Reject::Timeout,
        Reject::StoreError,
        Reject::ForeignHost,
        Reject::NotJson,
        Reject::StaleEvent,
        Reject::ReplayedEvent,
    ];

    /// The `reason` label value.
    pub fn name(self) -> &'static str {
        match self {
            Reject::Unauthorized => "unauthorized",
            Reject::BadSignature => "bad_signature",
            Reject::TooLarge => "too_large",
            Reject::BadPayload => "bad_payload",
            Reject::UnknownFormat => "unknown_format",
            Reject::RateLimited => "rate_limited",
            Reject::InboxFull => "inbox_full",
            Reject::QueueFull => "queue_full",
            Reject::Timeout => "timeout",
            Reject::StoreError => "store_error",
            Reject::ForeignHost => "foreign_host",
            Reject::NotJson => "not_json",
            Reject::StaleEvent => "stale_event",
            Reject::ReplayedEvent => "replayed_event",
        }
    }
}

/// Counters shared by the HTTP layer and the inbox writer.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    /// Alerts parsed from accepted payloads.
    pub received: AtomicU64,
    /// Alerts durably written.
    pub accepted: AtomicU64,
    pub opened: AtomicU64,
    pub deduplicated: AtomicU64,
    pub resolved: AtomicU64,
    pub reopened: AtomicU64,
    /// Resolves and silenced alerts for incidents never opened.
    pub ignored: AtomicU64,
    rejected: [AtomicU64; 14],
    /// Connections closed to make room for a newer one (per-client or total cap).
    pub connections_evicted: AtomicU64,
    /// Connections refused because every candidate was serving a request.
    pub connections_refused: AtomicU64,
    /// Incidents open and not taken up (set by the writer).
    pub inbox_depth: AtomicU64,
    /// Alerts waiting for the disk.
    pub queue_depth: AtomicU64,
    /// Store transactions the writer ran (each holds every request queued when it began).
    pub writes: AtomicU64,
    /// Microseconds the writer spent in them, read and decide through commit.
    pub write_micros: AtomicU64,
}

impl Metrics {
    /// Count one refused request.
    pub fn reject(&self, reason: Reject) {
        let i = Reject::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        self.rejected[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Refused requests for `reason`.
    pub fn rejected(&self, reason: Reject) -> u64 {
        let i = Reject::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        self.rejected[i].load(Ordering::Relaxed)
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let counters: [(&str, &str, &AtomicU64); 11] = [
            ("requests", "HTTP requests to /v1/alerts", &self.requests),
            (
                "alerts_received",
                "alerts parsed from payloads",
                &self.received,
            ),
            (
                "alerts_accepted",
                "alerts written to the inbox",
                &self.accepted,
            ),
            ("incidents_opened", "new incidents", &self.opened),
            (
                "alerts_deduplicated",
                "repeats of an incident",
                &self.deduplicated,
            ),
            (
                "alerts_resolved",
                "incidents resolved at source",
                &self.resolved,
            ),
            (
                "incidents_reopened",
                "re-fires after a resolve",
                &self.reopened,
            ),
            (
                "alerts_ignored",
                "resolves for unknown incidents, late firings",
                &self.ignored,
            ),
            (
                "writes",
                "store transactions of the writer, each for every request queued when it began",
                &self.writes,
            ),
            (
                "connections_evicted",
                "idle or half-sent connections closed to make room",
                &self.connections_evicted,
            ),
            (
                "connections_refused",
                "connections refused while every other one was busy",
                &self.connections_refused,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP opsassist_intake_{name}_total {help}");
            let _ = writeln!(out, "# TYPE opsassist_intake_{name}_total counter");
            let _ = writeln!(
                out,
                "opsassist_intake_{name}_total {}",
                value.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP opsassist_intake_write_seconds_total time the writer spent in store transactions"
        );
        let _ = writeln!(out, "# TYPE opsassist_intake_write_seconds_total counter");
        let _ = writeln!(
            out,
            "opsassist_intake_write_seconds_total {:.6}",
            self.write_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP opsassist_intake_rejected_total requests refused, by reason"
        );
        let _ = writeln!(out, "# TYPE opsassist_intake_rejected_total counter");
        for reason in Reject::ALL {
            let _ = writeln!(
                out,
                "opsassist_intake_rejected_total{{reason=\"{}\"}} {}",
                reason.name(),
                self.rejected(reason)
            );
        }
        for (name, help, value) in [
            (
                "inbox_depth",
                "incidents open and not yet taken up",
                &self.inbox_depth,
            ),
            (
                "queue_depth",
                "alerts waiting for the disk",
                &self.queue_depth,
            ),
        ] {
            let _ = writeln!(out, "# HELP opsassist_intake_{name} {help}");
            let _ = writeln!(out, "# TYPE opsassist_intake_{name} gauge");
            let _ = writeln!(
                out,
                "opsassist_intake_{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}
