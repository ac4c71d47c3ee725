//! Alert intake throughput: real samples, a big Alertmanager group, and hostile payloads.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsassist::alert::{ParseOptions, parse};

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/alerts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap_or_default()
}

/// An Alertmanager group of `n` alerts shaped like the shared disk-full sample.
fn big_group(n: usize) -> Vec<u8> {
    let alerts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"status":"firing","labels":{{"alertname":"HostOutOfDiskSpace","instance":"db-{i}.example.com:9100","severity":"critical","mountpoint":"/var"}},"annotations":{{"summary":"Disk almost full on db-{i}","description":"Filesystem /var has 3% left."}},"startsAt":"2025-03-11T06:40:12.004Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example.com:9090/graph","fingerprint":"{i:016x}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"receiver":"r","status":"firing","version":"4","groupKey":"k","commonLabels":{{"severity":"critical"}},"externalURL":"http://am.example.com","alerts":[{}]}}"#,
        alerts.join(",")
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    let opts = ParseOptions::default();
    let mut group = c.benchmark_group("alert_parse");
    for name in [
        "alertmanager-disk-full-var.json",
        "grafana-nginx-5xx.json",
        "pagerduty-postgres-replication-lag.json",
        "zabbix-systemd-service-failed.json",
    ] {
        let bytes = sample(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| parse(black_box(&bytes), &opts)));
    }
    let big = big_group(10_000);
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.sample_size(10);
    group.bench_function("alertmanager_group_10k_alerts", |b| {
        b.iter(|| parse(black_box(&big), &opts))
    });
    let deep = vec![b'['; 10 * 1024 * 1024 - 1];
    group.throughput(Throughput::Bytes(deep.len() as u64));
    group.bench_function("reject_10MiB_of_brackets", |b| {
        b.iter(|| parse(black_box(&deep), &opts))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
