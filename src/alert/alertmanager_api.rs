//! Alertmanager API v2 `GET /api/v2/alerts` elements (`gettableAlert`).

use serde_json::{Map, Value};

use super::alertmanager::CommonFields;
use super::fields::{add_labels, rfc3339, scalar_text};
use super::{Alert, AlertError, RawJson, Source, Status};

/// One `gettableAlert`. `status.state`: `active` and `unprocessed` (received, not yet
/// grouped/routed, so still live) are firing; `suppressed` (silenced or inhibited) is suppressed.
/// The API has no resolved state: resolved alerts drop out of the list.
pub(super) fn parse(
    elem: &Map<String, Value>,
    raw: RawJson,
    at: &str,
) -> Result<Alert, AlertError> {
    let mut common = CommonFields::from_element(elem, Source::AlertmanagerApi, at)?;
    let status_obj = elem.get("status").and_then(Value::as_object);
    let state = status_obj
        .and_then(|s| s.get("state"))
        .and_then(scalar_text)
        .map(|s| s.to_ascii_lowercase());
    let status = match state.as_deref() {
        Some("suppressed") => Status::Suppressed,
        Some("resolved" | "inactive") => Status::Resolved,
        _ => Status::Firing,
    };
    if let Some(status_obj) = status_obj {
        let present: Map<String, Value> = status_obj
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        add_labels(&mut common.labels, "status.", Some(&present));
    }
    for key in ["endsAt", "updatedAt"] {
        if let Some(t) = elem.get(key).and_then(Value::as_str).and_then(rfc3339) {
            common.labels.entry(key.to_string()).or_insert(t);
        }
    }
    Ok(common.into_alert(Source::AlertmanagerApi, status, raw))
}
