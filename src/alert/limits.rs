//! From raw bytes to a JSON value, refusing oversize, non-UTF-8, too-deep, YAML and invalid input.

use serde_json::Value;

use super::{AlertError, MAX_DEPTH_CAP, ParseOptions};
use crate::text::neutralize_line;

/// Check size, encoding and nesting, then parse JSON. Nesting is checked by a flat scan
/// before serde_json runs, so no input can recurse deeper than the limit.
pub(super) fn decode(bytes: &[u8], opts: &ParseOptions) -> Result<Value, AlertError> {
    if bytes.len() > opts.max_bytes {
        return Err(AlertError::TooLarge {
            size: bytes.len() as u64,
            limit: opts.max_bytes,
            exact: true,
        });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| AlertError::NotUtf8 {
        offset: e.valid_up_to(),
        hint: utf8_hint(bytes),
    })?;
    if text.trim().is_empty() {
        return Err(AlertError::Empty);
    }
    let limit = opts.max_depth.clamp(1, MAX_DEPTH_CAP);
    check_depth(text.as_bytes(), limit)?;
    serde_json::from_str::<Value>(text).map_err(|e| json_error(text, &e))
}

fn utf8_hint(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        "; it looks like UTF-16, save it as UTF-8"
    } else if bytes.starts_with(b"\x1f\x8b") {
        "; it looks gzip-compressed"
    } else {
        ""
    }
}

/// Fail if arrays/objects nest deeper than `limit`. Brackets inside strings do not count.
fn check_depth(bytes: &[u8], limit: usize) -> Result<(), AlertError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(AlertError::TooDeep { limit, offset });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn json_error(text: &str, e: &serde_json::Error) -> AlertError {
    if let Some(yaml) = yaml_line(text) {
        return yaml;
    }
    let full = e.to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_string(),
        None => full,
    };
    let message = if e.line() == 1 && e.column() <= 1 && !starts_like_json(text) {
        format!("{message} (a payload must start with '{{' or '[')")
    } else {
        message
    };
    AlertError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn starts_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// If `text` (which is not JSON) is shaped like YAML, the error naming its first line.
fn yaml_line(text: &str) -> Option<AlertError> {
    if starts_like_json(text) {
        return None;
    }
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let trimmed = line.trim();
    let yamlish = trimmed == "---"
        || trimmed.starts_with("--- ")
        || trimmed.starts_with("%YAML")
        || trimmed.starts_with("- ")
        || is_mapping_key(trimmed);
    yamlish.then(|| AlertError::Yaml {
        line: index + 1,
        snippet: neutralize_line(&super::fields::truncate_chars(trimmed, 60)),
    })
}

/// `key: value` or `key:` where the key is a plain or quoted scalar.
fn is_mapping_key(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    let key = key.trim();
    let plain = !key.is_empty()
        && key.len() <= 80
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '/'));
    let quoted = key.len() >= 2
        && ((key.starts_with('"') && key.ends_with('"'))
            || (key.starts_with('\'') && key.ends_with('\'')));
    (plain || quoted) && (rest.is_empty() || rest.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_only_structure() {
        assert!(check_depth(br#"[[["[[[[[[[["]]]"#, 3).is_ok());
        assert!(check_depth(br#"{"a\"[[[[": [[1]]}"#, 3).is_ok());
        assert_eq!(
            check_depth(b"[[[[", 3),
            Err(AlertError::TooDeep {
                limit: 3,
                offset: 3
            })
        );
    }

    #[test]
    fn yaml_is_named() {
        assert!(matches!(
            yaml_line("alertname: HighCpu\nseverity: warning\n"),
            Some(AlertError::Yaml { line: 1, .. })
        ));
        assert!(matches!(
            yaml_line("# comment\n---\n"),
            Some(AlertError::Yaml { line: 2, .. })
        ));
        assert!(yaml_line("CPU is high on web01, please look").is_none());
        assert!(yaml_line("{\"a\": 1,}").is_none());
    }
}
