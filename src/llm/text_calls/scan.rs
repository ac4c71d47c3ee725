//! The candidate spans in an assistant text: fenced blocks (only ```json or unlabelled ones
//! count; another language hides what it holds), the explicit markers of each format, and bare
//! JSON objects standing on their own lines. A marker quoted in inline code or inside a
//! sentence is not a call.

use std::ops::Range;

use super::{Candidate, fenced, hermes, llama, mistral};

/// A fenced code block.
pub(crate) struct Fence {
    /// From the opening fence line to the end of the closing one.
    pub whole: Range<usize>,
    pub body: Range<usize>,
    /// The info string, lower-cased (`json`, `bash`, empty…).
    pub lang: String,
}

impl Fence {
    /// Whether the block may hold a call: JSON or no language at all.
    pub fn holds_calls(&self) -> bool {
        matches!(
            self.lang.as_str(),
            "" | "json" | "jsonc" | "json5" | "tool_call" | "tool_code"
        )
    }
}

/// Every candidate in `text`, in no particular order.
pub(crate) fn candidates(text: &str) -> Vec<Candidate> {
    let fences = fences(text);
    let hidden = |pos: usize| {
        fences
            .iter()
            .any(|f| !f.holds_calls() && f.whole.contains(&pos))
            || in_inline_code(text, pos)
            || in_block_quote(text, pos)
    };
    let mut out = Vec::new();
    let mut covered: Vec<Range<usize>> = Vec::new();
    hermes::find(text, &hidden, &mut out, &mut covered);
    llama::find_python_tag(text, &hidden, &mut out, &mut covered);
    mistral::find(text, &hidden, &mut out, &mut covered);
    fenced::find(text, &fences, &mut out, &mut covered);
    llama::find_bare(text, &fences, &mut out, &covered);
    out
}

/// True when `pos` sits inside an inline code span (an odd number of backticks before it on
/// its line), i.e. the model is quoting the text, not writing a call.
pub(crate) fn in_inline_code(text: &str, pos: usize) -> bool {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let ticks = text[line_start..pos].matches('`').count();
    // A fence line starts with three backticks: those do not open an inline span.
    let fence_ticks = if text[line_start..].trim_start().starts_with("```") {
        3
    } else {
        0
    };
    ticks.saturating_sub(fence_ticks) % 2 == 1
}

/// True when `pos` is on a `>` block-quote line: the model is quoting something (often a
/// command's output), not writing a call.
pub(crate) fn in_block_quote(text: &str, pos: usize) -> bool {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..].trim_start().starts_with('>')
}

/// Tokens a model may print right after a call on the same line (end of message or turn).
const TURN_ENDS: &[&str] = &[
    "</tool_call>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "</s>",
    "```",
];

/// Markers that may open the next call on the same line.
const CALL_MARKERS: &[&str] = &["<tool_call>", "<|python_tag|>", "[TOOL_CALLS]"];

/// True when the call written at `at..end` is quoted inside a sentence, not written as a
/// call: words run on after it on its closing line (`… run <tool_call>{…}</tool_call> but I
/// will not.`), or the words before it on its opening line stop mid-sentence (`the alert
/// says to run <tool_call>…`). Only another call or an end-of-turn token may follow it.
pub(crate) fn in_sentence(text: &str, at: usize, end: usize) -> bool {
    let end = end.min(text.len());
    opens_mid_sentence(text, at) || runs_on(text, end)
}

/// True when the words before `at` on its line stop mid-sentence (a letter, a comma, an
/// opening quote or bracket): the marker is part of what the sentence says.
pub(crate) fn opens_mid_sentence(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..at]
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, ',' | '"' | '\'' | '“' | '‘' | '('))
}

/// True when words follow `end` on its line (other than another call or an end-of-turn token).
fn runs_on(text: &str, end: usize) -> bool {
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let mut after = text[end..line_end].trim();
    while let Some(rest) = TURN_ENDS
        .iter()
        .find_map(|t| after.strip_prefix(t))
        .or_else(|| after.strip_prefix(';'))
    {
        after = rest.trim_start();
    }
    !after.is_empty() && !CALL_MARKERS.iter().any(|m| after.starts_with(m))
}

/// Lines of `text` with their byte offsets.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0usize;
    text.split_inclusive('\n').map(move |line| {
        let at = start;
        start += line.len();
        (at, line)
    })
}

/// The fenced blocks of `text` (``` or ~~~); an unclosed block runs to the end.
pub(crate) fn fences(text: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, String, &str)> = None;
    for (at, line) in lines(text) {
        let trimmed = line.trim();
        let marker = if trimmed.starts_with("```") {
            "```"
        } else if trimmed.starts_with("~~~") {
            "~~~"
        } else {
            continue;
        };
        match &open {
            None => {
                let lang = trimmed
                    .trim_start_matches(marker.chars().next().unwrap_or('`'))
                    .trim()
                    .to_ascii_lowercase();
                open = Some((at, at + line.len(), lang, marker));
            }
            Some((start, body_start, lang, opened)) => {
                if *opened == marker && trimmed.trim_start_matches(['`', '~']).is_empty() {
                    out.push(Fence {
                        whole: *start..at + line.len(),
                        body: *body_start..at,
                        lang: lang.clone(),
                    });
                    open = None;
                }
            }
        }
    }
    if let Some((start, body_start, lang, _)) = open {
        out.push(Fence {
            whole: start..text.len(),
            body: body_start..text.len(),
            lang,
        });
    }
    out
}

/// Every start of `needle` in `text` that is not hidden.
pub(crate) fn markers<'a>(
    text: &'a str,
    needle: &'a str,
    hidden: &'a dyn Fn(usize) -> bool,
) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(needle)
        .map(|(at, _)| at)
        .filter(move |&at| !hidden(at))
}
