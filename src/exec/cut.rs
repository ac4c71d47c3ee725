//! Where a capped output is cut: head and tail limits measured after masking, never inside a
//! redacted span, on a line break when one is near.

use crate::policy::{Redactor, Span};

/// Length of `text[from..to]` once the spans inside it are replaced by markers.
pub(super) fn out_len(spans: &[Span], from: usize, to: usize) -> usize {
    let mut len = to - from;
    for s in spans.iter().filter(|s| s.start >= from && s.end <= to) {
        len = len - (s.end - s.start) + Redactor::marker_len(s.kind);
    }
    len
}

/// The span that contains byte `at` strictly inside it, if any.
fn inside(spans: &[Span], at: usize) -> Option<&Span> {
    spans.iter().find(|s| s.start < at && at < s.end)
}

/// Where the head ends: the longest prefix whose masked length fits `limit`, moved back to
/// a char boundary, out of any span, and to a line break when one is in the last quarter.
pub(super) fn head_cut(text: &str, spans: &[Span], limit: usize) -> usize {
    let mut p = text.len();
    let mut extra: isize = 0;
    // Masked length of text[..x] is x + extra for spans ending at or before x.
    for s in spans {
        let grow = Redactor::marker_len(s.kind) as isize - (s.end - s.start) as isize;
        if (s.start as isize + extra) >= limit as isize {
            break;
        }
        if (s.end as isize + extra + grow) > limit as isize {
            p = p.min(s.start);
            break;
        }
        extra += grow;
    }
    p = p
        .min((limit as isize - extra).max(0) as usize)
        .min(text.len());
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    if let Some(s) = inside(spans, p) {
        p = s.start;
    }
    let shown = out_len(spans, 0, p);
    let mut search = p;
    while let Some(nl) = text[..search].rfind('\n') {
        if inside(spans, nl + 1).is_some() {
            search = nl;
            continue;
        }
        if out_len(spans, 0, nl + 1) >= shown * 3 / 4 {
            p = nl + 1;
        }
        break;
    }
    p
}

/// Where the tail starts: the shortest suffix whose masked length fits `limit`, moved to a
/// char boundary, out of any span, and past a line break when one is in the first quarter.
pub(super) fn tail_cut(text: &str, spans: &[Span], limit: usize) -> usize {
    let mut q = 0;
    let mut extra: isize = 0;
    let len = text.len() as isize;
    for s in spans.iter().rev() {
        let grow = Redactor::marker_len(s.kind) as isize - (s.end - s.start) as isize;
        if (len - s.end as isize + extra) >= limit as isize {
            break;
        }
        if (len - s.start as isize + extra + grow) > limit as isize {
            q = q.max(s.end);
            break;
        }
        extra += grow;
    }
    q = q.max((len - (limit as isize - extra)).max(0) as usize);
    q = q.min(text.len());
    while !text.is_char_boundary(q) {
        q += 1;
    }
    if let Some(s) = inside(spans, q) {
        q = s.end;
    }
    let shown = out_len(spans, q, text.len());
    let mut search = q;
    while let Some(i) = text[search..].find('\n') {
        let nl = search + i;
        if inside(spans, nl + 1).is_some() {
            search = nl + 1;
            continue;
        }
        if out_len(spans, q, nl) < shown / 4 {
            q = nl + 1;
        }
        break;
    }
    q
}
