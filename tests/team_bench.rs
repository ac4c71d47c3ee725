//! Team-mode measurements (ignored by default; BENCHMARKS.md quotes them): per-step overhead
//! of a session with files only vs with the events and audit chain also committed to
//! PostgreSQL, and receiver ingest with 1 and 2 `opsassist serve` replicas on one database.
//! Run: `cargo test --release --test team_bench -- --ignored --nocapture --test-threads 1`.

#[path = "support/receiver.rs"]
mod receiver;
mod session_harness;
mod support;

use std::time::{Duration, Instant};

use serde_json::json;

use receiver::{Served, TOKEN, write_config};
use session_harness::*;
use support::fake_llm::{FakeLlm, Reply};
use support::postgres;

const SESSIONS: usize = 20;

/// Mean wall time of one two-turn session with one auto-approved read-only call.
async fn per_session() -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..SESSIONS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::spawn_blocking_openai(vec![
            Reply::ToolCalls(vec![(
                "local_shell".into(),
                json!({"command": "df -h", "reason": "look"}),
            )]),
            Reply::Text("Fine.".into()),
        ]);
        let setup = Setup {
            auto: true,
            ..Setup::default()
        };
        let core = core(dir.path(), &fake, &setup);
        let started = Instant::now();
        let _ = run_session(core, alert("Disk", "df"), |_| approve()).await;
        total += started.elapsed();
    }
    total / SESSIONS as u32
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn per_step_overhead_files_vs_postgres() {
    let files = per_session().await;
    STORE_URL.get_or_init(|| postgres::database("bench_steps"));
    let pg = per_session().await;
    println!(
        "per session (2 model turns, 1 tool call) over {SESSIONS} sessions: files {:.2} ms, files + postgres {:.2} ms, overhead {:.2} ms",
        files.as_secs_f64() * 1e3,
        pg.as_secs_f64() * 1e3,
        (pg.as_secs_f64() - files.as_secs_f64()) * 1e3
    );
}

async fn ingest(replicas: &[&Served], alerts: usize, concurrency: usize) -> f64 {
    let client = reqwest::Client::new();
    let urls: Vec<String> = replicas.iter().map(|r| r.url("/v1/alerts")).collect();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let run = format!("{}", std::process::id());
    for worker in 0..concurrency {
        let (client, urls, next, run) = (client.clone(), urls.clone(), next.clone(), run.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= alerts {
                    break;
                }
                let body = json!({
                    "version": "4", "status": "firing", "receiver": "r", "groupKey": "g",
                    "alerts": [{"status": "firing",
                        "labels": {"alertname": format!("A{i}"), "severity": "warning"},
                        "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
                        "fingerprint": format!("{run}-{}", i % 2000)}]
                });
                let url = &urls[worker % urls.len()];
                let status = client
                    .post(url)
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await
                    .expect("post")
                    .status();
                assert!(status.is_success(), "{status}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("join");
    }
    alerts as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn receiver_ingest_one_and_two_replicas_on_one_database() {
    let url = postgres::database("bench_ingest");
    let dirs: Vec<_> = (0..3)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    write_config(dirs[0].path(), "rate_per_client = 0\n");
    let files = Served::start(dirs[0].path());
    for d in &dirs[1..] {
        write_config(
            d.path(),
            &format!("rate_per_client = 0\n[store]\nurl = {url:?}\n"),
        );
    }
    let a = Served::start(dirs[1].path());
    let b = Served::start(dirs[2].path());
    let n = 4000;
    let f = ingest(&[&files], n, 32).await;
    let one = ingest(&[&a], n, 32).await;
    let two = ingest(&[&a, &b], n, 32).await;
    println!(
        "ingest, {n} alerts one per request, 32 concurrent clients: files 1 receiver {f:.0}/s, postgres 1 replica {one:.0}/s, postgres 2 replicas {two:.0}/s"
    );
}
