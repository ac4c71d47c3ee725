//! Opsgenie outgoing webhooks (`{"action": "Create", "alert": {…}}`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    add_labels, epoch_rfc3339, get, host_value, kind, scalar_text, stringify, text, why_no_text,
};
use super::{Alert, AlertError, RawJson, Source, Status};

/// One alert action. `Close`/`Delete` are resolved, `Snooze` suppressed, every other action
/// (`Create`, `Acknowledge`, `AddNote`…) firing. Priority may be `"P2"` or an integer `2`.
pub(super) fn parse(obj: &Map<String, Value>, raw: RawJson, at: &str) -> Result<Alert, AlertError> {
    let alert = obj.get("alert").unwrap_or(&Value::Null);
    if !alert.is_null() && !alert.is_object() {
        return Err(AlertError::Invalid {
            at: at.to_string(),
            format: Source::Opsgenie,
            message: format!("`alert` must be an object, got {}", kind(alert)),
        });
    }
    let title = text(alert, &["message"]).ok_or_else(|| AlertError::Invalid {
        at: at.to_string(),
        format: Source::Opsgenie,
        message: why_no_text(alert, "alert.", &[&["message"]], false),
    })?;
    let action = obj.get("action").and_then(Value::as_str).unwrap_or("");
    let closed = text(alert, &["status"]).is_some_and(|s| s.eq_ignore_ascii_case("closed"));
    let status = match action.to_ascii_lowercase().as_str() {
        "close" | "delete" => Status::Resolved,
        "snooze" => Status::Suppressed,
        _ if closed => Status::Resolved,
        _ => Status::Firing,
    };
    let severity = match get(alert, &["priority"]) {
        Some(Value::Number(n)) => Some(format!("p{n}")),
        Some(other) => scalar_text(other).map(|s| s.to_lowercase()),
        None => None,
    };
    let mut labels = BTreeMap::new();
    if !action.trim().is_empty() {
        labels.insert("action".to_string(), action.to_string());
    }
    for key in [
        "alertId", "tinyId", "alias", "entity", "priority", "source", "tags", "teams", "username",
        "status",
    ] {
        if let Some(v) = get(alert, &[key])
            .and_then(stringify)
            .filter(|s| !s.is_empty())
        {
            labels.insert(key.to_string(), v);
        }
    }
    if let Some(name) = obj.get("integrationName").and_then(scalar_text) {
        labels.insert("integrationName".into(), name);
    }
    add_labels(
        &mut labels,
        "details.",
        alert.get("details").and_then(Value::as_object),
    );
    Ok(Alert {
        source: Source::Opsgenie,
        title,
        severity: severity.filter(|s| !s.is_empty()),
        status,
        host: host_value(text(alert, &["entity"]).or_else(|| text(alert, &["details", "host"]))),
        description: text(alert, &["description"]),
        starts_at: alert.get("createdAt").and_then(epoch_rfc3339),
        url: None,
        labels,
        fingerprint: text(alert, &["alias"]).or_else(|| text(alert, &["alertId"])),
        raw,
    })
}
