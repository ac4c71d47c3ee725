//! The learning retrieval benchmark as a test: the figures BENCHMARKS.md reports are what the
//! code gives (printed with --nocapture), and they do not fall below them.

#[path = "../benches/learning_data.rs"]
mod learning_data;

#[test]
fn retrieval_meets_the_benchmarked_hit_rate_and_false_hits() {
    let (corpus, queries) = learning_data::load();
    assert_eq!(corpus.len(), 40);
    assert_eq!(queries.len(), 40);
    let score = learning_data::score(&corpus, &queries);
    println!("learning retrieval: {}", score.line());
    assert_eq!(score.expected, 32);
    assert_eq!(score.novel, 8);
    // BENCHMARKS.md: 27/32 with plain words; 29/32 with CamelCase splitting and light stems;
    // 32/32 with problem signatures and the operations vocabulary (issue 30).
    assert!(score.hits >= 31, "{}", score.line());
    assert_eq!(score.false_hits, 0, "{}", score.line());
    assert_eq!(score.novel_with_hits, 0, "{}", score.line());
}

#[test]
#[ignore = "diagnostics: which alerts miss or get a wrong example"]
fn print_misses() {
    let (corpus, queries) = learning_data::load();
    for (alert, expected) in &queries {
        let found = opsassist::session::learning::matches(&corpus, alert, 3);
        let ids: Vec<String> = found
            .iter()
            .map(|e| format!("{}:{:.2}:{:?}", e.correction.session_id, e.score, e.shared))
            .collect();
        let wrong = found
            .iter()
            .any(|e| Some(&e.correction.session_id) != expected.as_ref());
        let hit = expected
            .as_ref()
            .map(|e| found.iter().any(|x| &x.correction.session_id == e));
        if std::env::var("ALL").is_ok() || hit == Some(false) || wrong {
            println!("{:?} {} -> {:?}", expected, alert.title, ids);
        }
    }
}
