//! The learning retrieval benchmark's data and score: 40 past corrections and 40 new alerts
//! (benches/data/learning.json; 32 should bring back one correction, 8 are novel), scored as
//! hit@3 (the expected correction among the top 3) and false hits (any other correction shown).
#![allow(dead_code)]

use std::collections::BTreeMap;

use opsassist::alert::{Alert, Source, Status};
use opsassist::session::learning::{self, Correction};

const DATA: &str = include_str!("data/learning.json");

#[derive(serde::Deserialize)]
struct Item {
    #[serde(default)]
    id: String,
    title: String,
    host: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    proposed: String,
    #[serde(default)]
    executed: String,
    #[serde(default)]
    expected: Option<String>,
}

#[derive(serde::Deserialize)]
struct Data {
    corpus: Vec<Item>,
    queries: Vec<Item>,
}

/// The benchmark's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Alerts with an expected correction.
    pub expected: usize,
    /// Of those, how many got it among the top 3.
    pub hits: usize,
    /// Corrections shown that were not the expected one (over all 40 alerts).
    pub false_hits: usize,
    /// Novel alerts that were shown any correction.
    pub novel_with_hits: usize,
    pub novel: usize,
}

impl Score {
    pub fn line(&self) -> String {
        format!(
            "hit@3 {}/{} ({:.0}%), false hits {}, novel alerts shown a correction {}/{}",
            self.hits,
            self.expected,
            self.hits as f64 * 100.0 / self.expected.max(1) as f64,
            self.false_hits,
            self.novel_with_hits,
            self.novel
        )
    }
}

fn alert(item: &Item) -> Alert {
    Alert {
        source: Source::Alertmanager,
        title: item.title.clone(),
        severity: Some("warning".into()),
        status: Status::Firing,
        host: Some(item.host.clone()),
        description: None,
        starts_at: None,
        url: None,
        labels: item.labels.clone(),
        fingerprint: None,
        raw: opsassist::alert::RawJson::null(),
    }
}

/// The corpus as stored corrections (session id = the item id) and the queries.
pub fn load() -> (Vec<Correction>, Vec<(Alert, Option<String>)>) {
    let data: Data = serde_json::from_str(DATA).expect("benches/data/learning.json parses");
    let redactor = opsassist::policy::Redactor::new(Vec::new());
    let corpus = data
        .corpus
        .iter()
        .map(|c| {
            Correction::new(
                &c.id,
                &alert(c),
                &c.tool,
                &c.proposed,
                &c.executed,
                &redactor,
            )
        })
        .collect();
    let queries = data
        .queries
        .iter()
        .map(|q| (alert(q), q.expected.clone()))
        .collect();
    (corpus, queries)
}

/// Score `learning::similar` with `max = 3` over the benchmark.
pub fn score(corpus: &[Correction], queries: &[(Alert, Option<String>)]) -> Score {
    let mut s = Score {
        expected: 0,
        hits: 0,
        false_hits: 0,
        novel_with_hits: 0,
        novel: 0,
    };
    for (alert, expected) in queries {
        let found = learning::similar(corpus, alert, 3);
        match expected {
            Some(id) => {
                s.expected += 1;
                if found.iter().any(|(_, c)| &c.session_id == id) {
                    s.hits += 1;
                }
            }
            None => {
                s.novel += 1;
                if !found.is_empty() {
                    s.novel_with_hits += 1;
                }
            }
        }
        s.false_hits += found
            .iter()
            .filter(|(_, c)| Some(&c.session_id) != expected.as_ref())
            .count();
    }
    s
}
