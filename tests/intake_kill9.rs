//! Durable accept: `opsassist serve` is SIGKILLed while a client posts 1,000 alerts; every
//! alert that got a 2xx is in the inbox after a restart.

#[path = "support/receiver.rs"]
mod receiver;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use receiver::{Served, TOKEN, incidents, write_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_alert_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "rate_per_client = 0\n");
    let mut served = Served::start(root);
    let url = served.url("/v1/alerts");
    let client = reqwest::Client::new();
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ok_count = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..64 {
        let (client, url, acked, ok_count, next) = (
            client.clone(),
            url.clone(),
            acked.clone(),
            ok_count.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= 1000 {
                    return;
                }
                let body = format!(
                    r#"{{"title":"kill9 alert {n}","severity":"critical","host":"h{n}","fingerprint":"fp-{n}"}}"#
                );
                let sent = client
                    .post(&url)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                if let Ok(response) = sent
                    && response.status().is_success()
                {
                    acked.lock().unwrap_or_else(|p| p.into_inner()).push(n);
                    ok_count.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while ok_count.load(Ordering::SeqCst) < 300 {
        assert!(std::time::Instant::now() < deadline, "posting stalled");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    served.kill9();
    for worker in workers {
        let _ = worker.await;
    }
    let acked: HashSet<usize> = acked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .copied()
        .collect();
    assert!(
        acked.len() >= 300 && acked.len() < 1000,
        "killed mid-stream: {}",
        acked.len()
    );

    // Restart: the receiver opens the same inbox (repairing any torn tail) and serves.
    let restarted = Served::start(root);
    let stored: HashSet<String> = incidents(root)
        .iter()
        .filter_map(|i| i["key"]["fingerprint"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<usize> = acked
        .iter()
        .copied()
        .filter(|n| !stored.contains(&format!("fp-{n}")))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let response = client
        .post(restarted.url("/v1/alerts"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(r#"{"title":"after restart","fingerprint":"fp-0"}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("post after restart: {e}"));
    assert!(response.status().is_success());
}
