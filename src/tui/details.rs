//! The alert details overlay (`d`): title line, every label and annotation, the links the
//! source gave (runbook, generator, dashboard, panel, silence), and the raw payload
//! pretty-printed. Read from the alert the session logged; nothing is fetched.

use serde_json::Value;

use crate::alert::Alert;

use super::views::{TextView, Tone};

/// Keys whose string values are links worth listing, compared without case, `_` or `-`.
const LINK_KEYS: [&str; 10] = [
    "runbookurl",
    "runbook",
    "generatorurl",
    "dashboardurl",
    "panelurl",
    "silenceurl",
    "externalurl",
    "htmlurl",
    "grafanaurl",
    "imageurl",
];

fn link_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    LINK_KEYS.contains(&k.as_str())
}

/// Every `annotations` object in the payload (the alert's own, then group-wide ones).
fn annotations(raw: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > 4 {
        return;
    }
    match raw {
        Value::Object(map) => {
            for (key, value) in map {
                let k = key.to_ascii_lowercase();
                if (k == "annotations" || k == "commonannotations")
                    && let Value::Object(fields) = value
                {
                    for (name, v) in fields {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        if !out.iter().any(|(n, t)| n == name && *t == text) {
                            out.push((name.clone(), text));
                        }
                    }
                } else {
                    annotations(value, depth + 1, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(50) {
                annotations(item, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Link-like fields anywhere in the payload (first 5 levels), as (key, url).
fn links(raw: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > 5 {
        return;
    }
    match raw {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(s) if link_key(key) && !s.trim().is_empty() => {
                        if !out.iter().any(|(_, u)| u == s) {
                            out.push((key.clone(), s.clone()));
                        }
                    }
                    other => links(other, depth + 1, out),
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(50) {
                links(item, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// The details view of `alert`.
pub fn view(alert: &Alert) -> TextView {
    let mut v = TextView::new(" Alert details · j/k PgUp/PgDn scroll · any other key closes ");
    v.push(Tone::Heading, alert.summary_line());
    v.push(
        Tone::Dim,
        format!(
            "source {} · status {} · severity {} · host {}",
            alert.source,
            alert.status.name(),
            alert.severity.as_deref().unwrap_or("-"),
            alert.host.as_deref().unwrap_or("-")
        ),
    );
    if let Some(at) = &alert.starts_at {
        v.push(Tone::Dim, format!("since {at}"));
    }
    if let Some(fp) = &alert.fingerprint {
        v.push(Tone::Dim, format!("fingerprint {fp}"));
    }
    if let Some(desc) = &alert.description {
        v.push(Tone::Plain, "");
        v.push(Tone::Heading, "Description");
        v.push_block(Tone::Plain, "  ", desc);
    }
    v.push(Tone::Plain, "");
    v.push(Tone::Heading, format!("Labels ({})", alert.labels.len()));
    let width = alert
        .labels
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in &alert.labels {
        v.push(Tone::Key, format!("  {key:<width$}  {value}"));
    }
    let raw = alert.raw.value();
    let mut notes = Vec::new();
    annotations(&raw, 0, &mut notes);
    v.push(Tone::Plain, "");
    v.push(Tone::Heading, format!("Annotations ({})", notes.len()));
    for (key, value) in &notes {
        let mut lines = value.split('\n');
        v.push(
            Tone::Key,
            format!("  {key}: {}", lines.next().unwrap_or("")),
        );
        for more in lines {
            v.push(Tone::Plain, format!("    {more}"));
        }
    }
    let mut found = Vec::new();
    if let Some(url) = &alert.url {
        found.push(("url".to_string(), url.clone()));
    }
    links(&raw, 0, &mut found);
    found.dedup_by(|a, b| a.1 == b.1);
    v.push(Tone::Plain, "");
    v.push(Tone::Heading, format!("Links ({})", found.len()));
    for (key, url) in &found {
        v.push(Tone::Link, format!("  {key}: {url}"));
    }
    v.push(Tone::Plain, "");
    v.push(Tone::Heading, "Raw payload");
    match serde_json::to_string_pretty(&raw) {
        Ok(text) => v.push_block(Tone::Dim, "  ", &text),
        Err(e) => v.push(Tone::Warn, format!("  cannot print the payload: {e}")),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_and_links_come_from_every_level_of_the_payload() {
        let raw = serde_json::json!({
            "externalURL": "http://am:9093",
            "commonAnnotations": {"summary": "disk full"},
            "alerts": [{
                "annotations": {"runbook_url": "https://runbooks/disk", "summary": "disk full"},
                "generatorURL": "http://prom/graph?g0.expr=x",
                "panelURL": "http://grafana/d/abc?viewPanel=2"
            }]
        });
        let mut notes = Vec::new();
        annotations(&raw, 0, &mut notes);
        assert!(
            notes.contains(&("summary".into(), "disk full".into())),
            "{notes:?}"
        );
        assert!(notes.iter().any(|(k, _)| k == "runbook_url"), "{notes:?}");
        assert_eq!(notes.iter().filter(|(k, _)| k == "summary").count(), 1);
        let mut found = Vec::new();
        links(&raw, 0, &mut found);
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        for want in ["externalURL", "runbook_url", "generatorURL", "panelURL"] {
            assert!(keys.contains(&want), "{want} missing from {keys:?}");
        }
    }
}
