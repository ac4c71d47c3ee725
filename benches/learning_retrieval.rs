//! Learning retrieval: quality (hit@3, false hits) of the corrections brought back for 40 new
//! alerts from 40 past ones, printed once; then the speed of one lookup.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "learning_data.rs"]
mod learning_data;

fn bench(c: &mut Criterion) {
    let (corpus, queries) = learning_data::load();
    let score = learning_data::score(&corpus, &queries);
    println!("learning retrieval: {}", score.line());
    c.bench_function("learning similar (40 corrections, top 3)", |b| {
        b.iter(|| opsassist::session::learning::similar(black_box(&corpus), &queries[0].0, 3))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
