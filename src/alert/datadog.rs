//! Datadog webhooks: the default payload and custom `$VARIABLE` payloads (all-string values).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    add_flat_labels, epoch_rfc3339, host_value, scalar_text, severity_word, why_no_text_in,
};
use super::{Alert, AlertError, RawJson, Source, Status};

/// Keys only Datadog payloads carry; one of them (besides a title) identifies the format.
pub(super) const MARKER_KEYS: &[&str] = &[
    "alert_transition",
    "alert_type",
    "alert_id",
    "alert_priority",
    "alert_metric",
    "alert_scope",
    "alert_query",
    "alert_cycle_key",
    "aggreg_key",
    "last_updated",
];

/// Transition words Datadog puts in `[...]` in front of an event title.
const TITLE_PREFIXES: &[&str] = &[
    "triggered",
    "recovered",
    "warn",
    "re-triggered",
    "re-warn",
    "no data",
    "renotify",
];

/// One monitor notification.
pub(super) fn parse(obj: &Map<String, Value>, raw: RawJson, at: &str) -> Result<Alert, AlertError> {
    let get = |k: &str| obj.get(k).and_then(scalar_text);
    let full_title =
        get("title")
            .or_else(|| get("alert_title"))
            .ok_or_else(|| AlertError::Invalid {
                at: at.to_string(),
                format: Source::Datadog,
                message: format!(
                    "{} ($EVENT_TITLE)",
                    why_no_text_in(obj, &[&["title"], &["alert_title"]], false)
                ),
            })?;
    let transition = get("alert_transition")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let recovered = transition.contains("recovered")
        || (transition.is_empty()
            && (full_title.to_ascii_lowercase().starts_with("[recovered")
                || get("alert_type").is_some_and(|t| t.eq_ignore_ascii_case("success"))));
    let status = if recovered {
        Status::Resolved
    } else {
        Status::Firing
    };
    let mut labels = BTreeMap::new();
    add_flat_labels(&mut labels, Some(obj), &["title", "body"]);
    Ok(Alert {
        source: Source::Datadog,
        title: strip_title_prefix(&full_title),
        severity: severity_word(
            get("alert_type")
                .or_else(|| get("alert_priority"))
                .or_else(|| get("priority")),
        ),
        status,
        host: host_value(get("host").or_else(|| host_tag(obj.get("tags")))),
        description: get("body")
            .map(|b| strip_markers(&b))
            .filter(|b| !b.is_empty()),
        starts_at: obj.get("date").and_then(epoch_rfc3339),
        url: get("link"),
        labels,
        fingerprint: get("aggreg_key").or_else(|| get("alert_cycle_key")),
        raw,
    })
}

/// `[P2] [Triggered on {host:x}] Load high` → `Load high`; other titles unchanged.
fn strip_title_prefix(title: &str) -> String {
    let mut rest = title.trim();
    while let Some(inner) = rest.strip_prefix('[') {
        let Some((bracket, after)) = inner.split_once(']') else {
            break;
        };
        let b = bracket.to_ascii_lowercase();
        let is_priority =
            b.len() == 2 && b.starts_with('p') && b[1..].bytes().all(|c| c.is_ascii_digit());
        if !(is_priority || TITLE_PREFIXES.iter().any(|p| b.starts_with(p))) {
            break;
        }
        rest = after.trim_start();
    }
    if rest.is_empty() {
        title.trim().to_string()
    } else {
        rest.to_string()
    }
}

/// The markdown body without Datadog's `%%%` wrapper lines.
fn strip_markers(body: &str) -> String {
    let body = body.trim();
    let body = body.strip_prefix("%%%").unwrap_or(body);
    let body = body.strip_suffix("%%%").unwrap_or(body);
    body.trim().to_string()
}

/// The value of a `host:` tag in a comma-separated string or a list of tags.
fn host_tag(tags: Option<&Value>) -> Option<String> {
    let find = |t: &str| t.trim().strip_prefix("host:").map(str::to_string);
    match tags? {
        Value::String(s) => s.split(',').find_map(find),
        Value::Array(items) => items.iter().filter_map(Value::as_str).find_map(find),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_prefixes() {
        assert_eq!(
            strip_title_prefix("[P2] [Triggered on {host:a}] Load high"),
            "Load high"
        );
        assert_eq!(strip_title_prefix("[Recovered] Disk"), "Disk");
        assert_eq!(strip_title_prefix("[prod] Disk"), "[prod] Disk");
        assert_eq!(strip_title_prefix("[Triggered]"), "[Triggered]");
        assert_eq!(strip_title_prefix("[Warn unclosed"), "[Warn unclosed");
    }
}
