//! A hand-typed alert: `{"title": …}` with optional `severity`, `host`, `description`, `status`,
//! `starts_at`, `url` (or `link`), `fingerprint` and `labels`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{
    add_flat_labels, add_labels, host_value, kind, optional_object, optional_text, rfc3339,
    severity_word, why_no_text_in,
};
use super::{Alert, AlertError, RawJson, Source, Status};

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
pub(super) fn parse(obj: &Map<String, Value>, raw: RawJson, at: &str) -> Result<Alert, AlertError> {
    let invalid = |message: String| AlertError::Invalid {
        at: at.to_string(),
        format: Source::Generic,
        message,
    };
    let title = obj
        .get("title")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid(why_no_text_in(obj, &[&["title"]], true)))?
        .to_string();
    // Every other field the format reads has a type too: say which one is wrong and how.
    let get = |k: &str| optional_text(obj, k).map_err(&invalid);
    let (severity, host, description) = (get("severity")?, get("host")?, get("description")?);
    let (url, link, fingerprint) = (get("url")?, get("link")?, get("fingerprint")?);
    let starts_at = match obj.get("starts_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => rfc3339(s),
        Some(other) => {
            return Err(invalid(format!(
                "`starts_at` must be an RFC 3339 time string, got {}",
                kind(other)
            )));
        }
    };
    let status = match get("status")?.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("resolved" | "ok" | "recovered" | "closed") => Status::Resolved,
        Some("suppressed" | "silenced") => Status::Suppressed,
        _ => Status::Firing,
    };
    let mut labels = BTreeMap::new();
    add_labels(
        &mut labels,
        "",
        optional_object(obj, "labels").map_err(&invalid)?,
    );
    add_flat_labels(&mut labels, Some(obj), KNOWN);
    Ok(Alert {
        source: Source::Generic,
        title,
        severity: severity_word(severity),
        status,
        host: host_value(host),
        description,
        starts_at,
        url: url.or(link),
        labels,
        fingerprint,
        raw,
    })
}
