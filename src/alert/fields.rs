//! Helpers shared by the format parsers: field lookup, stringifying, `:port` stripping,
//! timestamps (RFC 3339 and epochs), and hostname spotting in free text.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// `s` cut to at most `max` characters, with `…` when cut.
pub(super) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Follow `path` through nested objects.
pub(super) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.as_object()?.get(*key))
}

/// A non-blank scalar at `path` as text (numbers accepted), trimmed.
pub(super) fn text(v: &Value, path: &[&str]) -> Option<String> {
    scalar_text(get(v, path)?)
}

/// A string (trimmed, non-blank) or number as text.
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// Any JSON value as a label value: strings literally, scalars printed, arrays of strings
/// joined with `,`, other structures as compact JSON. `null` has no value.
pub(super) fn stringify(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => serde_json::to_string(other).ok(),
    }
}

/// Add every non-null entry of `obj` to `labels` as `prefix + key`, keeping existing keys.
pub(super) fn add_labels(
    labels: &mut BTreeMap<String, String>,
    prefix: &str,
    obj: Option<&Map<String, Value>>,
) {
    for (k, v) in obj.into_iter().flatten() {
        if let Some(s) = stringify(v) {
            labels.entry(format!("{prefix}{k}")).or_insert(s);
        }
    }
}

/// Like [`add_labels`] but one level of nested objects is flattened as `outer.inner`, and
/// the keys in `skip` are left out.
pub(super) fn add_flat_labels(
    labels: &mut BTreeMap<String, String>,
    obj: Option<&Map<String, Value>>,
    skip: &[&str],
) {
    for (k, v) in obj.into_iter().flatten() {
        if skip.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Object(inner) => add_labels(labels, &format!("{k}."), Some(inner)),
            other => {
                if let Some(s) = stringify(other) {
                    labels.entry(k.clone()).or_insert(s);
                }
            }
        }
    }
}

/// Lower-cased, trimmed severity word; blank becomes None.
pub(super) fn severity_word(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

/// The host part of `host:port`, `[v6]:port`, `[v6]` or `scheme://host:port/path`.
/// A bare IPv6 address (several colons, no brackets) is returned unchanged.
pub(super) fn strip_port(s: &str) -> String {
    let s = s.trim();
    let s = match s.split_once("://") {
        Some((scheme, rest)) if !scheme.is_empty() && scheme.chars().all(char::is_alphanumeric) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            authority.rsplit_once('@').map_or(authority, |(_, h)| h)
        }
        _ => s,
    };
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((inside, after)) = rest.split_once(']')
            && (after.is_empty() || is_port_suffix(after))
        {
            return inside.to_string();
        }
        return s.to_string();
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && !host.is_empty() && is_digits(port) => {
            host.to_string()
        }
        _ => s.to_string(),
    }
}

