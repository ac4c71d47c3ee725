//! Sustained loopback ingest with the load generator in its own process (issue 11): this
//! bench starts the real `opsassist serve` (release build, bearer auth, durable group-committed
//! inbox with dedup, rate limit off) and drives it from here with hyper HTTP/1.1 clients over
//! keep-alive connections, many requests in flight. Fingerprints cycle over [`DISTINCT`] keys,
//! so after the first pass nearly every alert takes the dedup path.
//!
//! For each case it prints alerts/s, the accept latency (request sent → 2xx, which means on
//! disk) p50/p99/max, and the CPU time the receiver and the generator used per 1,000 alerts
//! (from `/proc/PID/stat`), which says more than the rate on a shared, loaded machine.
//!
//! `cargo bench --bench intake_load -- [--warm-up-time S] [--measurement-time S]
//! [--connections N] [--group G] [--threads T]`; without `--connections`/`--group` it runs
//! the standard cases. `INTAKE_LOAD_SERVER=/path/to/opsassist` serves with another build (to
//! compare two builds back to back under the same load). Without `--bench` (as `cargo test --benches` runs it) each case runs
//! for a fraction of a second, to check that the bench works.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::net::TcpStream;

#[path = "../tests/support/receiver.rs"]
mod receiver;
use receiver::{Served, TOKEN, write_config};

/// Distinct fingerprints: after the first pass every alert is a repeat (dedup path).
const DISTINCT: usize = 2000;
/// `/proc/PID/stat` times are in USER_HZ, which Linux fixes at 100 for user space.
const TICKS_PER_SEC: f64 = 100.0;

#[derive(Clone, Copy, Debug)]
struct Case {
    connections: usize,
    group: usize,
}

struct Settings {
    warm_up: Duration,
    measure: Duration,
    threads: usize,
    cases: Vec<Case>,
}

fn settings() -> Settings {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let secs = |name: &str, default: f64| {
        value(name)
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(Duration::from_secs_f64(default), Duration::from_secs_f64)
    };
    let benching = args.iter().any(|a| a == "--bench");
    let (warm_default, measure_default) = if benching { (1.0, 3.0) } else { (0.1, 0.3) };
    let connections = value("--connections").and_then(|v| v.parse().ok());
    let group = value("--group").and_then(|v| v.parse().ok());
    let cases = match (connections, group) {
        (None, None) => vec![
            Case {
                connections: 64,
                group: 1,
            },
            Case {
                connections: 256,
                group: 1,
            },
            Case {
                connections: 64,
                group: 10,
            },
        ],
        (c, g) => vec![Case {
            connections: c.unwrap_or(64),
            group: g.unwrap_or(1),
        }],
    };
    Settings {
        warm_up: secs("--warm-up-time", warm_default),
        measure: secs("--measurement-time", measure_default),
        threads: value("--threads")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1),
        cases,
    }
}

/// One generic alert (the shape a script posts), fingerprint `n`.
fn one_alert(n: usize) -> String {
    format!(
        r#"{{"title":"bench alert {n}","severity":"critical","host":"host-{n}","description":"load is high","fingerprint":"bench-{n}"}}"#
    )
}

