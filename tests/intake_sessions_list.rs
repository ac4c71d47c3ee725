//! `opsassist sessions list` shows received incidents that no session took up yet, as state
//! "new (received)" (JSON: `"state":"new","received":true`), next to the sessions.

#[path = "support/receiver.rs"]
mod receiver;

use receiver::{Served, TOKEN, opsassist, write_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_list_shows_received_incidents_without_a_session() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    write_config(root, "rate_per_client = 0\n");
    let served = Served::start(root);
    let body = serde_json::json!({
        "version": "4", "status": "firing", "receiver": "opsassist", "groupLabels": {},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am.example.com",
        "alerts": [{
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db-4:9100", "severity": "critical"},
            "annotations": {"summary": "Disk full on db-4 \u{1b}[2J(list e2e)"},
            "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "list1"
        }]
    });
    let status = reqwest::Client::new()
        .post(served.url("/v1/alerts"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(status, 200);
    let table = opsassist(root)
        .args(["sessions", "list"])
        .output()
        .unwrap_or_else(|e| panic!("sessions list: {e}"));
    assert!(table.status.success());
    let table = String::from_utf8_lossy(&table.stdout);
    let row = table
        .lines()
        .find(|l| l.contains("Disk full on db-4"))
        .unwrap_or_else(|| panic!("no received row:\n{table}"));
    assert!(row.starts_with("inc-"), "{row}");
    assert!(row.contains("new (received)"), "{row}");
    assert!(!table.contains('\u{1b}'), "{table}");
    let json = opsassist(root)
        .args(["sessions", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("sessions list --json: {e}"));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad json {l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["state"], "new");
    assert_eq!(lines[0]["received"], true);
    assert_eq!(lines[0]["source"], "alertmanager");
    assert_eq!(lines[0]["severity"], "critical");
}
