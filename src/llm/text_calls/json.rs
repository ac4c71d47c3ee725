//! JSON values one after another in a span, found with serde_json's streaming deserializer
//! (which says where each value ends); `;` and `,` between values are skipped.

use serde_json::Value;

/// The values at the start of `text` and the byte offset just past the last one. Stops at the
/// first thing that is not the start of a JSON value; a value that starts but does not parse
/// is returned as an error and ends the run.
pub(crate) fn values_at(text: &str) -> (Vec<Result<Value, String>>, usize) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = &text[pos..];
        let skipped = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_whitespace() || c == ';' || c == ',')
                .len();
        let start = pos + skipped;
        if !text[start..].starts_with(['{', '[']) {
            return (out, pos);
        }
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                pos = start + stream.byte_offset();
                out.push(Ok(value));
            }
            Some(Err(err)) => {
                out.push(Err(if err.is_eof() {
                    "the JSON is incomplete".to_string()
                } else {
                    format!("the JSON does not parse ({err})")
                }));
                return (out, text.len());
            }
            None => return (out, pos),
        }
    }
}

/// The single value at the start of `text` and the offset just past it.
pub(crate) fn value_at(text: &str) -> Option<(Result<Value, String>, usize)> {
    let lead = text.len() - text.trim_start().len();
    let body = &text[lead..];
    if !body.starts_with(['{', '[']) {
        return None;
    }
    let mut stream = serde_json::Deserializer::from_str(body).into_iter::<Value>();
    match stream.next()? {
        Ok(value) => Some((Ok(value), lead + stream.byte_offset())),
        Err(err) if err.is_eof() => Some((Err("the JSON is incomplete".into()), text.len())),
        Err(err) => Some((Err(format!("the JSON does not parse ({err})")), text.len())),
    }
}