/// An Alertmanager webhook group of `size` alerts, fingerprints from `start`.
fn group_of(start: usize, size: usize) -> String {
    let alerts: Vec<String> = (start..start + size)
        .map(|i| {
            let i = i % DISTINCT;
            format!(
                r#"{{"status":"firing","labels":{{"alertname":"HostHighCpuLoad","instance":"web-{i}:9100","severity":"critical"}},"annotations":{{"summary":"CPU high on web-{i}"}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"g{i:012x}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"version":"4","status":"firing","receiver":"opsassist","groupKey":"{{}}:{{alertname=\"HostHighCpuLoad\"}}","groupLabels":{{"alertname":"HostHighCpuLoad"}},"commonLabels":{{"alertname":"HostHighCpuLoad","severity":"critical"}},"commonAnnotations":{{}},"externalURL":"http://am","truncatedAlerts":0,"alerts":[{}]}}"#,
        alerts.join(",")
    )
}

fn bodies(group: usize) -> Arc<Vec<Bytes>> {
    let n = DISTINCT.div_ceil(group);
    Arc::new(
        (0..n)
            .map(|i| {
                Bytes::from(if group == 1 {
                    one_alert(i)
                } else {
                    group_of(i * group, group)
                })
            })
            .collect(),
    )
}

/// A running `opsassist serve` (the build under test, or `INTAKE_LOAD_SERVER`), killed on drop.
fn serve(root: &Path) -> Served {
    write_config(
        root,
        "rate_per_client = 0\ninbox_capacity = 1000000\nqueue_capacity = 1000000\n",
    );
    // INTAKE_LOAD_SERVER runs another build (a saved baseline) under the same load.
    let program = std::env::var_os("INTAKE_LOAD_SERVER")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_opsassist").into());
    Served::start_program(root, &program)
}

/// CPU seconds (user + system) `pid` used so far ("self" for this process).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) end with ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / TICKS_PER_SEC
}

/// What one connection saw: (completed at, latency, alerts) per 2xx; and non-2xx answers.
#[derive(Default)]
struct Seen {
    done: Vec<(Instant, Duration, u32)>,
    refused: usize,
}

async fn connection(
    addr: String,
    bodies: Arc<Vec<Bytes>>,
    next: Arc<AtomicUsize>,
    group: usize,
    stop: Arc<AtomicBool>,
) -> Seen {
    let mut seen = Seen::default();
    let stream = TcpStream::connect(&addr)
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap_or_else(|e| panic!("handshake: {e}"));
    tokio::spawn(conn);
    let uri = format!("http://{addr}/v1/alerts");
    let authorization = format!("Bearer {TOKEN}");
    while !stop.load(Ordering::Relaxed) {
        let i = next.fetch_add(1, Ordering::Relaxed) % bodies.len();
        let request = hyper::Request::post(uri.as_str())
            .header(hyper::header::HOST, addr.as_str())
            .header(hyper::header::AUTHORIZATION, authorization.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(bodies[i].clone()))
            .unwrap_or_else(|e| panic!("request: {e}"));
        if sender.ready().await.is_err() {
            break;
        }
        let sent = Instant::now();
        let Ok(response) = sender.send_request(request).await else {
            break;
        };
        let ok = response.status().is_success();
        let _ = response.into_body().collect().await;
        let now = Instant::now();
        if ok {
            seen.done.push((now, now - sent, group as u32));
        } else {
            seen.refused += 1;
        }
    }
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run_case(settings: &Settings, case: Case) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let served = serve(dir.path());
    let server_pid = served.pid().to_string();
    let runtime = if settings.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(settings.threads)
            .enable_all()
            .build()
    }
    .unwrap_or_else(|e| panic!("runtime: {e}"));
    let bodies = bodies(case.group);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let window_start = started + settings.warm_up;
    let window_end = window_start + settings.measure;
    let mut cpu_at_window = (0.0, 0.0);
    let seen: Vec<Seen> = runtime.block_on(async {
        let tasks: Vec<_> = (0..case.connections)
            .map(|_| {
                tokio::spawn(connection(
                    served.addr.clone(),
                    bodies.clone(),
                    next.clone(),
                    case.group,
                    stop.clone(),
                ))
            })
            .collect();
        tokio::time::sleep_until(window_start.into()).await;
        cpu_at_window = (cpu_seconds(&server_pid), cpu_seconds("self"));
        tokio::time::sleep_until(window_end.into()).await;
        cpu_at_window = (
            cpu_seconds(&server_pid) - cpu_at_window.0,
            cpu_seconds("self") - cpu_at_window.1,
        );
        stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for task in tasks {
            if let Ok(seen) = task.await {
                all.push(seen);
            }
        }
        all
    });
    let mut latencies = Vec::new();
    let mut alerts = 0u64;
    let mut refused = 0;
    for s in &seen {
        refused += s.refused;
        for &(at, latency, n) in &s.done {
            if at >= window_start && at < window_end {
                latencies.push(latency);
                alerts += u64::from(n);
            }
        }
    }
    latencies.sort();
    let secs = settings.measure.as_secs_f64();
    let per_k = |cpu: f64| {
        if alerts == 0 {
            0.0
        } else {
            cpu * 1000.0 / alerts as f64 * 1000.0
        }
    };
    eprintln!(
        "intake_load: {} alert(s)/request, {} connections, {} generator thread(s): {:.0} alerts/s ({} requests in {secs:.1} s), accept latency p50 {:.2?} p99 {:.2?} max {:.2?}; CPU per 1,000 alerts: receiver {:.1} ms, generator {:.1} ms; receiver used {:.2} cores; {} refused",
        case.group,
        case.connections,
        settings.threads,
        alerts as f64 / secs,
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
        per_k(cpu_at_window.0),
        per_k(cpu_at_window.1),
        cpu_at_window.0 / secs,
        refused,
    );
    assert!(alerts > 0, "no alert was acknowledged");
    drop(served);
}

fn main() {
    let settings = settings();
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        eprintln!(
            "intake_load: load average {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    for case in settings.cases.clone() {
        run_case(&settings, case);
    }
}
