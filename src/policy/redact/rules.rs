//! The table-driven rule engine: rules are data (marker kind, keyword prefilter, regex, value
//! check); one aho-corasick pass over the text picks the few rules worth running. A rule's
//! regex is compiled the first time its keyword occurs, not up front.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use super::{Candidate, Span, TIER_SPECIFIC};

/// How a rule's pattern is written.
pub(super) enum Pat {
    /// A full regex; capture group 1 (if any) is the secret, else the whole match.
    Raw(&'static str),
    /// `key` (an alternation) somewhere in a name, a separator (`=`, `:`, `=>`, `:=`), then a
    /// value matching `value`: the value is the secret.
    Ctx(&'static str, &'static str),
}

/// A value check run on the secret's text after the regex matched.
#[derive(Clone, Copy)]
pub(super) enum Check {
    Any,
    /// At least two of lower case, upper case and digits (rejects words and plain numbers).
    Mixed,
    /// A bearer token: 16+ chars with a digit or a symbol (rejects "bearer token for …").
    Bearer,
}

/// One rule as data.
pub(super) struct Spec {
    pub kind: &'static str,
    /// Lower-case literals, one of which must occur (case-insensitively) for the rule to run.
    pub keywords: &'static [&'static str],
    pub pat: Pat,
    pub check: Check,
}

/// Shorthand for a table row.
pub(super) const fn raw(
    kind: &'static str,
    keywords: &'static [&'static str],
    pattern: &'static str,
) -> Spec {
    Spec {
        kind,
        keywords,
        pat: Pat::Raw(pattern),
        check: Check::Any,
    }
}

/// Shorthand for a keyword-context table row.
pub(super) const fn ctx(
    kind: &'static str,
    keywords: &'static [&'static str],
    key: &'static str,
    value: &'static str,
) -> Spec {
    Spec {
        kind,
        keywords,
        pat: Pat::Ctx(key, value),
        check: Check::Mixed,
    }
}

impl Spec {
    pub(super) const fn check(mut self, check: Check) -> Spec {
        self.check = check;
        self
    }
}

/// A table row and, once its keyword has occurred, its compiled regex: compiling all ~200
/// rules up front allocated ~90 MB (transient, but tens of MB of peak RSS) in every process
/// that redacts once (BENCHMARKS.md "Headless memory"), while a text enables a few.
struct Rule {
    spec: &'static Spec,
    compiled: OnceLock<Compiled>,
}

struct Compiled {
    regex: Regex,
    group: usize,
}

impl Rule {
    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| compile(self.spec))
    }
}

struct Engine {
    rules: Vec<Rule>,
    keywords: AhoCorasick,
    /// For each keyword, the rules it enables.
    by_keyword: Vec<Vec<usize>>,
    always: Vec<usize>,
}

fn compile(spec: &Spec) -> Compiled {
    let pattern = match spec.pat {
        Pat::Raw(p) => p.to_string(),
        Pat::Ctx(key, value) => format!(
            r#"(?im)(?:{key})[A-Za-z0-9_.-]{{0,24}}["']?[ \t]{{0,3}}(?::=|=>|=|:)[ \t]{{0,3}}["'`]?({value})(?:["'`\s;,)\]}}&]|$)"#
        ),
    };
    let pattern = ascii_classes(&pattern);
    let regex =
        Regex::new(&pattern).unwrap_or_else(|e| panic!("static redaction rule {}: {e}", spec.kind));
    let group = if regex.captures_len() > 1 { 1 } else { 0 };
    Compiled { regex, group }
}

