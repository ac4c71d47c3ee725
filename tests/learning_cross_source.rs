//! The cross-source learning benchmark as a test (issue 30): the targets are assertions, the
//! figures BENCHMARKS.md reports are printed (`-- --nocapture`).

#[path = "../benches/learning_cross_data.rs"]
mod learning_cross_data;

use opsassist::session::learning;

#[test]
fn recurrences_from_any_source_find_their_fix_and_nothing_wrong_is_shown() {
    let (corpus, queries) = learning_cross_data::load();
    assert_eq!(corpus.len(), 40);
    assert_eq!(queries.len(), 60);
    let score = learning_cross_data::score(&corpus, &queries);
    println!("learning cross-source:\n{}", score.lines());
    let all = score.recurring();
    assert_eq!(all.queries, 40);
    assert_eq!(score.cross_source.queries, 20);
    assert_eq!(score.unrelated.queries, 20);
    assert!(all.hit3 * 100 >= all.queries * 90, "{}", score.lines());
    assert!(
        score.cross_source.hit3 * 100 >= score.cross_source.queries * 80,
        "{}",
        score.lines()
    );
    assert_eq!(all.wrong, 0, "{}", score.lines());
    assert_eq!(score.unrelated.wrong, 0, "{}", score.lines());
    assert!(score.max_prompt_bytes < 1536, "{}", score.lines());
}

#[test]
#[ignore = "diagnostics: each later incident, what came back and the shared words"]
fn print_each_incident() {
    let (corpus, queries) = learning_cross_data::load();
    for q in &queries {
        let found = learning::matches(&corpus, &q.alert, 3);
        let got: Vec<String> = found
            .iter()
            .map(|e| {
                format!(
                    "{}:{:.2}:{}",
                    e.correction.session_id,
                    e.score,
                    e.shared.join("+")
                )
            })
            .collect();
        let ok = match &q.expected {
            Some(id) => found.iter().all(|e| &e.correction.session_id == id) && !found.is_empty(),
            None => found.is_empty(),
        };
        let terms: Vec<String> = opsassist::alert::signature::Signature::of(&q.alert)
            .terms()
            .problem
            .into_keys()
            .collect();
        println!(
            "{} {:<12} {:?} {} [{}] -> {:?}",
            if ok { "ok  " } else { "MISS" },
            q.kind,
            q.expected,
            q.alert.title,
            terms.join(" "),
            got
        );
    }
}

#[test]
#[ignore = "diagnostics: the first incidents' signatures"]
fn print_firsts() {
    let (corpus, _) = learning_cross_data::load();
    for c in &corpus {
        let sig = c.signature();
        let terms: Vec<String> = sig.terms().problem.into_keys().collect();
        println!(
            "{} {} [{}] role {:?}",
            c.session_id,
            c.title,
            terms.join(" "),
            sig.role
        );
    }
}

#[path = "../benches/learning_variants.rs"]
mod learning_variants;

#[path = "../benches/learning_data.rs"]
mod learning_data;

#[test]
#[ignore = "measurement: what each part of the retrieval adds (BENCHMARKS.md)"]
fn compare_variants() {
    let (corpus, queries) = learning_cross_data::load();
    let (old_corpus, old_queries) = learning_data::load();
    let old_queries: Vec<learning_cross_data::Query> = old_queries
        .into_iter()
        .map(|(alert, expected)| learning_cross_data::Query {
            kind: if expected.is_some() {
                "reworded"
            } else {
                "unrelated"
            }
            .into(),
            alert,
            expected,
        })
        .collect();
    for (name, retrieve) in learning_variants::all() {
        let new = learning_cross_data::score_with(&corpus, &queries, retrieve);
        let old = learning_cross_data::score_with(&old_corpus, &old_queries, retrieve);
        let (r, x) = (new.recurring(), new.cross_source);
        println!(
            "| {name} | {}/{} | {}/{} | {}/{} | {} | {} | {}/{} | {} |",
            r.hit1,
            r.queries,
            r.hit3,
            r.queries,
            x.hit3,
            x.queries,
            r.wrong,
            new.unrelated.wrong,
            old.reworded.hit3,
            old.reworded.queries,
            old.reworded.wrong + old.unrelated.wrong,
        );
    }
}
