//! PagerDuty V3 webhooks (`{"event": {"event_type": "incident.*", "data": {…}}}`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    get, hostname_in, kind, optional_object, rfc3339, scalar_text, severity_word, text, why_no_text,
};
use super::{Alert, AlertError, RawJson, Source, Status};

/// One incident event. PagerDuty has no host or description field: the host is the first
/// hostname-looking token of the title (else the service name) and the description is the title.
pub(super) fn parse(obj: &Map<String, Value>, raw: RawJson, at: &str) -> Result<Alert, AlertError> {
    let invalid = |message: String| AlertError::Invalid {
        at: at.to_string(),
        format: Source::Pagerduty,
        message,
    };
    let event = obj.get("event").unwrap_or(&Value::Null);
    if let Some(event) = event.as_object() {
        optional_object(event, "data")
            .map_err(|m| invalid(m.replacen("`data`", "`event.data`", 1)))?;
    } else if !event.is_null() {
        return Err(invalid(format!(
            "`event` must be an object, got {}",
            kind(event)
        )));
    }
    let data = event.get("data").unwrap_or(&Value::Null);
    let title = text(data, &["title"])
        .or_else(|| text(data, &["summary"]))
        .ok_or_else(|| AlertError::Invalid {
            at: at.to_string(),
            format: Source::Pagerduty,
            message: why_no_text(data, "event.data.", &[&["title"], &["summary"]], false),
        })?;
    let event_type = text(event, &["event_type"]).unwrap_or_default();
    let data_status = text(data, &["status"]).unwrap_or_default();
    let status = if event_type == "incident.resolved" || data_status == "resolved" {
        Status::Resolved
    } else {
        Status::Firing
    };
    let service = text(data, &["service", "summary"]);
    let priority = text(data, &["priority", "summary"]);
    let severity = severity_word(text(data, &["urgency"]).or_else(|| priority.clone()));
    let mut labels = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            labels.insert(k.to_string(), v);
        }
    };
    put("event_type", Some(event_type).filter(|s| !s.is_empty()));
    put("event_id", text(event, &["id"]));
    put("incident_id", text(data, &["id"]));
    put("incident_number", text(data, &["number"]));
    put(
        "incident_status",
        Some(data_status).filter(|s| !s.is_empty()),
    );
    put("urgency", text(data, &["urgency"]));
    put("priority", priority);
    put("service", service.clone());
    put(
        "escalation_policy",
        text(data, &["escalation_policy", "summary"]),
    );
    put("assignees", summaries(data.get("assignees")));
    put("teams", summaries(data.get("teams")));
    put("agent", text(event, &["agent", "summary"]));
    Ok(Alert {
        source: Source::Pagerduty,
        host: hostname_in(&title).or(service),
        description: Some(title.clone()),
        title,
        severity,
        status,
        starts_at: get(data, &["created_at"])
            .or_else(|| get(event, &["occurred_at"]))
            .and_then(Value::as_str)
            .and_then(rfc3339),
        url: text(data, &["html_url"]),
        labels,
        fingerprint: text(data, &["incident_key"]).or_else(|| text(data, &["id"])),
        raw,
    })
}

/// `summary` of each reference in a list, joined with `, `.
fn summaries(list: Option<&Value>) -> Option<String> {
    let names: Vec<String> = list?
        .as_array()?
        .iter()
        .filter_map(|r| r.get("summary").and_then(scalar_text))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}
