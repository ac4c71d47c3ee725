//! Learning retrieval: quality of the corrections brought back on the old benchmark (40 past,
//! 40 new alerts) and on the cross-source benchmark (40 firsts, 60 laters), printed once; then
//! the time of one lookup among 40 and among 10,000 stored corrections.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use opsassist::alert::Source;
use opsassist::alert::signature::Signature;
use opsassist::session::corrections;
use opsassist::session::learning::{self, Correction};

#[path = "learning_data.rs"]
mod learning_data;

#[path = "learning_cross_data.rs"]
mod learning_cross_data;

/// A distinct lower-case word per `n` (`ba`, `ca`, … `bab`), so copies are not identical.
fn word(mut n: usize) -> String {
    let mut out = String::new();
    loop {
        out.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    format!("x{out}q")
}

/// 10,000 corrections: the cross-source firsts copied 250 times, each copy with one word of
/// its own in the title and its signature stored as a recorded correction has it.
fn ten_thousand(firsts: &[Correction]) -> Vec<Correction> {
    let mut out = Vec::with_capacity(10_000);
    for k in 0..250 {
        for c in firsts {
            let mut copy = c.clone();
            copy.session_id = format!("{}-{k}", c.session_id);
            copy.title = format!("{} {}", c.title, word(k));
            copy.executed = format!("{} # {k}", c.executed);
            let source: Source = copy.source.parse().unwrap_or(Source::Generic);
            copy.signature = Some(Signature::from_parts(
                source,
                &copy.title,
                copy.host.as_deref(),
                &copy.labels,
            ));
            // Through JSON, as records are loaded (no folded terms cached yet).
            let line = serde_json::to_string(&copy).expect("encode");
            out.push(serde_json::from_str(&line).expect("decode"));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let (corpus, queries) = learning_data::load();
    let score = learning_data::score(&corpus, &queries);
    println!("learning retrieval: {}", score.line());
    let (firsts, laters) = learning_cross_data::load();
    println!(
        "learning cross-source:\n{}",
        learning_cross_data::score(&firsts, &laters).lines()
    );
    c.bench_function("learning matches (40 corrections, top 3)", |b| {
        b.iter(|| learning::matches(black_box(&corpus), &queries[0].0, 3))
    });
    let grafana = &laters[0].alert;
    c.bench_function(
        "learning matches (10,000 corrections just loaded, first lookup)",
        |b| {
            b.iter_batched(
                || ten_thousand(&firsts),
                |many| learning::matches(black_box(&many), grafana, 3),
                criterion::BatchSize::LargeInput,
            )
        },
    );
    let many = ten_thousand(&firsts);
    c.bench_function("learning matches (10,000 corrections, top 3)", |b| {
        b.iter(|| learning::matches(black_box(&many), grafana, 3))
    });
    let unrelated = &laters[laters.len() - 1].alert;
    c.bench_function(
        "learning matches (10,000 corrections, unrelated alert)",
        |b| b.iter(|| learning::matches(black_box(&many), unrelated, 3)),
    );
    // What a session start does: read the data dir's corrections (unchanged since the last
    // session, so the process's cached set with its folded terms) and look up.
    let dir = tempfile::tempdir().expect("tempdir");
    let lines: Vec<String> = many
        .iter()
        .map(|c| serde_json::to_string(c).expect("encode"))
        .collect();
    std::fs::write(
        learning::corrections_path(dir.path()),
        lines.join("\n") + "\n",
    )
    .expect("write corrections");
    assert_eq!(corrections::load(None, dir.path()).len(), 10_000);
    c.bench_function(
        "session start: corrections::load + matches (10,000 in the file, unchanged)",
        |b| {
            b.iter(|| {
                let past = corrections::load(None, black_box(dir.path()));
                learning::matches(&past, grafana, 3)
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
