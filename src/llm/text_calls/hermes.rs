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
        if covered.iter().any(|r| r.contains(&at)) {
            continue;
        }
        let body_start = at + OPEN.len();
        let json_start = body_start + fence_open_len(&text[body_start..]);
        // The JSON decides where the call ends, so a closing tag quoted inside a string
        // argument does not cut it short.
        let (values, used) = json::values_at(&text[json_start..]);
        let mut end = json_start + used;
        if values.is_empty() {
            end = text[body_start..]
                .find(CLOSE)
                .map_or(text.len(), |i| body_start + i + CLOSE.len());
        } else {
            let tail = &text[end..];
            let after_fence = tail
                .trim_start()
                .strip_prefix("```")
                .unwrap_or(tail.trim_start());
            let after_ws = after_fence.trim_start();
            if let Some(rest) = after_ws.strip_prefix(CLOSE) {
                end = text.len() - rest.len();
            }
        }
        covered.push(at..end);
        if scan::in_sentence(text, at, end) {
            continue;
        }
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

/// The length of a ```json line some models put right inside the tags (0 when there is none).
fn fence_open_len(body: &str) -> usize {
    let trimmed = body.trim_start();
    let lead = body.len() - trimmed.len();
    match trimmed.strip_prefix("```") {
        Some(inner) => {
            let lang = inner.len()
                - inner
                    .trim_start_matches(|c: char| c.is_ascii_alphanumeric())
                    .len();
            lead + 3 + lang
        }
        None => 0,
    }
}
