//! Format detection and dispatch: a top-level object, or an array whose elements may each be
//! a different format.

use serde_json::{Map, Value};

use super::fields::{kind, truncate_chars};
use super::{
    Alert, AlertError, ParseOptions, RawJson, Source, alertmanager, alertmanager_api, datadog,
    generic, grafana, opsgenie, pagerduty, zabbix,
};
use crate::text::neutralize_line;

/// Every alert in `value`, or the first error (prefixed with the element's index).
pub(super) fn normalize(value: Value, opts: &ParseOptions) -> Result<Vec<Alert>, AlertError> {
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(AlertError::NoAlerts {
                    at: String::new(),
                    detail: "the top-level array is empty".into(),
                });
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.extend(one(item, opts, &format!("element {i}: "))?);
            }
            Ok(out)
        }
        other => one(other, opts, ""),
    }
}

fn one(value: Value, opts: &ParseOptions, at: &str) -> Result<Vec<Alert>, AlertError> {
    let Value::Object(obj) = &value else {
        let what = if at.is_empty() { "the payload" } else { "it" };
        return Err(AlertError::Unrecognized {
            at: at.to_string(),
            detail: format!("{what} is {}, not a JSON object", kind(&value)),
        });
    };
    let source = match opts.format.or_else(|| detect(obj)) {
        Some(source) => source,
        None => {
            return Err(AlertError::Unrecognized {
                at: at.to_string(),
                detail: keys_seen(obj),
            });
        }
    };
    if matches!(source, Source::Alertmanager | Source::Grafana) && obj.contains_key("alerts") {
        return alertmanager::parse_group(obj, source, at);
    }
    // One alert: the payload element itself is its raw payload.
    let raw = RawJson::from_value(&value);
    let alert = match source {
        Source::Alertmanager | Source::Grafana => alertmanager::parse_single(obj, source, raw, at),
        Source::AlertmanagerApi => alertmanager_api::parse(obj, raw, at),
        Source::Pagerduty => pagerduty::parse(obj, raw, at),
        Source::Opsgenie => opsgenie::parse(obj, raw, at),
        Source::Datadog => datadog::parse(obj, raw, at),
        Source::Zabbix => zabbix::parse(obj, raw, at),
        Source::Generic | Source::Docker => generic::parse(obj, raw, at),
    }?;
    Ok(vec![alert])
}

/// The format of one JSON object, from the keys each format always carries.
pub(super) fn detect(obj: &Map<String, Value>) -> Option<Source> {
    let has = |k: &str| obj.contains_key(k);
    let is_obj = |k: &str| obj.get(k).is_some_and(Value::is_object);
    let is_str = |k: &str| obj.get(k).is_some_and(Value::is_string);
    let grafana_or_am = |grafana: bool| {
        if grafana {
            Source::Grafana
        } else {
            Source::Alertmanager
        }
    };
    if obj.get("alerts").is_some_and(Value::is_array) {
        return Some(grafana_or_am(grafana::is_grafana_group(obj)));
    }
    if let Some(event) = obj.get("event").and_then(Value::as_object)
        && event.get("data").is_some_and(Value::is_object)
        && event.contains_key("event_type")
    {
        return Some(Source::Pagerduty);
    }
    if is_obj("alert") && is_str("action") {
        return Some(Source::Opsgenie);
    }
    if is_obj("labels") {
        let state = obj.get("status").and_then(|s| s.get("state"));
        if state.is_some() {
            return Some(Source::AlertmanagerApi);
        }
        let alertname = obj.get("labels").and_then(|l| l.get("alertname")).is_some();
        if alertname || has("startsAt") || has("generatorURL") {
            return Some(grafana_or_am(grafana::is_grafana_alert(obj)));
        }
    }
    if (has("event_name") || has("trigger_name")) && zabbix::MACRO_KEYS.iter().any(|k| has(k)) {
        return Some(Source::Zabbix);
    }
    if zabbix::is_minimal(obj) {
        return Some(Source::Zabbix);
    }
    if (has("title") || has("alert_title")) && datadog::MARKER_KEYS.iter().any(|k| has(k)) {
        return Some(Source::Datadog);
    }
    // A `title` of any type is a generic alert: its parser says what is wrong with it.
    if has("title") {
        return Some(Source::Generic);
    }
    None
}

/// `keys seen: a, b, c, … (12 in all)`, neutralised and short.
fn keys_seen(obj: &Map<String, Value>) -> String {
    const SHOWN: usize = 8;
    if obj.is_empty() {
        return "an empty JSON object; a generic alert needs at least a \"title\"".into();
    }
    let mut keys: Vec<String> = obj
        .keys()
        .take(SHOWN)
        .map(|k| neutralize_line(&truncate_chars(k, 32)))
        .collect();
    if obj.len() > SHOWN {
        keys.push(format!("… {} keys in all", obj.len()));
    }
    format!(
        "keys seen: {}; a generic alert needs at least a \"title\"",
        keys.join(", ")
    )
}
