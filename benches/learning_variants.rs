//! Retrieval variants measured against each other on the learning benchmarks (issue 30), to say
//! what each part adds: the pre-signature Jaccard over every label, signatures without the
//! vocabulary, signatures with the vocabulary but no abstain rule, BM25 over signatures, and the
//! shipped `learning::matches`.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use opsassist::alert::Alert;
use opsassist::alert::signature::{Signature, Terms};
use opsassist::session::learning::{self, Correction, Example, MIN_SIMILARITY, RELATIVE_TO_BEST};

/// A retrieval function: the examples for an alert from the stored corrections.
pub type Retrieve = fn(&[Correction], &Alert) -> Vec<Example>;

/// Every variant, by name.
pub fn all() -> Vec<(&'static str, Retrieve)> {
    vec![
        ("jaccard over all fields (before)", jaccard_all_fields),
        ("signature, no vocabulary", signature_plain),
        ("signature + vocabulary, no abstain", signature_no_abstain),
        ("signature + vocabulary, BM25", signature_bm25),
        ("signature + vocabulary + abstain (shipped)", shipped),
    ]
}

fn shipped(corpus: &[Correction], alert: &Alert) -> Vec<Example> {
    learning::matches(corpus, alert, 3)
}

/// Threshold, relative cut to the best, top 3, one per (proposed, executed).
fn pick(
    corpus: &[Correction],
    mut scored: Vec<(f64, Vec<String>, usize)>,
    min: f64,
) -> Vec<Example> {
    scored.retain(|s| s.0 >= min);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.2.cmp(&a.2)));
    let best = scored.first().map(|s| s.0).unwrap_or_default();
    let mut out: Vec<Example> = Vec::new();
    for (score, shared, i) in scored {
        if out.len() >= 3 || score < best * RELATIVE_TO_BEST {
            break;
        }
        let c = &corpus[i];
        if out
            .iter()
            .any(|o| o.correction.proposed == c.proposed && o.correction.executed == c.executed)
        {
            continue;
        }
        out.push(Example {
            score,
            shared,
            correction: c.clone(),
        });
    }
    out
}

// --- the pre-issue-30 similarity: Jaccard over title + host + every label value ---

const IGNORED_LABELS: &[&str] = &["severity", "priority", "status", "prometheus", "receiver"];
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "on",
    "in",
    "at",
    "of",
    "for",
    "to",
    "is",
    "are",
    "and",
    "or",
    "by",
    "with",
    "com",
    "net",
    "org",
    "io",
    "local",
    "internal",
    "localdomain",
];

fn camel(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut prev_lower = false;
    for (i, c) in word.char_indices() {
        if c.is_uppercase() && prev_lower {
            parts.push(&word[start..i]);
            start = i;
        }
        prev_lower = c.is_lowercase();
    }
    parts.push(&word[start..]);
    parts
}

fn stem(word: &str) -> &str {
    let mut w = word;
    for suffix in ["ing", "ions", "ion"] {
        if w.len() > suffix.len() + 3
            && let Some(rest) = w.strip_suffix(suffix)
        {
            w = rest;
            break;
        }
    }
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w = &w[..w.len() - 1];
    }
    w
}

fn words(text: &str, into: &mut BTreeSet<String>) {
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        for part in camel(raw) {
            let word = part.to_lowercase();
            if word.is_empty()
                || word.chars().all(|c| c.is_ascii_digit())
                || STOP.contains(&word.as_str())
            {
                continue;
            }
            into.insert(stem(&word).to_string());
        }
    }
}

fn fingerprint(
    title: &str,
    host: Option<&str>,
    labels: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    words(title, &mut set);
    if let Some(host) = host {
        words(host, &mut set);
    }
    for (k, v) in labels {
        if !IGNORED_LABELS.contains(&k.to_lowercase().as_str()) {
            words(v, &mut set);
        }
    }
    set
}

/// The old `learning::similar`: every correction at Jaccard >= 0.34, top 3, no relative cut.
fn jaccard_all_fields(corpus: &[Correction], alert: &Alert) -> Vec<Example> {
    let q = fingerprint(&alert.title, alert.host.as_deref(), &alert.labels);
    learning_old_top3(corpus, &q)
}

