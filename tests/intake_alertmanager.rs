//! End to end with a real Prometheus Alertmanager (Debian's `prometheus-alertmanager`, which
//! tests/run.sh installs): alerts posted to Alertmanager's API v2 reach `opsassist serve`
//! through a webhook receiver with a bearer token, open one incident, stay one incident on
//! repeats, and are marked resolved at source when ended.

#[path = "support/receiver.rs"]
mod receiver;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use receiver::{Served, TOKEN, incidents, session_count, write_config};

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// A running alertmanager; killed on drop.
struct Alertmanager {
    child: Child,
    port: u16,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"))
        .port()
}

impl Alertmanager {
    fn start(root: &Path, webhook: &str) -> Alertmanager {
        let port = free_port();
        let config = root.join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  resolve_timeout: 5s\nroute:\n  receiver: opsassist\n  group_by: ['alertname', 'instance']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 2s\nreceivers:\n  - name: opsassist\n    webhook_configs:\n      - url: '{webhook}'\n        send_resolved: true\n        http_config:\n          authorization:\n            type: Bearer\n            credentials: '{TOKEN}'\n"
            ),
        )
        .unwrap_or_else(|e| panic!("write alertmanager.yml: {e}"));
        let storage = root.join("am-data");
        let child = Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {ALERTMANAGER}: {e} (tests/run.sh installs it)"));
        let am = Alertmanager { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "alertmanager did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        am
    }

    async fn post(&self, client: &reqwest::Client, alert: &serde_json::Value) {
        let body = serde_json::to_vec(&serde_json::json!([alert])).unwrap_or_default();
        let response = client
            .post(format!("http://127.0.0.1:{}/api/v2/alerts", self.port))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("post to alertmanager: {e}"));
        assert!(response.status().is_success(), "{}", response.status());
    }
}

fn wait_for(
    root: &Path,
    what: &str,
    test: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let now = incidents(root);
        if test(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {now:#?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_pushes_one_incident_then_resolves_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "rate_per_client = 0\n");
    let served = Served::start(root);
    let am = Alertmanager::start(root, &served.url("/v1/alerts"));
    let client = reqwest::Client::new();
    let starts = chrono::Utc::now() - chrono::Duration::minutes(1);
    let mut alert = serde_json::json!({
        "labels": {"alertname": "HostOutOfDiskSpace", "instance": "db-prod-01:9100", "severity": "critical"},
        "annotations": {"summary": "Disk almost full: /var on db-prod-01"},
        "startsAt": starts.to_rfc3339(),
        "generatorURL": "http://prometheus.example.com/graph",
    });
    am.post(&client, &alert).await;
    let first = wait_for(root, "the incident", |i| i.len() == 1);
    assert_eq!(first[0]["key"]["source"], "alertmanager");
    assert_eq!(first[0]["alert"]["host"], "db-prod-01");
    assert_eq!(first[0]["state"], "open");

    // The same alert again (and Alertmanager's own repeats): still one incident, counted.
    am.post(&client, &alert).await;
    let repeated = wait_for(root, "a repeat", |i| {
        i.len() == 1 && i[0]["count"].as_u64().unwrap_or(0) >= 2
    });
    assert_eq!(repeated.len(), 1);

    // Ended at the source: resolved at source, same incident.
    alert["endsAt"] =
        serde_json::json!((chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339());
    am.post(&client, &alert).await;
    let resolved = wait_for(root, "the resolve", |i| {
        i.len() == 1 && i[0]["state"] == "resolved_at_source"
    });
    assert_eq!(resolved[0]["id"], first[0]["id"]);
    assert!(resolved[0]["at"].is_string(), "the resolve time is kept");
    assert_eq!(session_count(root), 0, "the receiver starts no session");
    drop(am);
}
