//! PEM private keys: a whole BEGIN…END block, and the pieces a window cut can leave: a BEGIN
//! whose END is out of view (masked through the key body), and an orphan body that runs up to
//! an `-----END … PRIVATE KEY-----` whose BEGIN is out of view.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, Span, TIER_PEM};

static ARMOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----(BEGIN|END) [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
        .expect("static PEM armor regex")
});

const KIND: &str = "private-key";

/// What a line can be inside a key body.
#[derive(PartialEq)]
enum Line {
    /// An armor header (`Proc-Type: …`).
    Header,
    /// Base64 of this many bytes.
    Base64(usize),
    Other,
}

fn line_kind(line: &str) -> Line {
    let line = line.trim_end_matches('\r').trim();
    if line.is_empty() {
        return Line::Other;
    }
    if let Some((name, _)) = line.split_once(": ") {
        return if matches!(
            name,
            "Proc-Type" | "DEK-Info" | "Comment" | "Version" | "Hash"
        ) {
            Line::Header
        } else {
            Line::Other
        };
    }
    if line
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        Line::Base64(line.len())
    } else {
        Line::Other
    }
}

/// Full body lines are 64 (PEM) or 70 (OpenSSH) long; only the last one is shorter.
const FULL_LINE: usize = 40;

/// End of the key body that starts at `from` (after a BEGIN line): through the base64 lines
/// that follow, ending with the first short one.
fn body_end(text: &str, from: usize) -> usize {
    let mut end = from;
    let mut at = from;
    if text[at..].starts_with('\n') {
        at += 1;
    }
    while at < text.len() {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        match line_kind(&text[at..line_end]) {
            Line::Header => end = line_end,
            Line::Base64(n) => {
                end = line_end;
                if n < FULL_LINE && line_end < text.len() {
                    break;
                }
            }
            Line::Other => break,
        }
        at = line_end + 1;
    }
    end.min(text.len())
}

/// Start of the key body that ends just before `until` (an END line): the base64 lines right
/// above it (the last may be short), back to the text's start when a window cut it mid-line.
fn body_start(text: &str, until: usize) -> usize {
    let mut start = until;
    let mut line_end = until;
    let mut first = true;
    loop {
        let head = &text[..line_end];
        let head = head.strip_suffix('\n').unwrap_or(head);
        let line_start = head.rfind('\n').map_or(0, |i| i + 1);
        let ok = match line_kind(&head[line_start..]) {
            Line::Header => true,
            Line::Base64(n) => first || n >= FULL_LINE || line_start == 0,
            Line::Other => false,
        };
        if !ok {
            break;
        }
        first = false;
        start = line_start;
        if line_start == 0 {
            break;
        }
        line_end = line_start;
    }
    start
}

pub(super) fn find(text: &str, out: &mut Vec<Candidate>) {
    if !text.contains("PRIVATE KEY") {
        return;
    }
    let marks: Vec<(bool, usize, usize)> = ARMOR
        .captures_iter(text)
        .filter_map(|c| {
            let all = c.get(0)?;
            Some((&c[1] == "BEGIN", all.start(), all.end()))
        })
        .collect();
    let mut i = 0;
    while i < marks.len() {
        let (begin, start, end) = marks[i];
        let span = if begin {
            match marks.get(i + 1) {
                Some(&(false, _, end2)) => {
                    i += 1;
                    start..end2
                }
                _ => start..body_end(text, end).max(end),
            }
        } else {
            body_start(text, start)..end
        };
        out.push(Candidate {
            tier: TIER_PEM,
            span: Span {
                start: span.start,
                end: span.end,
                kind: KIND,
            },
        });
        i += 1;
    }
}