fn is_port_suffix(s: &str) -> bool {
    s.strip_prefix(':').is_some_and(is_digits)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A host value (trimmed, port stripped) or None when blank.
pub(super) fn host_value(s: Option<String>) -> Option<String> {
    s.map(|s| strip_port(&s)).filter(|s| !s.is_empty())
}

/// An RFC 3339 timestamp, re-printed in canonical form; Go's zero time and junk are None.
pub(super) fn rfc3339(s: &str) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    if t.timestamp() <= -62_135_596_800 {
        return None;
    }
    Some(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// An epoch (number or numeric string) as RFC 3339 UTC. The unit is guessed from magnitude:
/// seconds below 10^11, milliseconds below 10^14, microseconds below 10^17, else nanoseconds.
pub(super) fn epoch_rfc3339(v: &Value) -> Option<String> {
    let n: i128 = match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if n <= 0 {
        return None;
    }
    let nanos = if n < 100_000_000_000 {
        n * 1_000_000_000
    } else if n < 100_000_000_000_000 {
        n * 1_000_000
    } else if n < 100_000_000_000_000_000 {
        n * 1_000
    } else {
        n
    };
    let nanos = i64::try_from(nanos).ok()?;
    Some(DateTime::<Utc>::from_timestamp_nanos(nanos).to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The first token in `text` that looks like a DNS name with a domain or an IPv4 address,
/// `:port` stripped. Words like `postfix.service` or `app.log` are not hosts.
pub(super) fn hostname_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || "()[]{}<>\"'`,;=|".contains(c))
        .map(|t| t.trim_matches(|c: char| matches!(c, ':' | '.' | '!' | '?')))
        .find(|t| looks_like_host(t))
        .map(strip_port)
}

const NOT_TLDS: &[&str] = &[
    "service", "socket", "timer", "mount", "target", "slice", "scope", "path", "device", "log",
    "conf", "cfg", "json", "yaml", "yml", "toml", "xml", "txt", "sh", "py", "js", "rs", "go", "rb",
    "pl", "php", "jar", "war", "so", "pid", "lock", "sock", "tmp", "bak", "gz", "tar", "zip",
    "html", "htm", "md", "csv", "ini", "d", "exe", "dll",
];

fn looks_like_host(token: &str) -> bool {
    let host = match token.rsplit_once(':') {
        Some((h, p)) if is_digits(p) => h,
        Some(_) => return false,
        None => token,
    };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    if labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok()) {
        return true;
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && !NOT_TLDS.contains(&tld.as_str())
}

/// What a JSON value is, for "must be …, got …" messages.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Why none of `candidates` (paths into `root`, tried in order) holds a usable text: the first
/// one present is named with what it must be and what it is (`` `title` must be a string, got
/// a number ``, `` `title` is empty ``); when none is present, they are all named as missing.
/// `strings_only`: numbers and booleans are not text for this field. `prefix` is where `root`
/// sits in the payload (`event.data.`), for the names.
pub(super) fn why_no_text(
    root: &Value,
    prefix: &str,
    candidates: &[&[&str]],
    strings_only: bool,
) -> String {
    for path in candidates {
        let name = format!("{prefix}{}", path.join("."));
        match get(root, path) {
            None | Some(Value::Null) => continue,
            Some(Value::String(_)) => return format!("`{name}` is empty"),
            Some(Value::Number(_) | Value::Bool(_)) if !strings_only => {
                return format!("`{name}` is empty");
            }
            Some(other) => return format!("`{name}` must be a string, got {}", kind(other)),
        }
    }
    let names: Vec<String> = candidates
        .iter()
        .map(|p| format!("`{prefix}{}`", p.join(".")))
        .collect();
    format!("{} is missing", names.join(" or "))
}

/// [`why_no_text`] over an object's own keys.
pub(super) fn why_no_text_in(
    obj: &Map<String, Value>,
    candidates: &[&[&str]],
    strings_only: bool,
) -> String {
    why_no_text(&Value::Object(obj.clone()), "", candidates, strings_only)
}

/// An optional field that must be text when present (a string; numbers and booleans are
/// printed): `` `host` must be a string, got an object `` otherwise.
pub(super) fn optional_text(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Ok(scalar_text(v)),
        Some(other) => Err(format!("`{key}` must be a string, got {}", kind(other))),
    }
}

/// An optional field that must be an object when present.
pub(super) fn optional_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(format!("`{key}` must be an object, got {}", kind(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_are_stripped_carefully() {
        assert_eq!(strip_port("web01.example.com:9100"), "web01.example.com");
        assert_eq!(strip_port("10.0.0.5:9100"), "10.0.0.5");
        assert_eq!(strip_port("[::1]:9100"), "::1");
        assert_eq!(strip_port("[fe80::1]"), "fe80::1");
        assert_eq!(strip_port("fe80::1:9100"), "fe80::1:9100");
        assert_eq!(strip_port("web01"), "web01");
        assert_eq!(strip_port("web01:http"), "web01:http");
        assert_eq!(
            strip_port("https://api.example.com:8443/healthz"),
            "api.example.com"
        );
        assert_eq!(strip_port("web01; rm -rf /"), "web01; rm -rf /");
        assert_eq!(strip_port("[::1"), "[::1");
    }

    #[test]
    fn epochs_by_magnitude() {
        let want = Some("2025-03-13T11:45:02Z".to_string());
        assert_eq!(epoch_rfc3339(&json!("1741866302000")), want);
        assert_eq!(epoch_rfc3339(&json!(1741866302)), want);
        assert_eq!(epoch_rfc3339(&json!(1741866302000000000u64)), want);
        assert_eq!(
            epoch_rfc3339(&json!(1741835575201u64)).as_deref(),
            Some("2025-03-13T03:12:55.201Z")
        );
        assert_eq!(epoch_rfc3339(&json!("soon")), None);
        assert_eq!(epoch_rfc3339(&json!(-5)), None);
        assert_eq!(epoch_rfc3339(&json!("99999999999999999999999999")), None);
    }

    #[test]
    fn rfc3339_keeps_offsets_and_drops_zero_time() {
        assert_eq!(
            rfc3339("2025-03-12T14:03:10.227+01:00").as_deref(),
            Some("2025-03-12T14:03:10.227+01:00")
        );
        assert_eq!(rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339("2025.03.13 16:22:08"), None);
    }

    #[test]
    fn hostnames_in_titles() {
        assert_eq!(
            hostname_in("[FIRING:1] PostgresReplicationLag pg-replica-02.example.com: lag 412s")
                .as_deref(),
            Some("pg-replica-02.example.com")
        );
        assert_eq!(
            hostname_in("postfix.service failed after v1.2 upgrade"),
            None
        );
        assert_eq!(
            hostname_in("ping to 10.1.2.3:22 lost").as_deref(),
            Some("10.1.2.3")
        );
        assert_eq!(hostname_in("Disk full. Please check."), None);
    }
}
