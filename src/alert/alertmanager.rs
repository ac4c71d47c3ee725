//! Prometheus Alertmanager webhook (`version: "4"`) groups and single pasted alert elements;
//! also the shape Grafana reuses (see `grafana.rs` for its extras).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    add_labels, get, host_value, kind, optional_object, rfc3339, scalar_text, severity_word,
    why_no_text_in,
};
use super::{Alert, AlertError, RawJson, Source, Status, grafana};

/// Group keys that describe every alert of a group only when it holds one alert.
const SINGLE_ALERT_GROUP_KEYS: &[&str] = &["title", "message", "state"];
/// Past this many bytes of group context copied into all alerts together, each alert keeps
/// only the small, well-known group fields (a 10 MiB group must not become gigabytes).
const GROUP_CONTEXT_BUDGET: usize = 8 * 1024 * 1024;
/// The group fields kept when the budget is exceeded, each only if under [`SMALL_FIELD`].
const ESSENTIAL_GROUP_KEYS: &[&str] = &[
    "receiver",
    "status",
    "version",
    "groupKey",
    "groupLabels",
    "externalURL",
    "truncatedAlerts",
    "orgId",
];
const SMALL_FIELD: usize = 1024;

/// One alert per element of `alerts`. Each alert's `raw` is the group with `alerts`
/// replaced by that one element, so it is itself a valid webhook payload. Group fields that
/// summarise all alerts (Grafana's `title`, `message`, `state`) are kept only for a group of one.
pub(super) fn parse_group(
    group: &Map<String, Value>,
    source: Source,
    at: &str,
) -> Result<Vec<Alert>, AlertError> {
    let invalid = |message: &str| AlertError::Invalid {
        at: at.to_string(),
        format: source,
        message: message.to_string(),
    };
    let items = group
        .get("alerts")
        .ok_or_else(|| invalid("`alerts` is missing"))?
        .as_array()
        .ok_or_else(|| {
            let got = group.get("alerts").map(kind).unwrap_or("nothing");
            invalid(&format!("`alerts` must be an array, got {got}"))
        })?;
    if items.is_empty() {
        return Err(AlertError::NoAlerts {
            at: at.to_string(),
            detail: format!("the {source} group's \"alerts\" array is empty"),
        });
    }
    let context = group_context(group, items.len());
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let elem_at = format!("{at}alerts[{i}]: ");
            let elem = item.as_object().ok_or_else(|| AlertError::Invalid {
                at: elem_at.clone(),
                format: source,
                message: format!("an alert must be an object, got {}", kind(item)),
            })?;
            // Written as text straight from the group: no element is copied as a tree.
            let raw = RawJson::from_serialize(&Narrowed {
                context: &context,
                item,
            });
            from_element(elem, Some(group), source, raw, &elem_at)
        })
        .collect()
}

/// A group's `context` with `alerts` narrowed to `item`, written as one object.
struct Narrowed<'a> {
    context: &'a Map<String, Value>,
    item: &'a Value,
}

impl serde::Serialize for Narrowed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.context.len() + 1))?;
        for (key, value) in self.context {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("alerts", &[self.item])?;
        map.end()
    }
}

fn group_context(group: &Map<String, Value>, count: usize) -> Map<String, Value> {
    let mut context: Map<String, Value> = group
        .iter()
        .filter(|(k, _)| k.as_str() != "alerts")
        .filter(|(k, _)| count == 1 || !SINGLE_ALERT_GROUP_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let size = |v: &Value| serde_json::to_string(v).map_or(usize::MAX, |s| s.len());
    let total: usize = context.values().map(size).sum();
    if count > 1 && total.saturating_mul(count) > GROUP_CONTEXT_BUDGET {
        context.retain(|k, v| ESSENTIAL_GROUP_KEYS.contains(&k.as_str()) && size(v) <= SMALL_FIELD);
    }
    context
}

/// A single alert element pasted on its own (`{labels, annotations, status, startsAt…}`).
pub(super) fn parse_single(
    elem: &Map<String, Value>,
    source: Source,
    raw: RawJson,
    at: &str,
) -> Result<Alert, AlertError> {
    from_element(elem, None, source, raw, at)
}

fn from_element(
    elem: &Map<String, Value>,
    group: Option<&Map<String, Value>>,
    source: Source,
    raw: RawJson,
    at: &str,
) -> Result<Alert, AlertError> {
    let group_status = group.and_then(|g| g.get("status")).and_then(scalar_text);
    let status_word = text_in(elem, "status")
        .or_else(|| text_in(elem, "state"))
        .or(group_status);
    let status = match status_word
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("resolved" | "inactive" | "ok" | "normal") => Status::Resolved,
        Some("suppressed") => Status::Suppressed,
        _ => Status::Firing,
    };
    let mut common = CommonFields::from_element(elem, source, at)?;
    if common.url.is_none() {
        common.url = group.and_then(|g| g.get("externalURL").and_then(scalar_text));
    }
    if let Some(ends) = elem.get("endsAt").and_then(Value::as_str).and_then(rfc3339) {
        common.labels.entry("endsAt".into()).or_insert(ends);
    }
    if source == Source::Grafana {
        grafana::add_extras(elem, &mut common.labels);
    }
    Ok(common.into_alert(source, status, raw))
}

