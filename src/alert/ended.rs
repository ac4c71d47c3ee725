//! When a resolve notice says its alert ended, read from the payload it came in (`raw`), by
//! source: Alertmanager's and Grafana's `endsAt`, PagerDuty's `event.occurred_at`, Opsgenie's
//! `alert.updatedAt`, Datadog's `last_updated` (else `date`). Zabbix media types carry no
//! zoned time, and the generic format none that is defined, so they say nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::{epoch_rfc3339, get, rfc3339};
use super::{Alert, Source, Status};

impl Alert {
    /// When the source says this resolved alert ended; None for a firing or suppressed alert,
    /// or when the payload gives no usable time.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        if self.status != Status::Resolved {
            return None;
        }
        let raw = &self.raw.value();
        let text = match self.source {
            Source::Alertmanager | Source::Grafana | Source::AlertmanagerApi => {
                // A group narrowed to this alert, or the alert element itself.
                let element = get(raw, &["alerts"])
                    .and_then(|alerts| alerts.as_array()?.first())
                    .unwrap_or(raw);
                get(element, &["endsAt"])
                    .and_then(Value::as_str)
                    .and_then(rfc3339)
            }
            Source::Pagerduty => get(raw, &["event", "occurred_at"])
                .and_then(Value::as_str)
                .and_then(rfc3339),
            Source::Opsgenie => get(raw, &["alert", "updatedAt"]).and_then(epoch_rfc3339),
            Source::Datadog => get(raw, &["last_updated"])
                .and_then(epoch_rfc3339)
                .or_else(|| get(raw, &["date"]).and_then(epoch_rfc3339)),
            Source::Zabbix | Source::Generic | Source::Docker => None,
        }?;
        DateTime::parse_from_rfc3339(&text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ParseOptions, parse};
    use super::*;

    fn first(payload: &str) -> Alert {
        parse(payload.as_bytes(), &ParseOptions::default())
            .expect("parse")
            .remove(0)
    }

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(text.parse().expect("time"))
    }

    #[test]
    fn each_source_says_when_its_alert_ended() {
        let alertmanager = r#"{"version":"4","status":"resolved","receiver":"r","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","alerts":[{"status":"resolved","labels":{"alertname":"HighCpu","endsAt":"2030-01-01T00:00:00Z"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:07:00Z","generatorURL":"http://p","fingerprint":"f1"}]}"#;
        // The alert's own label named endsAt does not stand in for the payload's field.
        assert_eq!(first(alertmanager).ended_at(), at("2026-01-01T00:07:00Z"));
        let pagerduty = r#"{"event":{"id":"e1","event_type":"incident.resolved","resource_type":"incident","occurred_at":"2025-03-12T23:10:00.000Z","data":{"id":"Q1","type":"incident","status":"resolved","title":"lag","created_at":"2025-03-12T22:51:09Z","urgency":"high","html_url":"https://x"}}}"#;
        assert_eq!(first(pagerduty).ended_at(), at("2025-03-12T23:10:00Z"));
        let opsgenie = r#"{"action":"Close","alert":{"alertId":"a1","message":"OOM","createdAt":1741835575201,"updatedAt":1741836175201000000,"entity":"w7"}}"#;
        assert_eq!(first(opsgenie).ended_at(), at("2025-03-13T03:22:55.201Z"));
        let datadog = r#"{"id":"7874","last_updated":"1741866931000","event_type":"metric_alert_monitor","title":"[Recovered on {host:batch-node-11}] High load","date":"1741866900000","org":{"id":"1","name":"x"},"alert_transition":"Recovered","body":"ok"}"#;
        assert_eq!(first(datadog).ended_at(), at("2025-03-13T11:55:31Z"));
        let firing = alertmanager.replace(r#""status":"resolved""#, r#""status":"firing""#);
        assert_eq!(first(&firing).ended_at(), None);
    }
}
