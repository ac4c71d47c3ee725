//! Qwen / Hermes: `<tool_call>{"name": …, "arguments": …}</tool_call>`, sometimes with a
//! ```json fence inside the tags or the closing tag missing at the end of the turn.

use std::ops::Range;

use super::{Candidate, TextFormat, json, scan};

const OPEN: &str = "<tool_call>";
const CLOSE: &str = "</tool_call>";

pub(crate) fn find(
    text: &str,
    hidden: &dyn Fn(usize) -> bool,
    out: &mut Vec<Candidate>,
    covered: &mut Vec<Range<usize>>,
) {
    for at in scan::markers(text, OPEN, hidden) {
        let body_start = at + OPEN.len();
        let rest = &text[body_start..];
        let body_len = [rest.find(CLOSE), rest.find(OPEN)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let end = if rest[body_len..].starts_with(CLOSE) {
            body_start + body_len + CLOSE.len()
        } else {
            body_start + body_len
        };
        covered.push(at..end);
        let body = strip_fence(&rest[..body_len]);
        let (values, _) = json::values_at(body);
        if values.is_empty() {
            out.push(Candidate {
                at,
                format: TextFormat::Hermes,
                value: Err("there is no JSON object after <tool_call>".into()),
                explicit: true,
            });
        }
        for value in values {
            out.push(Candidate {
                at,
                format: TextFormat::Hermes,
                value,
                explicit: true,
            });
        }
    }
}

/// The body without a ```json … ``` wrapper some models put inside the tags.
fn strip_fence(body: &str) -> &str {
    let trimmed = body.trim();
    let Some(inner) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let inner = inner.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    inner.strip_suffix("```").unwrap_or(inner).trim()
}