fn learning_old_top3(corpus: &[Correction], q: &BTreeSet<String>) -> Vec<Example> {
    let mut scored: Vec<(f64, Vec<String>, usize)> = corpus
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let w = fingerprint(&c.title, c.host.as_deref(), &c.labels);
            let shared: Vec<String> = q.intersection(&w).cloned().collect();
            let union = q.union(&w).count().max(1);
            (shared.len() as f64 / union as f64, shared, i)
        })
        .filter(|s| s.0 >= 0.34)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.2.cmp(&a.2)));
    scored
        .into_iter()
        .take(3)
        .map(|(score, shared, i)| Example {
            score,
            shared,
            correction: corpus[i].clone(),
        })
        .collect()
}

// --- signature variants ---

/// The signature's words as terms without folding (every word a problem word).
fn plain_terms(sig: &Signature) -> Terms {
    let mut problem = BTreeMap::new();
    for phrase in &sig.problem {
        for w in phrase.split(' ') {
            if !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()) {
                problem.insert(stem(w).to_string(), 1.0);
            }
        }
    }
    Terms {
        problem,
        symptoms: BTreeSet::new(),
        role: sig.role.clone(),
    }
}

fn dice(q: &Terms, c: &Terms) -> (f64, Vec<String>) {
    let shared: Vec<String> = q
        .problem
        .keys()
        .filter(|t| c.problem.contains_key(*t))
        .cloned()
        .collect();
    let w = |t: &Terms| t.problem.values().sum::<f64>();
    let common: f64 = shared.iter().map(|t| q.problem[t]).sum();
    let problem = 2.0 * common / (w(q) + w(c)).max(f64::MIN_POSITIVE);
    let role = if q.role.is_empty() || c.role.is_empty() {
        0.0
    } else {
        let both = q.role.iter().filter(|r| c.role.contains(r)).count();
        both as f64 / (q.role.len() + c.role.len() - both) as f64
    };
    (0.85 * problem + 0.15 * role, shared)
}

fn signature_plain(corpus: &[Correction], alert: &Alert) -> Vec<Example> {
    let q = plain_terms(&Signature::of(alert));
    let scored = corpus
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (s, shared) = dice(&q, &plain_terms(&c.signature()));
            (!shared.is_empty()).then_some((s, shared, i))
        })
        .collect();
    pick(corpus, scored, MIN_SIMILARITY)
}

fn signature_no_abstain(corpus: &[Correction], alert: &Alert) -> Vec<Example> {
    let q = Signature::of(alert).terms();
    let scored = corpus
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (s, shared) = dice(&q, &c.signature().terms());
            (!shared.is_empty()).then_some((s, shared, i))
        })
        .collect();
    pick(corpus, scored, MIN_SIMILARITY)
}

/// BM25 (k1 1.2, b 0.75, binary term frequency) over folded signatures, normalised by the
/// query's score against itself, with the abstain rule; the same threshold and cut.
fn signature_bm25(corpus: &[Correction], alert: &Alert) -> Vec<Example> {
    let q = Signature::of(alert).terms();
    let docs: Vec<Terms> = corpus.iter().map(|c| c.signature().terms()).collect();
    let n = docs.len() as f64;
    let avg = docs.iter().map(|d| d.problem.len()).sum::<usize>() as f64 / n.max(1.0);
    let mut df: HashMap<&str, f64> = HashMap::new();
    for d in &docs {
        for t in d.problem.keys() {
            *df.entry(t.as_str()).or_default() += 1.0;
        }
    }
    let idf = |t: &str| {
        let f = df.get(t).copied().unwrap_or(0.0);
        (1.0 + (n - f + 0.5) / (f + 0.5)).ln()
    };
    let (k1, b) = (1.2, 0.75);
    let term =
        |t: &str, len: f64| idf(t) * (k1 + 1.0) / (1.0 + k1 * (1.0 - b + b * len / avg.max(1.0)));
    let ideal: f64 = q
        .problem
        .keys()
        .map(|t| term(t, q.problem.len() as f64))
        .sum();
    let scored = docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let shared: Vec<String> = q
                .problem
                .keys()
                .filter(|t| d.problem.contains_key(*t))
                .cloned()
                .collect();
            if !shared.iter().any(|t| q.is_anchor(t)) {
                return None;
            }
            let s: f64 = shared.iter().map(|t| term(t, d.problem.len() as f64)).sum();
            Some(((s / ideal.max(f64::MIN_POSITIVE)).min(1.0), shared, i))
        })
        .collect();
    pick(corpus, scored, MIN_SIMILARITY)
}
