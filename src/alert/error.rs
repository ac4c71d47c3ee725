//! Why an alert payload was refused; every message is one line.

use super::Source;

/// A refused alert payload. `Display` is a single line safe to print (input is neutralised).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// No bytes, or only whitespace.
    #[error("empty input: no alert payload")]
    Empty,
    /// Bigger than `limits.max_alert_bytes`. `exact` is false when reading stopped at the limit.
    #[error(
        "payload is {}{size} bytes; the limit is {limit} (limits.max_alert_bytes)",
        if *exact { "" } else { "more than " }
    )]
    TooLarge {
        size: u64,
        limit: usize,
        exact: bool,
    },
    /// Not valid UTF-8.
    #[error("not UTF-8 (invalid byte at offset {offset}){hint}")]
    NotUtf8 { offset: usize, hint: &'static str },
    /// Arrays/objects nested deeper than the limit.
    #[error(
        "JSON nesting is deeper than the limit of {limit} levels (at byte offset {offset}); no alert format nests that deep"
    )]
    TooDeep { limit: usize, offset: usize },
    /// Not JSON, but shaped like YAML.
    #[error("looks like YAML, not JSON (line {line}: {snippet}); convert it to JSON first")]
    Yaml { line: usize, snippet: String },
    /// Not JSON.
    #[error("invalid JSON at line {line} column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON in no known format.
    #[error("{at}unrecognized alert format ({detail})")]
    Unrecognized { at: String, detail: String },
    /// A payload of a known format that holds no alert (an empty array or `alerts` list).
    #[error("{at}no alerts in the payload ({detail})")]
    NoAlerts { at: String, detail: String },
    /// A payload forced or detected as `format` that lacks what that format needs.
    #[error("{at}not a valid {format} alert: {message}")]
    Invalid {
        at: String,
        format: Source,
        message: String,
    },
}
