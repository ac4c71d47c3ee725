//! A hand-typed alert: `{"title": …}` with optional `severity`, `host`, `description`, `status`,
//! `starts_at`, `url` (or `link`), `fingerprint` and `labels`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{add_flat_labels, add_labels, host_value, rfc3339, scalar_text, severity_word};
use super::{Alert, AlertError, Source, Status};

/// Keys the generic format reads; any other top-level key becomes a label.
const KNOWN: &[&str] = &[
    "title",
    "severity",
    "host",
    "description",
    "status",
    "starts_at",
    "url",
    "link",
    "fingerprint",
    "labels",
];

/// A generic alert; only `title` (a non-blank string) is required. `status` may be
/// `firing`/`resolved`/`suppressed` (also `ok` → resolved); anything else or none is firing.
pub(super) fn parse(obj: &Map<String, Value>, raw: Value, at: &str) -> Result<Alert, AlertError> {
    let get = |k: &str| obj.get(k).and_then(scalar_text);
    let title = obj
        .get("title")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AlertError::Invalid {
            at: at.to_string(),
            format: Source::Generic,
            message: "a generic alert needs a non-empty \"title\" string".into(),
        })?
        .to_string();
    let status = match get("status").map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("resolved" | "ok" | "recovered" | "closed") => Status::Resolved,
        Some("suppressed" | "silenced") => Status::Suppressed,
        _ => Status::Firing,
    };
    let mut labels = BTreeMap::new();
    add_labels(
        &mut labels,
        "",
        obj.get("labels").and_then(Value::as_object),
    );
    add_flat_labels(&mut labels, Some(obj), KNOWN);
    Ok(Alert {
        source: Source::Generic,
        title,
        severity: severity_word(get("severity")),
        status,
        host: host_value(get("host")),
        description: get("description"),
        starts_at: obj
            .get("starts_at")
            .and_then(Value::as_str)
            .and_then(rfc3339),
        url: get("url").or_else(|| get("link")),
        labels,
        fingerprint: get("fingerprint"),
        raw,
    })
}
