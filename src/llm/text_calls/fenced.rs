//! Fenced ```json (or unlabelled) blocks holding a call object or an array of calls. A block
//! that holds an explicit marker is left to that marker's format.

use std::ops::Range;

use super::scan::Fence;
use super::{Candidate, TextFormat, json};

pub(crate) fn find(
    text: &str,
    fences: &[Fence],
    out: &mut Vec<Candidate>,
    covered: &mut Vec<Range<usize>>,
) {
    for fence in fences.iter().filter(|f| f.holds_calls()) {
        if covered
            .iter()
            .any(|r| r.start < fence.whole.end && fence.whole.start < r.end)
        {
            continue;
        }
        let body = &text[fence.body.clone()];
        let (values, _) = json::values_at(body);
        let mentions_name = body.contains("\"name\"");
        covered.push(fence.whole.clone());
        for value in values {
            out.push(Candidate {
                at: fence.whole.start,
                format: TextFormat::Fenced,
                explicit: value.is_err() && mentions_name,
                value,
            });
        }
    }
}
