//! Mistral: `[TOOL_CALLS][{"name": …, "arguments": …}, …]` (v3) and
//! `[TOOL_CALLS]name[ARGS]{…}` (v11 tokenizer).

use std::ops::Range;

use serde_json::{Value, json as json_value};

use super::{Candidate, TextFormat, json, scan};

const MARKER: &str = "[TOOL_CALLS]";
const ARGS: &str = "[ARGS]";

pub(crate) fn find(
    text: &str,
    hidden: &dyn Fn(usize) -> bool,
    out: &mut Vec<Candidate>,
    covered: &mut Vec<Range<usize>>,
) {
    for at in scan::markers(text, MARKER, hidden) {
        if covered.iter().any(|r| r.contains(&at)) {
            continue;
        }
        let body_start = at + MARKER.len();
        let rest = &text[body_start..];
        let (values, used) = json::values_at(rest);
        if !values.is_empty() {
            covered.push(at..body_start + used);
            if scan::in_sentence(text, at, body_start + used) {
                continue;
            }
            for value in values {
                out.push(Candidate {
                    at,
                    format: TextFormat::Mistral,
                    value,
                    explicit: true,
                });
            }
            continue;
        }
        let trimmed = rest.trim_start();
        let lead = rest.len() - trimmed.len();
        let name_len = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(trimmed.len());
        let after_name = &trimmed[name_len..];
        let value = match after_name.strip_prefix(ARGS) {
            Some(args) if name_len > 0 => match json::value_at(args) {
                Some((Ok(arguments), used)) => {
                    let end = body_start + lead + name_len + ARGS.len() + used;
                    covered.push(at..end);
                    if scan::in_sentence(text, at, end) {
                        continue;
                    }
                    Ok(json_value!({"name": &trimmed[..name_len], "arguments": arguments}))
                }
                Some((Err(err), _)) => Err(err),
                None => Err("[ARGS] is not followed by a JSON object".into()),
            },
            _ => Err("[TOOL_CALLS] is not followed by a JSON call".into()),
        };
        if value.is_err() {
            covered.push(at..text.len());
            if scan::opens_mid_sentence(text, at) {
                continue;
            }
        }
        out.push(Candidate {
            at,
            format: TextFormat::Mistral,
            value: value.map(|v: Value| v),
            explicit: true,
        });
    }
}
