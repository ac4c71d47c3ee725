//! Alert receiver throughput: a real `opsassist` receiver (axum on loopback, bearer auth,
//! durable group-committed inbox with dedup) driven by 64 concurrent keep-alive clients.
//! Reports alerts/s through criterion and the p50/p99 accept latency (request sent → 2xx,
//! which means on disk) on stderr.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opsassist::config::Investigate;
use opsassist::intake::auth::Auth;
use opsassist::intake::scheduler::{Scheduler, SchedulerOptions};
use opsassist::intake::server::{self, ReceiverOptions};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::store::SqliteStore;

/// The allocator the `opsassist` binary uses, so the in-process receiver behaves like it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "bench-token";
const CLIENTS: usize = 64;
const PER_ITER: usize = 1000;
/// Distinct fingerprints: after the first pass every alert is a repeat (dedup path).
const DISTINCT: usize = 2000;

fn one_alert(n: usize) -> Vec<u8> {
    let n = n % DISTINCT;
    format!(
        r#"{{"title":"bench alert {n}","severity":"critical","host":"host-{n}","description":"load is high","fingerprint":"bench-{n}"}}"#
    )
    .into_bytes()
}

fn group_of(start: usize, size: usize) -> Vec<u8> {
    group_over(start, size, DISTINCT)
}

/// A group of `size` alerts with fingerprints `start..start + size` modulo `distinct`.
fn group_over(start: usize, size: usize, distinct: usize) -> Vec<u8> {
    let alerts: Vec<String> = (start..start + size)
        .map(|i| {
            let i = i % distinct;
            format!(
                r#"{{"status":"firing","labels":{{"alertname":"HostHighCpuLoad","instance":"web-{i}:9100","severity":"critical"}},"annotations":{{"summary":"CPU high on web-{i}"}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"g{i:012x}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"version":"4","status":"firing","receiver":"opsassist","groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{}]}}"#,
        alerts.join(",")
    )
    .into_bytes()
}

struct Rig {
    runtime: tokio::runtime::Runtime,
    url: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

fn rig() -> Rig {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = Arc::new(
        SqliteStore::at(&dir.path().join("store.db")).unwrap_or_else(|e| panic!("store: {e}")),
    );
    let intake = Intake::open(
        store,
        IntakeOptions {
            inbox_capacity: 1_000_000,
            queue_capacity: 100_000,
            ..IntakeOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("intake: {e}"));
    let url = runtime.block_on(async {
        let receiver = server::bind(
            "127.0.0.1:0",
            intake,
            ReceiverOptions {
                auth: Auth::new(Some(TOKEN), &[]),
                max_bytes: 10 << 20,
                rate_per_client: 0,
                rate_burst: 0,
                request_timeout: Duration::from_secs(30),
                ..ReceiverOptions::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
        let url = format!("http://{}/v1/alerts", receiver.addr);
        tokio::spawn(receiver.serve(std::future::pending()));
        url
    });
    Rig {
        runtime,
        url,
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENTS)
            .build()
            .unwrap_or_else(|e| panic!("client: {e}")),
        _dir: dir,
    }
}

/// Post `bodies` with [`CLIENTS`] concurrent workers; latencies of every request are kept.
async fn post_all(rig: &Rig, bodies: Arc<Vec<Vec<u8>>>, latencies: &Arc<Mutex<Vec<Duration>>>) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let (client, url, bodies, next, latencies) = (
            rig.client.clone(),
            rig.url.clone(),
            bodies.clone(),
            next.clone(),
            latencies.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("post: {e}"));
                assert!(response.status().is_success(), "{}", response.status());
                let _ = response.bytes().await;
                mine.push(sent.elapsed());
            }
            latencies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(mine);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, latencies: &Mutex<Vec<Duration>>) {
    let mut all = latencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
    all.sort();
    eprintln!(
        "{name}: {} requests, accept latency p50 {:?}, p99 {:?}, max {:?}",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default()
    );
}

fn bench(c: &mut Criterion) {
    let rig = rig();
    let mut group = c.benchmark_group("intake");
    group.throughput(Throughput::Elements(PER_ITER as u64));
    group.sample_size(10);

    let single = Arc::new((0..PER_ITER * 4).map(one_alert).collect::<Vec<_>>());
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut offset = 0usize;
    group.bench_function("1000_alerts_one_per_request_64_clients", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = offset % (PER_ITER * 3);
                offset += PER_ITER;
                let bodies = Arc::new(single[start..start + PER_ITER].to_vec());
                let t = Instant::now();
                rig.runtime.block_on(post_all(&rig, bodies, &latencies));
                total += t.elapsed();
            }
            total
        })
    });
    report("one alert per request", &latencies);

    let grouped = Arc::new(
        (0..PER_ITER / 10)
            .map(|r| group_of(r * 10, 10))
            .collect::<Vec<_>>(),
    );
    let latencies = Arc::new(Mutex::new(Vec::new()));
    group.bench_function("1000_alerts_in_groups_of_10_64_clients", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rig.runtime
                    .block_on(post_all(&rig, grouped.clone(), &latencies));
                total += t.elapsed();
            }
            total
        })
    });
    report("groups of 10", &latencies);
    group.finish();

    // What a console does when 10,000 alerts land: read the new records and decide what to
    // start (off the UI thread; the UI gets one status line per poll).
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = Arc::new(
        SqliteStore::at(&dir.path().join("store.db")).unwrap_or_else(|e| panic!("store: {e}")),
    );
    let intake = Intake::open(
        store.clone(),
        IntakeOptions {
            inbox_capacity: 1_000_000,
            ..IntakeOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("intake: {e}"));
    let storm = |offset: usize| -> Vec<u8> {
        format!(
            "[{}]",
            (0..10)
                .map(|g| {
                    let start = offset + g * 1000;
                    String::from_utf8_lossy(&group_over(start, 1000, usize::MAX)).into_owned()
                })
                .collect::<Vec<_>>()
                .join(",")
        )
        .into_bytes()
    };
    let auto = || {
        Scheduler::new(SchedulerOptions {
            investigate: Investigate::Auto,
            max_concurrent: 3,
            min_severity: None,
        })
    };
    let mut storms = 0;
    let mut console = c.benchmark_group("intake_console");
    console.throughput(Throughput::Elements(10_000));
    console.sample_size(10);
    // A console following the inbox while 10,000 new incidents arrive: one poll reads them.
    console.bench_function("scheduler_poll_10000_new_incidents", |b| {
        b.iter_batched(
            || {
                let mut scheduler = auto();
                scheduler.poll(store.as_ref()).unwrap_or_default();
                storms += 1;
                rig.runtime
                    .block_on(intake.ingest(&storm(storms * 10_000), None, 64 << 20))
                    .unwrap_or_else(|e| panic!("storm: {e}"));
                scheduler
            },
            |mut scheduler| {
                let update = scheduler.poll(store.as_ref()).unwrap_or_default();
                assert_eq!(update.opened.len(), 10_000);
                assert_eq!(scheduler.due().len(), 3);
            },
            criterion::BatchSize::PerIteration,
        )
    });
    // A console starting on that store: the oldest waiting and the newest, not a replay.
    console.bench_function("scheduler_start_on_the_stored_storms", |b| {
        b.iter(|| {
            let mut scheduler = auto();
            let update = scheduler.poll(store.as_ref()).unwrap_or_default();
            assert_eq!(update.opened.len(), 2 * opsassist::intake::scheduler::HELD);
            assert_eq!(scheduler.due().len(), 3);
        })
    });
    console.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
