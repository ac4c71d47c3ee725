//! Every sender's sample payload posted to a real `opsassist serve` with the headers that
//! sender uses (PagerDuty signed with HMAC-SHA256), plus what must be refused: wrong token,
//! wrong signature, oversize, garbage and floods. None of it crashes the receiver or starts
//! a session.

#[path = "support/receiver.rs"]
mod receiver;

use std::path::Path;

use receiver::{Served, TOKEN, incidents, session_count, write_config};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alerts");
const PD_SECRET: &str = "pd-signing-secret";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn signature(secret: &str, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(opsassist::intake::auth::pagerduty_signature(
            secret.as_bytes(),
            body
        ))
    )
}

/// The PagerDuty sample as a fresh event: `occurred_at` now and a new event id.
fn fresh_pagerduty() -> Vec<u8> {
    let mut event: serde_json::Value =
        serde_json::from_slice(&fixture("pagerduty-postgres-replication-lag.json"))
            .unwrap_or_else(|e| panic!("fixture: {e}"));
    event["event"]["occurred_at"] = chrono::Utc::now().to_rfc3339().into();
    event["event"]["id"] = format!("E{}", std::process::id()).into();
    serde_json::to_vec(&event).unwrap_or_else(|e| panic!("json: {e}"))
}

fn setup(dir: &Path, extra: &str) -> Served {
    let secrets = dir.join("pd-secrets");
    std::fs::write(&secrets, format!("old-rotated-secret\n{PD_SECRET}\n"))
        .unwrap_or_else(|e| panic!("secrets: {e}"));
    receiver::private(&secrets);
    write_config(
        dir,
        &format!(
            "pagerduty_secrets_file = {:?}\n{extra}",
            secrets.display().to_string()
        ),
    );
    Served::start(dir)
}

