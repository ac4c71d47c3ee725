//! An alert's problem signature: the words that say what is wrong, taken only from the fields
//! each source uses for the problem (alert name, title, service/job/unit/container, check name),
//! plus the host's role (`web-prod-03.example.com` → `web prod`). Source boilerplate (URLs, ids,
//! hashes, UUID pieces, query expressions, assignees, escalation policies, long label values)
//! never enters it. [`Signature::terms`] folds the words through the operations vocabulary in
//! `assets/ops_synonyms.toml`, so "SSL certificate" (Zabbix) and "TLS cert" (Alertmanager) meet.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::{Alert, Source};

/// The embedded operations vocabulary.
const VOCABULARY: &str = include_str!("../../assets/ops_synonyms.toml");
/// A label value longer than this is prose or a query, not a name: left out.
const MAX_VALUE_CHARS: usize = 60;
/// A label value of more words than this is a sentence, not a name: left out.
const MAX_VALUE_WORDS: usize = 6;
/// Weight of a generic word ("high", "failed") against a problem word's 1.0.
pub const GENERIC_WEIGHT: f64 = 0.25;

/// Label keys that name the problem or the thing that has it, for the label-based sources
/// (Alertmanager, Grafana, the Alertmanager API, generic pastes).
const LABEL_KEYS: &[&str] = &[
    "alertname",
    "service",
    "job",
    "container",
    "container_name",
    "name",
    "unit",
    "systemd_unit",
    "deployment",
    "statefulset",
    "daemonset",
    "app",
    "application",
    "component",
    "check",
    "check_name",
    "mountpoint",
    "queue",
    "topic",
    "datname",
    "database",
    "probe",
    "process",
];
/// PagerDuty: the service is the only field besides the title that says what is wrong
/// (ids, assignees, escalation policy, teams and the agent are left out).
const PAGERDUTY_KEYS: &[&str] = &["service"];
/// Opsgenie: the check and service named in the alert's details (alias, tags, teams, ids and the
/// integration name are left out).
const OPSGENIE_KEYS: &[&str] = &[
    "details.service",
    "details.check",
    "details.source_check",
    "details.unit",
    "details.process",
    "details.container",
    "details.component",
];
/// Datadog: the monitored metric (the query, status sentence, ids, links and org are left out).
const DATADOG_KEYS: &[&str] = &["alert_metric"];
/// Zabbix: the item's name (URLs, event/trigger ids, opdata, dates and the long trigger
/// description are left out).
const ZABBIX_KEYS: &[&str] = &["item_name", "item"];
/// `key:value` tags (Datadog `tags`, Zabbix `event_tags`) whose value names the problem's thing.
const TAG_KEYS: &[&str] = &[
    "service",
    "unit",
    "application",
    "component",
    "check",
    "process",
    "container_name",
    "kube_container_name",
];

/// Which label keys carry the problem for `source`, and which label holds `key:value` tags.
fn problem_keys(source: Source) -> (&'static [&'static str], Option<&'static str>) {
    match source {
        Source::Alertmanager
        | Source::Grafana
        | Source::AlertmanagerApi
        | Source::Generic
        | Source::Docker => (LABEL_KEYS, None),
        Source::Pagerduty => (PAGERDUTY_KEYS, None),
        Source::Opsgenie => (OPSGENIE_KEYS, None),
        Source::Datadog => (DATADOG_KEYS, Some("tags")),
        Source::Zabbix => (ZABBIX_KEYS, Some("event_tags")),
    }
}

/// Collector job names: they say which exporter scraped, not what is wrong.
const COLLECTOR_JOBS: &[&str] = &[
    "node",
    "node-exporter",
    "node_exporter",
    "cadvisor",
    "blackbox",
    "kubelet",
    "kube-state-metrics",
    "prometheus",
    "telegraf",
];

/// What an alert is about, as stored with a correction: the problem's words (one phrase per
/// field, in order, lower-cased and split) and the host's role words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// One cleaned phrase per field that carries the problem (title first).
    pub problem: Vec<String>,
    /// The host name without its ordinal, domain and pod hash: `web prod`.
    pub role: Vec<String>,
}

