//! Zabbix webhook media types: the macro-per-parameter layout (`event_name`, `host_name`…) and
//! the minimal 6-key layout (`hostname`, `severity`, `status`, `item`, `trigger`, `link`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{add_flat_labels, host_value, scalar_text, severity_word, why_no_text_in};
use super::{Alert, AlertError, RawJson, Source, Status};

/// Keys of the macro layout that, with a title key, identify it.
pub(super) const MACRO_KEYS: &[&str] = &[
    "event_status",
    "event_severity",
    "event_nseverity",
    "event_value",
    "event_id",
    "event_date",
    "host_name",
    "host_host",
    "trigger_id",
];

/// True for the minimal layout: a `trigger` text plus `hostname` or `status`.
pub(super) fn is_minimal(obj: &Map<String, Value>) -> bool {
    obj.get("trigger").is_some_and(Value::is_string)
        && (obj.contains_key("hostname") || obj.contains_key("status"))
}

/// Either layout. Zabbix dates carry no zone, so `starts_at` is always None; every field
/// (including `event_date`/`event_time`) is kept in `labels`.
pub(super) fn parse(obj: &Map<String, Value>, raw: RawJson, at: &str) -> Result<Alert, AlertError> {
    let get = |k: &str| obj.get(k).and_then(scalar_text);
    let minimal = !obj.contains_key("event_name")
        && !obj.contains_key("trigger_name")
        && obj.contains_key("trigger");
    let title = if minimal {
        get("trigger")
    } else {
        get("event_name").or_else(|| get("trigger_name"))
    }
    .ok_or_else(|| AlertError::Invalid {
        at: at.to_string(),
        format: Source::Zabbix,
        message: if minimal {
            why_no_text_in(obj, &[&["trigger"]], false)
        } else {
            why_no_text_in(obj, &[&["event_name"], &["trigger_name"]], false)
        },
    })?;
    let status_word = get("event_status")
        .or_else(|| get("status"))
        .unwrap_or_default();
    let status = match status_word.to_ascii_uppercase().as_str() {
        "RESOLVED" | "OK" => Status::Resolved,
        "" if get("event_value").as_deref() == Some("0") => Status::Resolved,
        _ => Status::Firing,
    };
    let mut labels = BTreeMap::new();
    add_flat_labels(&mut labels, Some(obj), &[]);
    let alert = if minimal {
        let link = get("link");
        Alert {
            source: Source::Zabbix,
            title,
            severity: severity_word(get("severity")),
            status,
            host: host_value(get("hostname")),
            description: get("item"),
            starts_at: None,
            fingerprint: link.as_deref().and_then(event_id_in_link),
            url: link,
            labels,
            raw,
        }
    } else {
        Alert {
            source: Source::Zabbix,
            title,
            severity: severity_word(
                get("event_severity")
                    .or_else(|| get("trigger_severity"))
                    .or_else(|| get("event_nseverity").and_then(|n| severity_name(&n))),
            ),
            status,
            host: host_value(
                get("host_name")
                    .or_else(|| get("host_host"))
                    .or_else(|| get("host_ip")),
            ),
            description: macro_description(obj),
            starts_at: None,
            url: get("event_url").or_else(|| get("zabbix_url")),
            labels,
            fingerprint: get("event_id"),
            raw,
        }
    };
    Ok(alert)
}

fn severity_name(n: &str) -> Option<String> {
    let name = match n.trim() {
        "0" => "not classified",
        "1" => "information",
        "2" => "warning",
        "3" => "average",
        "4" => "high",
        "5" => "disaster",
        _ => return None,
    };
    Some(name.to_string())
}

/// `trigger_description`, then `Item: name = value` and `Operational data: …` lines.
fn macro_description(obj: &Map<String, Value>) -> Option<String> {
    let get = |k: &str| obj.get(k).and_then(scalar_text);
    let mut lines = Vec::new();
    if let Some(d) = get("trigger_description") {
        lines.push(d);
    }
    match (get("item_name"), get("item_value")) {
        (Some(name), Some(value)) => lines.push(format!("Item: {name} = {value}")),
        (Some(name), None) => lines.push(format!("Item: {name}")),
        (None, Some(value)) => lines.push(format!("Item value: {value}")),
        (None, None) => {}
    }
    if let Some(op) = get("event_opdata") {
        lines.push(format!("Operational data: {op}"));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The `eventid` query parameter of a `tr_events.php` link.
fn event_id_in_link(link: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    query
        .split(['&', '#'])
        .find_map(|kv| kv.strip_prefix("eventid="))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}
