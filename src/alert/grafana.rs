//! Grafana unified-alerting webhooks: the Alertmanager shape plus Grafana's extra fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{add_labels, scalar_text};

/// Group-level keys only Grafana sends.
const GROUP_KEYS: &[&str] = &["orgId", "state"];
/// Alert-level keys only Grafana sends.
const ALERT_KEYS: &[&str] = &[
    "silenceURL",
    "dashboardURL",
    "panelURL",
    "values",
    "valueString",
    "imageURL",
];

/// True when a single alert element carries Grafana's extra fields.
pub(super) fn is_grafana_alert(obj: &Map<String, Value>) -> bool {
    ALERT_KEYS.iter().any(|k| obj.contains_key(*k))
}

/// True when a webhook group, or any alert in it, carries Grafana's extra fields.
pub(super) fn is_grafana_group(obj: &Map<String, Value>) -> bool {
    GROUP_KEYS.iter().any(|k| obj.contains_key(*k))
        || obj
            .get("alerts")
            .and_then(Value::as_array)
            .is_some_and(|alerts| {
                alerts
                    .iter()
                    .filter_map(Value::as_object)
                    .any(|a| ALERT_KEYS.iter().any(|k| a.contains_key(*k)))
            })
}

/// Grafana's per-alert links and values as labels: `dashboardURL`, `panelURL`, `silenceURL`,
/// `imageURL`, `valueString` (when non-empty) and `values.<ref>`.
pub(super) fn add_extras(elem: &Map<String, Value>, labels: &mut BTreeMap<String, String>) {
    for key in [
        "dashboardURL",
        "panelURL",
        "silenceURL",
        "imageURL",
        "valueString",
    ] {
        if let Some(v) = elem.get(key).and_then(scalar_text) {
            labels.entry(key.to_string()).or_insert(v);
        }
    }
    add_labels(
        labels,
        "values.",
        elem.get("values").and_then(Value::as_object),
    );
}