/// ASCII `\w` and word boundaries: token alphabets are ASCII, and Unicode classes in bounded
/// repetitions blow up the compiled size and leave the fast DFA path.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('w') if in_class => out.push_str("0-9A-Za-z_"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('b') if !in_class => out.push_str("(?-u:\\b)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let specs = super::providers::SPECS
        .iter()
        .chain(super::saas::SPECS)
        .chain(super::named::SPECS)
        .chain(super::cli::SPECS)
        .chain(super::files::SPECS);
    let mut rules = Vec::new();
    let mut words: Vec<&'static str> = Vec::new();
    let mut by_keyword: Vec<Vec<usize>> = Vec::new();
    let mut always = Vec::new();
    for spec in specs {
        let index = rules.len();
        rules.push(Rule {
            spec,
            compiled: OnceLock::new(),
        });
        if spec.keywords.is_empty() {
            always.push(index);
        }
        for kw in spec.keywords {
            match words.iter().position(|w| w == kw) {
                Some(at) => by_keyword[at].push(index),
                None => {
                    words.push(kw);
                    by_keyword.push(vec![index]);
                }
            }
        }
    }
    let keywords = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&words)
        .unwrap_or_else(|e| panic!("static redaction keywords: {e}"));
    Engine {
        rules,
        keywords,
        by_keyword,
        always,
    }
});

/// Number of table rules (providers, command lines, credential files).
#[cfg(test)]
pub(super) fn rule_count() -> usize {
    ENGINE.rules.len()
}

/// Compile every table rule (each compiles lazily in use, so a bad pattern would otherwise
/// only show when its keyword first occurs); returns how many compiled.
#[cfg(test)]
pub(super) fn compile_all() -> usize {
    ENGINE
        .rules
        .iter()
        .filter(|r| !r.compiled().regex.as_str().is_empty())
        .count()
}

/// Run every table rule whose keyword occurs in `text`.
pub(super) fn find(text: &str, out: &mut Vec<Candidate>) {
    let start = out.len();
    find_matches(text, out);
    for c in &mut out[start..] {
        c.span.end = token_end(text, c.span.end);
    }
}

/// Where the token that a match stopped inside really ends: a rule's regex fixes a length or
/// an alphabet, but a longer key, or one with a `-` or `/` in it, is still one secret, so
/// the mask runs on over every character a token may hold (never a dot, a quote or a space).
pub(super) fn token_end(text: &str, end: usize) -> usize {
    let rest = text.as_bytes().get(end..).unwrap_or_default();
    end + rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'='))
        .count()
}

fn find_matches(text: &str, out: &mut Vec<Candidate>) {
    let engine = &*ENGINE;
    let mut run = vec![false; engine.rules.len()];
    for &i in &engine.always {
        run[i] = true;
    }
    for m in engine.keywords.find_overlapping_iter(text) {
        for &i in &engine.by_keyword[m.pattern().as_usize()] {
            run[i] = true;
        }
    }
    for (rule, _) in engine.rules.iter().zip(&run).filter(|(_, r)| **r) {
        let Compiled { regex, group } = rule.compiled();
        if *group == 0 {
            for m in regex.find_iter(text) {
                push(rule.spec, m.start(), m.as_str(), out);
            }
        } else {
            for caps in regex.captures_iter(text) {
                if let Some(m) = caps.get(*group) {
                    push(rule.spec, m.start(), m.as_str(), out);
                }
            }
        }
    }
}

fn push(rule: &Spec, start: usize, secret: &str, out: &mut Vec<Candidate>) {
    let ok = match rule.check {
        Check::Any => true,
        Check::Mixed => mixed(secret),
        Check::Bearer => {
            secret.len() >= 16
                && secret
                    .chars()
                    .any(|c| c.is_ascii_digit() || "-._~+/".contains(c))
        }
    };
    if ok && !secret.is_empty() {
        out.push(Candidate {
            tier: TIER_SPECIFIC,
            span: Span {
                start,
                end: start + secret.len(),
                kind: rule.kind,
            },
        });
    }
}

/// At least two of: lower case, upper case, digits.
pub(super) fn mixed(s: &str) -> bool {
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let digit = s.bytes().any(|b| b.is_ascii_digit());
    u8::from(lower) + u8::from(upper) + u8::from(digit) >= 2
}