fn text_in(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(scalar_text)
}

/// The fields Alertmanager webhook alerts and API v2 alerts share.
pub(super) struct CommonFields {
    pub title: String,
    pub severity: Option<String>,
    pub host: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<String>,
    pub url: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub fingerprint: Option<String>,
}

impl CommonFields {
    /// Title from `annotations.summary`, else `labels.alertname`; severity from
    /// `labels.severity`; host per [`host_from_labels`].
    pub(super) fn from_element(
        elem: &Map<String, Value>,
        source: Source,
        at: &str,
    ) -> Result<CommonFields, AlertError> {
        let text = |obj: &Map<String, Value>, path: &[&str]| {
            let (first, rest) = path.split_first()?;
            get(obj.get(*first)?, rest).and_then(scalar_text)
        };
        let obj = elem;
        // `labels` and `annotations` are maps: anything else is named, not ignored.
        for key in ["labels", "annotations"] {
            optional_object(elem, key).map_err(|message| AlertError::Invalid {
                at: at.to_string(),
                format: source,
                message,
            })?;
        }
        let label_map = elem.get("labels").and_then(Value::as_object);
        let title = text(obj, &["annotations", "summary"])
            .or_else(|| text(obj, &["labels", "alertname"]))
            .ok_or_else(|| AlertError::Invalid {
                at: at.to_string(),
                format: source,
                message: why_no_text_in(
                    obj,
                    &[&["annotations", "summary"], &["labels", "alertname"]],
                    false,
                ),
            })?;
        let description = text(obj, &["annotations", "description"])
            .or_else(|| text(obj, &["annotations", "summary"]))
            .or_else(|| text(obj, &["annotations", "message"]));
        let mut labels = BTreeMap::new();
        add_labels(&mut labels, "", label_map);
        if let Some(annotations) = elem.get("annotations").and_then(Value::as_object) {
            let extra: Map<String, Value> = annotations
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "summary" | "description"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            add_labels(&mut labels, "annotations.", Some(&extra));
        }
        Ok(CommonFields {
            title,
            severity: severity_word(text(obj, &["labels", "severity"])),
            host: host_from_labels(label_map),
            description,
            starts_at: ["startsAt", "activeAt"]
                .iter()
                .find_map(|k| obj.get(*k).and_then(Value::as_str).and_then(rfc3339)),
            url: text(obj, &["generatorURL"]),
            labels,
            fingerprint: text(obj, &["fingerprint"]),
        })
    }

    /// The normalized alert.
    pub(super) fn into_alert(self, source: Source, status: Status, raw: RawJson) -> Alert {
        Alert {
            source,
            title: self.title,
            severity: self.severity,
            status,
            host: self.host,
            description: self.description,
            starts_at: self.starts_at,
            url: self.url,
            labels: self.labels,
            fingerprint: self.fingerprint,
            raw,
        }
    }
}

/// The affected host or workload from Prometheus-style labels. kube-state-metrics alerts
/// (a `pod` label, or job/instance naming kube-state-metrics) describe a workload, so the
/// exporter's `instance` is skipped: pod, node, deployment, statefulset, daemonset.
/// Otherwise: instance (port stripped), host, hostname, node, pod.
pub(super) fn host_from_labels(labels: Option<&Map<String, Value>>) -> Option<String> {
    let labels = labels?;
    let get = |k: &str| labels.get(k).and_then(scalar_text);
    let is_ksm = |k: &str| get(k).is_some_and(|v| v.contains("kube-state-metrics"));
    let order: &[&str] = if labels.contains_key("pod") || is_ksm("job") || is_ksm("instance") {
        &["pod", "node", "deployment", "statefulset", "daemonset"]
    } else {
        &["instance", "host", "hostname", "node", "pod"]
    };
    order.iter().find_map(|k| host_value(get(k)))
}
