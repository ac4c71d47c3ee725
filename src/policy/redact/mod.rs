//! Secret redaction: finds credentials in text bound for the model and masks them with typed
//! markers such as `[REDACTED:aws-key]`. Every rule reports spans over the original text; the
//! spans are merged by priority (configured values, PEM blocks, provider formats, then the
//! generic secret-named keys) so one secret is masked once, whatever matched it.

mod cli;
mod context;
mod files;
mod generic;
mod named;
mod pem;
mod providers;
mod rules;
mod saas;

/// Shortest configured literal that is masked; shorter values would shred normal output.
pub const MIN_CONFIGURED_LEN: usize = 4;

/// Every marker starts with this; values that already are markers are never masked again.
pub const MARKER_PREFIX: &str = "[REDACTED:";

/// A secret found in a text: bytes `start..end` are replaced by `[REDACTED:<kind>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: &'static str,
}

/// A candidate before overlaps are resolved: lower `tier` wins.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub tier: u8,
    pub span: Span,
}

/// Tiers, strongest first.
pub(crate) const TIER_CONFIGURED: u8 = 0;
pub(crate) const TIER_PEM: u8 = 1;
pub(crate) const TIER_SPECIFIC: u8 = 2;
pub(crate) const TIER_GENERIC: u8 = 3;

/// The spans to mask in `text`, sorted and non-overlapping. `command` (the command that
/// printed `text`, when known) lets bare values of secret-named variables be masked too.
pub(crate) fn find(text: &str, configured: &[String], command: Option<&str>) -> Vec<Span> {
    let mut cands = Vec::new();
    if let Some(command) = command {
        context::find(command, text, &mut cands);
    }
    find_configured(text, configured, &mut cands);
    pem::find(text, &mut cands);
    rules::find(text, &mut cands);
    generic::find(text, &mut cands);
    resolve(text, cands)
}

/// Keep the strongest candidates that do not overlap a stronger (or earlier) one.
fn resolve(text: &str, mut cands: Vec<Candidate>) -> Vec<Span> {
    cands.retain(|c| {
        c.span.start < c.span.end
            && c.span.end <= text.len()
            && text.is_char_boundary(c.span.start)
            && text.is_char_boundary(c.span.end)
            && !text[c.span.start..c.span.end].starts_with(MARKER_PREFIX)
    });
    cands.sort_by_key(|c| (c.tier, c.span.start, std::cmp::Reverse(c.span.end)));
    let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for c in cands {
        let Span { start, end, .. } = c.span;
        let before = taken.range(..end).next_back();
        if before.is_some_and(|(_, &e)| e > start) {
            continue;
        }
        taken.insert(start, end);
        out.push(c.span);
    }
    out.sort_by_key(|s| s.start);
    out
}

/// `text` with every span replaced by its marker.
pub(crate) fn apply(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        if s.start < at || s.end > text.len() {
            continue;
        }
        out.push_str(&text[at..s.start]);
        push_marker(&mut out, s.kind);
        at = s.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Append `[REDACTED:<kind>]`.
pub(crate) fn push_marker(out: &mut String, kind: &str) {
    out.push_str(MARKER_PREFIX);
    out.push_str(kind);
    out.push(']');
}

/// The marker's length for `kind`.
pub(crate) fn marker_len(kind: &str) -> usize {
    MARKER_PREFIX.len() + kind.len() + 1
}

/// Mask every secret in `text`; returns the text and the number masked.
pub(crate) fn redact(text: &str, configured: &[String], command: Option<&str>) -> (String, usize) {
    let spans = find(text, configured, command);
    (apply(text, &spans), spans.len())
}

fn find_configured(text: &str, configured: &[String], out: &mut Vec<Candidate>) {
    let mut values: Vec<&str> = configured
        .iter()
        .map(String::as_str)
        .filter(|v| v.len() >= MIN_CONFIGURED_LEN && !v.contains(MARKER_PREFIX))
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    for value in values {
        for (start, _) in text.match_indices(value) {
            out.push(Candidate {
                tier: TIER_CONFIGURED,
                span: Span {
                    start,
                    end: start + value.len(),
                    kind: "configured",
                },
            });
        }
    }
}

/// True when a secret-looking name (`DB_PASSWORD`, `api_key`, `client-key-data`…) names a
/// secret, so its value must not reach the model.
pub fn is_secret_name(name: &str) -> bool {
    generic::classify_key(name).is_some()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_covers_the_provider_set() {
        assert_eq!(
            super::rules::compile_all(),
            super::rules::rule_count(),
            "every rule's regex compiles"
        );
        assert!(
            super::rules::rule_count() >= 150,
            "{}",
            super::rules::rule_count()
        );
    }
}