async fn status(request: reqwest::RequestBuilder) -> (u16, Option<String>, String) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sender_with_its_headers_and_every_refusal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    // A small body cap, so the oversize body fits in loopback socket buffers and the client
    // reads the early 413 instead of a reset.
    let served = setup(
        root,
        "rate_per_client = 0\n[limits]\nmax_alert_bytes = 65536\n",
    );
    let client = reqwest::Client::new();
    let post = |path: &str, body: Vec<u8>| {
        client
            .post(served.url(path))
            .header("content-type", "application/json")
            .body(body)
    };
    let bearer = format!("Bearer {TOKEN}");
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("grafana:{TOKEN}")
        )
    );

    // Alertmanager: bearer, auto-detected; a group of two is two incidents.
    let (code, _, body) = status(
        post("/v1/alerts", fixture("alertmanager-disk-full-var.json"))
            .header("authorization", &bearer)
            .header("user-agent", "Alertmanager/0.25.0"),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(incidents(root).len(), 2);
    // Grafana: basic auth, forced format.
    let (code, _, body) = status(
        post("/v1/alerts/grafana", fixture("grafana-nginx-5xx.json"))
            .header("authorization", &basic)
            .header("user-agent", "Grafana"),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    // PagerDuty V3 on its own path: signed with the second secret, no token; a fresh event
    // (older ones are refused as replays).
    let pd = fresh_pagerduty();
    let (code, _, body) = status(
        post("/v1/alerts/pagerduty", pd.clone())
            .header("x-pagerduty-signature", signature(PD_SECRET, &pd))
            .header("x-webhook-id", "8a1d6f5e-0000-4000-8000-000000000001")
            .header("x-webhook-subscription", "PSUB123")
            .header("user-agent", "PagerDuty-Webhook/V3.0"),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    // Opsgenie, Datadog, Zabbix: bearer (custom header in their webhook settings).
    for (name, path) in [
        ("opsgenie-memory-oom.json", "/v1/alerts/opsgenie"),
        ("datadog-high-load-average.json", "/v1/alerts"),
        ("zabbix-systemd-service-failed.json", "/v1/alerts/zabbix"),
        ("zabbix-certificate-expiring.json", "/v1/alerts"),
    ] {
        let (code, _, body) =
            status(post(path, fixture(name)).header("authorization", &bearer)).await;
        assert_eq!(code, 200, "{name}: {body}");
    }
    let before = incidents(root).len();
    assert_eq!(before, 8);

    // Refusals.
    let (code, _, _) = status(
        post("/v1/alerts", fixture("grafana-k8s-crashloop.json"))
            .header("authorization", "Bearer wrong"),
    )
    .await;
    assert_eq!(code, 401, "wrong token");
    let (code, _, _) = status(post("/v1/alerts", fixture("grafana-k8s-crashloop.json"))).await;
    assert_eq!(code, 401, "no token");
    let (code, _, _) = status(
        post("/v1/alerts/pagerduty", pd.clone())
            .header("x-pagerduty-signature", signature("not-the-secret", &pd)),
    )
    .await;
    assert_eq!(code, 401, "wrong signature");
    let mut tampered = pd.clone();
    tampered.extend_from_slice(b" ");
    let (code, _, _) = status(
        post("/v1/alerts/pagerduty", tampered)
            .header("x-pagerduty-signature", signature(PD_SECRET, &pd)),
    )
    .await;
    assert_eq!(code, 401, "a signature over another body");
    let (code, _, _) = status(
        post("/v1/alerts", pd.clone()).header("x-pagerduty-signature", signature(PD_SECRET, &pd)),
    )
    .await;
    assert_eq!(
        code, 401,
        "a signature authenticates the PagerDuty path only"
    );
    let huge = vec![b' '; 100 * 1024];
    let (code, _, _) = status(post("/v1/alerts", huge).header("authorization", &bearer)).await;
    assert_eq!(code, 413, "oversize");
    let (code, _, body) =
        status(post("/v1/alerts", b"{\"alerts\": [1, 2".to_vec()).header("authorization", &bearer))
            .await;
    assert_eq!(code, 400);
    assert!(body.contains("JSON") && body.lines().count() == 1, "{body}");
    let (code, _, _) = status(
        post("/v1/alerts", b"\xff\xfe\x00garbage".to_vec()).header("authorization", &bearer),
    )
    .await;
    assert_eq!(code, 400, "binary garbage");
    let (code, _, _) = status(
        post("/v1/alerts/zabbix", fixture("grafana-k8s-crashloop.json"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(code, 400, "a payload of another format when one is forced");

    assert_eq!(incidents(root).len(), before, "nothing refused was stored");
    let metrics = client
        .get(served.url("/metrics"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("metrics: {e}"))
        .text()
        .await
        .unwrap_or_default();
    for line in [
        "opsassist_intake_rejected_total{reason=\"unauthorized\"} 3",
        "opsassist_intake_rejected_total{reason=\"bad_signature\"} 2",
        "opsassist_intake_rejected_total{reason=\"too_large\"} 1",
        "opsassist_intake_rejected_total{reason=\"bad_payload\"} 3",
        "opsassist_intake_incidents_opened_total 8",
        "opsassist_intake_inbox_depth 8",
    ] {
        assert!(metrics.contains(line), "missing {line} in\n{metrics}");
    }
    // The writer's transactions: one per stored request (each was answered before the next
    // was sent), and their time.
    let value = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
    };
    let writes = value("opsassist_intake_writes_total");
    assert_eq!(
        writes, 7.0,
        "writes for 7 stored requests, one after another"
    );
    assert!(value("opsassist_intake_write_seconds_total") > 0.0);
    let (code, _, _) = status(client.get(served.url("/healthz"))).await;
    assert_eq!(code, 200, "still serving");
    assert_eq!(session_count(root), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_get_429_and_a_full_inbox_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    let served = setup(
        root,
        "rate_per_client = 5\nrate_burst = 10\ninbox_capacity = 2\n",
    );
    let client = reqwest::Client::new();
    let bearer = format!("Bearer {TOKEN}");
    let generic =
        |n: usize| format!(r#"{{"title":"disk {n}","severity":"warning","host":"h{n}"}}"#);
    let mut codes = Vec::new();
    for n in 0..40 {
        let (code, retry, _) = status(
            client
                .post(served.url("/v1/alerts"))
                .header("authorization", &bearer)
                .header("content-type", "application/json")
                .body(generic(n % 2)),
        )
        .await;
        if code == 429 {
            assert!(retry.is_some(), "429 carries Retry-After");
        }
        codes.push(code);
    }
    assert!(
        codes.iter().filter(|c| **c == 200).count() >= 10,
        "{codes:?}"
    );
    assert!(codes.contains(&429), "{codes:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (code, retry, body) = status(
        client
            .post(served.url("/v1/alerts"))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(generic(7)),
    )
    .await;
    assert_eq!(code, 503, "a third incident does not fit: {body}");
    assert!(retry.is_some(), "503 carries Retry-After");
    let listed = incidents(root);
    assert_eq!(listed.len(), 2);
    // The operator takes one up from the command line: room for the next incident.
    let id = listed[0]["id"].as_str().unwrap_or_default().to_string();
    let take = |id: &str| {
        receiver::opsassist(root)
            .args(["incidents", "take", id])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    assert!(take(&id));
    assert!(!take(&id), "taken once");
    let (code, _, body) = status(
        client
            .post(served.url("/v1/alerts"))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(generic(7)),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (code, _, _) = status(client.get(served.url("/healthz"))).await;
    assert_eq!(code, 200);
    assert_eq!(session_count(root), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let served = setup(
        dir.path(),
        "request_timeout_secs = 2\nheader_timeout_secs = 1\n",
    );
    let started = std::time::Instant::now();
    // Half a request line, then nothing (slowloris); and a connection that never speaks.
    let mut slow = tokio::net::TcpStream::connect(&served.addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    slow.write_all(b"POST /v1/alerts HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut idle = tokio::net::TcpStream::connect(&served.addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(8), async {
        let _ = slow.read_to_end(&mut buf).await;
        let _ = idle.read_to_end(&mut buf).await;
    })
    .await;
    assert!(closed.is_ok(), "connections still open after 8 s");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    // A body that stalls after its headers gets 408.
    let mut stalled = tokio::net::TcpStream::connect(&served.addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    stalled
        .write_all(
            format!("POST /v1/alerts HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\"", served.addr)
                .as_bytes(),
        )
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(8),
        stalled.read_to_end(&mut answer),
    )
    .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (code, _, _) = status(reqwest::Client::new().get(served.url("/healthz"))).await;
    assert_eq!(code, 200);
}

#[test]
fn https_from_pem_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    let (cert, key) = (root.join("cert.pem"), root.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e}"));
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    write_config(
        root,
        &format!(
            "tls_cert_file = {:?}\ntls_key_file = {:?}\n",
            cert.display().to_string(),
            key.display().to_string()
        ),
    );
    let served = Served::start(root);
    let curl = |scheme: &str| {
        std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "5",
            ])
            .arg("--cacert")
            .arg(&cert)
            .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
            .args(["-H", "Content-Type: application/json"])
            .arg("--data-binary")
            .arg(format!("@{FIXTURES}/grafana-nginx-5xx.json"))
            .arg(format!("{scheme}://{}/v1/alerts", served.addr))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_else(|e| panic!("curl: {e}"))
    };
    assert_eq!(curl("https"), "200");
    assert_ne!(
        curl("http"),
        "200",
        "plain HTTP is not served on a TLS port"
    );
    assert_eq!(incidents(root).len(), 1);
}

#[test]
fn a_public_address_without_auth_is_refused_unless_insecure() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    std::fs::create_dir_all(root.join("config")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(
        root.join("config/config.toml"),
        "[intake]\nrate_per_client = 5\n",
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    let out = receiver::opsassist(root)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0") && stderr.contains("--insecure-no-auth"),
        "{stderr}"
    );
    // Loopback without auth is fine; so is a public address with the explicit flag.
    let mut child = receiver::opsassist(root)
        .args(["serve", "--listen", "0.0.0.0:0", "--insecure-no-auth"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains("receiving alerts on http://0.0.0.0:"),
        "{line}"
    );
}