/// A signature folded through the vocabulary: problem terms with their weights, role words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Terms {
    /// Folded problem term → weight (1.0, or [`GENERIC_WEIGHT`] for generic words).
    pub problem: BTreeMap<String, f64>,
    /// The problem terms that name a state ("down", "full"), not a thing.
    pub symptoms: BTreeSet<String>,
    pub role: Vec<String>,
}

impl Terms {
    /// True when `term` is a generic word (counts little, never enough alone).
    pub fn is_generic(&self, term: &str) -> bool {
        self.problem.get(term).is_some_and(|w| *w < 1.0)
    }

    /// True when `term` names the thing that has the problem: a problem term that is neither
    /// generic nor a symptom. Two alerts are the same problem only if they share one.
    pub fn is_anchor(&self, term: &str) -> bool {
        self.problem.get(term).is_some_and(|w| *w >= 1.0) && !self.symptoms.contains(term)
    }
}

impl Signature {
    /// The signature of a normalized alert.
    pub fn of(alert: &Alert) -> Signature {
        Signature::from_parts(
            alert.source,
            &alert.title,
            alert.host.as_deref(),
            &alert.labels,
        )
    }

    /// The signature from an alert's stored parts (a correction record keeps these).
    pub fn from_parts(
        source: Source,
        title: &str,
        host: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Signature {
        let host_names = host.map(host_names).unwrap_or_default();
        let mut problem = Vec::new();
        let mut push = |text: &str| {
            let phrase = clean_phrase(text, &host_names);
            if !phrase.is_empty() && !problem.contains(&phrase) {
                problem.push(phrase);
            }
        };
        push(&strip_title_wrapping(title));
        let (keys, tags) = problem_keys(source);
        for key in keys {
            let Some(value) = labels.get(*key) else {
                continue;
            };
            if *key == "job" && COLLECTOR_JOBS.contains(&value.to_lowercase().as_str()) {
                continue;
            }
            if is_short_value(value) {
                push(value);
            }
        }
        if let Some(tag_label) = tags.and_then(|k| labels.get(k)) {
            for tag in tag_label.split([',', ';']) {
                if let Some((k, v)) = tag.trim().split_once(':')
                    && TAG_KEYS.contains(&k.trim().to_lowercase().as_str())
                    && is_short_value(v)
                {
                    push(v.trim());
                }
            }
        }
        Signature {
            problem,
            role: host.map(role_words).unwrap_or_default(),
        }
    }

    /// The problem terms folded through the vocabulary, weighted, and the role words.
    pub fn terms(&self) -> Terms {
        let vocab = vocabulary();
        let mut problem = BTreeMap::new();
        let mut symptoms = BTreeSet::new();
        for phrase in &self.problem {
            let words: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
            for term in vocab.fold(&words) {
                let weight = if vocab.generic.contains(term.as_str()) {
                    GENERIC_WEIGHT
                } else {
                    1.0
                };
                if vocab.symptoms.contains(term.as_str()) {
                    symptoms.insert(term.clone());
                }
                problem.insert(term, weight);
            }
        }
        Terms {
            problem,
            symptoms,
            role: self.role.clone(),
        }
    }
}

fn is_short_value(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && value.chars().count() <= MAX_VALUE_CHARS
        && value.split_whitespace().count() <= MAX_VALUE_WORDS
        && !value.contains("://")
        && !value.contains(['{', '(', '>', '<', '='])
}

/// The title without the source's wrapping: leading `[FIRING:1]`, `[Triggered on {host:x}]`,
/// `[P1]` groups and `{…}` scopes anywhere.
fn strip_title_wrapping(title: &str) -> String {
    let mut rest = title.trim();
    while let Some(after) = rest.strip_prefix('[') {
        match after.find(']') {
            Some(end) => rest = after[end + 1..].trim_start(),
            None => break,
        }
    }
    let mut out = String::with_capacity(rest.len());
    let mut depth = 0usize;
    for c in rest.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The host as written, without the port, and its first DNS label (both lower-cased): title
/// pieces equal to either are the host, not the problem.
fn host_names(host: &str) -> Vec<String> {
    let host = host.trim().to_lowercase();
    let bare = match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h.to_string(),
        _ => host.clone(),
    };
    let first = bare.split('.').next().unwrap_or_default().to_string();
    let mut out = vec![host, bare];
    if !first.is_empty() {
        out.push(first);
    }
    out
}

/// `web-prod-03.example.com` → `web prod`; `payments-api-7d9c8b6f5-x2kqp` → `payments api`;
/// an IP address has no role.
fn role_words(host: &str) -> Vec<String> {
    let host = host.trim();
    if host.parse::<std::net::IpAddr>().is_ok()
        || host
            .split(':')
            .next()
            .is_some_and(|h| h.parse::<std::net::Ipv4Addr>().is_ok())
    {
        return Vec::new();
    }
    let first = host.split('.').next().unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for part in first.split(|c: char| !c.is_alphanumeric()) {
        let word = part.to_lowercase();
        if word.len() > 1 && word.chars().all(|c| c.is_alphabetic()) && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// File-name-like suffixes that are not top-level domains (`postfix.service`).
const NOT_TLDS: &[&str] = &[
    "service", "socket", "timer", "mount", "target", "slice", "scope", "path", "device", "log",
    "conf", "json", "yaml", "yml", "xml", "txt", "sh", "py", "jar", "pid", "lock", "sock", "d",
];

/// `api.example.com`, `db-01.internal:5432`: a host or domain name, not problem words.
fn looks_like_domain(piece: &str) -> bool {
    let name = piece.split(':').next().unwrap_or(piece);
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let tld = labels[labels.len() - 1].to_lowercase();
    (2..=6).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && !NOT_TLDS.contains(&tld.as_str())
        && !labels[0].chars().all(|c| c.is_ascii_digit())
}

/// True for an identifier-like piece: a UUID, a long hex run, an id of digits and letters.
fn looks_like_id(piece: &str) -> bool {
    let hex = piece.chars().filter(|c| c.is_ascii_hexdigit()).count();
    let digits = piece.chars().filter(|c| c.is_ascii_digit()).count();
    let alnum = piece.chars().filter(|c| c.is_alphanumeric()).count();
    (alnum >= 8 && hex == alnum && digits > 0)
        || (piece.len() >= 32 && piece.matches('-').count() >= 4)
}

/// One word kept from a split piece: letters, a plain number (for phrases like `http 500`),
/// `5xx`, or letters with one trailing digit (`ipv4`, `ec2`). Ids, hashes and measurements
/// (`412s`, `96%`, `7d9c8b6f5`) are dropped.
fn keep_word(word: &str) -> bool {
    let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return word.chars().count() > 1 || word == "5" || word == "4";
    }
    if digits == word.len() {
        return word.len() <= 4;
    }
    let bytes = word.as_bytes();
    (word.len() == 3 && bytes[0].is_ascii_digit() && &word[1..] == "xx")
        || (digits == 1
            && word.len() <= 6
            && bytes[word.len() - 1].is_ascii_digit()
            && word[..word.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphabetic()))
}

/// `word` split at case changes: `HostOutOfDiskSpace` → `Host`, `Out`, `Of`, …; an acronym
/// ends before the capital that starts the next word (`SQLConnections` → `SQL`, `Connections`).
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for k in 1..chars.len() {
        let (i, c) = chars[k];
        let prev = chars[k - 1].1;
        let next_lower = chars.get(k + 1).is_some_and(|(_, n)| n.is_lowercase());
        let boundary = c.is_uppercase()
            && (prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_lower));
        if boundary && i > start {
            parts.push(&word[start..i]);
            start = i;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// A field's text as a phrase of lower-case words, boilerplate pieces removed.
fn clean_phrase(text: &str, host_names: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    for raw in text.split_whitespace() {
        let piece = raw.trim_matches(|c: char| "()[]{}<>\"'`,;:!?.".contains(c));
        let lower = piece.to_lowercase();
        if piece.is_empty()
            || lower.contains("://")
            || lower.starts_with("www.")
            || host_names.contains(&lower)
            || looks_like_domain(piece)
            || looks_like_id(piece)
        {
            continue;
        }
        for part in piece.split(|c: char| !c.is_alphanumeric()) {
            if looks_like_id(part) {
                continue;
            }
            for word in camel_parts(part) {
                let word = word.to_lowercase();
                if !word.is_empty() && keep_word(&word) {
                    words.push(word);
                }
            }
        }
    }
    words.join(" ")
}

/// The operations vocabulary: phrases folded to concepts, generic and boilerplate words.
struct Vocabulary {
    phrases: HashMap<String, String>,
    /// First words of the multi-word phrases (most words start none: no lookup needed).
    starts: HashSet<String>,
    longest: usize,
    generic: HashSet<String>,
    symptoms: HashSet<String>,
    boilerplate: HashSet<String>,
}

#[derive(Deserialize)]
struct VocabularyFile {
    concepts: BTreeMap<String, Vec<String>>,
    generic: WordList,
    symptoms: WordList,
    boilerplate: WordList,
}

/// The words of a list as written and as stemmed (`days` is also `day`).
fn with_stems(words: Vec<String>) -> HashSet<String> {
    let mut set: HashSet<String> = words.iter().map(|w| stem(w).to_string()).collect();
    set.extend(words);
    set
}

#[derive(Deserialize)]
struct WordList {
    words: Vec<String>,
}

fn vocabulary() -> &'static Vocabulary {
    static VOCAB: OnceLock<Vocabulary> = OnceLock::new();
    VOCAB.get_or_init(|| {
        // The file is embedded and checked by a unit test; an unreadable one folds nothing.
        let file: Option<VocabularyFile> = toml::from_str(VOCABULARY).ok();
        let mut vocab = Vocabulary {
            phrases: HashMap::new(),
            starts: HashSet::new(),
            longest: 1,
            generic: HashSet::new(),
            symptoms: HashSet::new(),
            boilerplate: HashSet::new(),
        };
        if let Some(file) = file {
            for (concept, phrases) in file.concepts {
                for phrase in phrases {
                    let words: Vec<&str> = phrase.split_whitespace().collect();
                    vocab.longest = vocab.longest.max(words.len());
                    if words.len() > 1 {
                        vocab.starts.insert(words[0].to_string());
                    }
                    vocab.phrases.insert(words.join(" "), concept.clone());
                }
            }
            vocab.generic = with_stems(file.generic.words);
            vocab.symptoms = with_stems(file.symptoms.words);
            vocab.boilerplate = with_stems(file.boilerplate.words);
        }
        vocab
    })
}

/// A light English stem so `evictions` and `eviction` meet; short words are left alone.
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

impl Vocabulary {
    /// The concepts and stemmed words of `words`: longest vocabulary phrase first, then single
    /// words (as written, then stemmed); numbers and boilerplate dropped.
    fn fold(&self, words: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = String::new();
        let mut i = 0;
        'outer: while i < words.len() {
            if self.starts.contains(words[i]) {
                for len in (2..=self.longest.min(words.len() - i)).rev() {
                    buf.clear();
                    for (k, w) in words[i..i + len].iter().enumerate() {
                        if k > 0 {
                            buf.push(' ');
                        }
                        buf.push_str(w);
                    }
                    if let Some(concept) = self.phrases.get(buf.as_str()) {
                        out.push(concept.clone());
                        i += len;
                        continue 'outer;
                    }
                }
            }
            let word = words[i];
            i += 1;
            if let Some(concept) = self.phrases.get(word) {
                out.push(concept.clone());
                continue;
            }
            if word.chars().all(|c| c.is_ascii_digit()) || self.boilerplate.contains(word) {
                continue;
            }
            let stemmed = stem(word);
            if let Some(concept) = self.phrases.get(stemmed) {
                out.push(concept.clone());
            } else if !self.boilerplate.contains(stemmed) && stemmed.len() > 1 {
                out.push(stemmed.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{ParseOptions, parse};

    fn sample(name: &str) -> Vec<Alert> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/alerts")
            .join(name);
        let bytes = std::fs::read(&path).unwrap_or_default();
        parse(&bytes, &ParseOptions::default()).unwrap_or_default()
    }

    fn terms(alert: &Alert) -> Vec<String> {
        Signature::of(alert).terms().problem.into_keys().collect()
    }

    #[test]
    fn the_vocabulary_file_parses_and_every_concept_folds_to_itself() {
        let file: VocabularyFile = toml::from_str(VOCABULARY).expect("ops_synonyms.toml parses");
        assert!(file.concepts.len() > 20);
        let vocab = vocabulary();
        assert_eq!(vocab.fold(&["ssl", "certificate"]), ["tls", "tls"]);
        assert_eq!(vocab.fold(&["out", "of", "memory"]), ["oom"]);
        assert_eq!(vocab.fold(&["http", "500"]), ["5xx"]);
        assert_eq!(vocab.fold(&["max", "connections"]), ["connection"]);
    }

    #[test]
    fn camel_case_splits_words_and_acronyms() {
        assert_eq!(
            camel_parts("HostOutOfDiskSpace"),
            ["Host", "Out", "Of", "Disk", "Space"]
        );
        assert_eq!(
            camel_parts("MySQLConnectionsNearMax"),
            ["My", "SQL", "Connections", "Near", "Max"]
        );
        assert_eq!(camel_parts("OOMKilled"), ["OOM", "Killed"]);
        assert_eq!(
            vocabulary().fold(&["my", "sql", "connections"]),
            ["mysql", "connection"]
        );
    }

    #[test]
    fn role_drops_ordinal_domain_and_pod_hash() {
        assert_eq!(role_words("web-prod-03.example.com"), ["web", "prod"]);
        assert_eq!(
            role_words("payments-api-7d9c8b6f5-x2kqp"),
            ["payments", "api"]
        );
        assert!(role_words("10.20.4.31").is_empty());
    }

    #[test]
    fn boilerplate_of_every_source_stays_out() {
        let mut all = Vec::new();
        for name in [
            "pagerduty-postgres-replication-lag.json",
            "grafana-nginx-5xx.json",
            "datadog-high-load-average.json",
            "zabbix-systemd-service-failed.json",
            "zabbix-certificate-expiring.json",
            "opsgenie-memory-oom.json",
            "grafana-k8s-crashloop.json",
        ] {
            let alerts = sample(name);
            assert!(!alerts.is_empty(), "{name}");
            for a in &alerts {
                let t = terms(a);
                all.extend(t.clone());
                for bad in [
                    "dana",
                    "okafor",
                    "dba",
                    "triggerid",
                    "tr_events",
                    "silence",
                    "orgid",
                    "alert_query",
                    "avg",
                    "example",
                    "runbook",
                    "firing",
                    "x2kqp",
                    "linux",
                ] {
                    assert!(!t.iter().any(|w| w == bad), "{name}: {bad} in {t:?}");
                }
            }
        }
        assert!(
            all.iter()
                .all(|w| !w.chars().any(|c| c.is_ascii_digit()) || w == "5xx")
        );
    }

    #[test]
    fn one_problem_from_two_sources_shares_its_words() {
        let pd = &sample("pagerduty-postgres-replication-lag.json")[0];
        let t = terms(pd);
        for want in ["postgres", "replica", "lag"] {
            assert!(t.contains(&want.to_string()), "{t:?}");
        }
        let zabbix = &sample("zabbix-certificate-expiring.json")[0];
        let t = terms(zabbix);
        assert!(
            t.contains(&"tls".to_string()) && t.contains(&"expire".to_string()),
            "{t:?}"
        );
        let oom = &sample("opsgenie-memory-oom.json")[0];
        assert!(terms(oom).contains(&"oom".to_string()));
    }
}
