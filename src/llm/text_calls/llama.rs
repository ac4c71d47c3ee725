//! Llama 3.x: `<|python_tag|>{"name": …, "parameters": …}` (several separated by `;`), and
//! the bare `{"name": …, "parameters": …}` the 3.2 models print on its own line(s).

use std::ops::Range;

use super::scan::{self, Fence};
use super::{Candidate, TextFormat, json};

const PYTHON_TAG: &str = "<|python_tag|>";

pub(crate) fn find_python_tag(
    text: &str,
    hidden: &dyn Fn(usize) -> bool,
    out: &mut Vec<Candidate>,
    covered: &mut Vec<Range<usize>>,
) {
    for at in scan::markers(text, PYTHON_TAG, hidden) {
        if covered.iter().any(|r| r.contains(&at)) {
            continue;
        }
        let body_start = at + PYTHON_TAG.len();
        let rest = &text[body_start..];
        let (values, used) = json::values_at(rest);
        if values.is_empty() {
            let line_end = rest.find('\n').unwrap_or(rest.len());
            covered.push(at..body_start + line_end);
            if scan::opens_mid_sentence(text, at) {
                continue;
            }
            out.push(Candidate {
                at,
                format: TextFormat::PythonTag,
                value: Err("what follows <|python_tag|> is not a JSON call".into()),
                explicit: true,
            });
            continue;
        }
        covered.push(at..body_start + used);
        if scan::in_sentence(text, at, body_start + used) {
            continue;
        }
        for value in values {
            out.push(Candidate {
                at,
                format: TextFormat::PythonTag,
                value,
                explicit: true,
            });
        }
    }
}

/// Objects that open a line (outside every fence and marker span) and close it: nothing but
/// whitespace or `;` may follow on the closing line, so JSON quoted mid-sentence is not taken.
pub(crate) fn find_bare(
    text: &str,
    fences: &[Fence],
    out: &mut Vec<Candidate>,
    covered: &[Range<usize>],
) {
    let mut skip_to = 0usize;
    for (line_at, line) in scan::lines(text) {
        let lead = line.len() - line.trim_start().len();
        let at = line_at + lead;
        if at < skip_to
            || !line[lead..].starts_with('{')
            || scan::in_block_quote(text, at)
            || fences.iter().any(|f| f.whole.contains(&at))
            || covered.iter().any(|r| r.contains(&at))
        {
            continue;
        }
        let (values, used) = json::values_at(&text[at..]);
        if values.is_empty() {
            continue;
        }
        let end = at + used;
        let tail_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let own_line = text[end..tail_end]
            .trim_matches(|c: char| c.is_whitespace() || c == ';')
            .is_empty();
        let parsed = values.iter().all(Result::is_ok);
        if parsed && !own_line {
            continue;
        }
        let mentions_name = text[at..end].contains("\"name\"");
        skip_to = end;
        for value in values {
            out.push(Candidate {
                at,
                format: TextFormat::BareJson,
                explicit: value.is_err() && mentions_name,
                value,
            });
        }
    }
}
