//! The receiver's guards against what is not a monitoring system, on a real `opsassist serve`
//! over loopback sockets: half-open connections (slowloris), bodies from clients that have not
//! authenticated, web pages (cross-site posts, DNS rebinding) and replayed PagerDuty events.

#[path = "support/receiver.rs"]
mod receiver;

use std::path::Path;
use std::time::{Duration, Instant};

use receiver::{Served, TOKEN, incidents, write_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PD_SECRET: &str = "pd-signing-secret";

fn generic(title: &str) -> String {
    format!(r#"{{"title":"{title}","severity":"critical","host":"web-1"}}"#)
}

/// Raise this process's open-file limit (children inherit it) to hold `wanted` sockets.
fn allow_open_files(wanted: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).unwrap_or_else(|e| panic!("getrlimit: {e}"));
    assert!(
        hard >= wanted,
        "this test holds {wanted} sockets; the hard open-file limit is {hard}"
    );
    if soft < wanted {
        setrlimit(Resource::RLIMIT_NOFILE, wanted, hard)
            .unwrap_or_else(|e| panic!("setrlimit: {e}"));
    }
}

/// Write `head` on a fresh connection and read the whole answer (the server closes it);
/// None when nothing came back within 5 s.
async fn answer_to(addr: &str, head: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    stream
        .write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&answer).into_owned())
}

/// Peak resident memory of a process, KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"))
}

fn pagerduty_setup(root: &Path, extra: &str) -> Served {
    let secrets = root.join("pd-secrets");
    std::fs::write(&secrets, format!("{PD_SECRET}\n")).unwrap_or_else(|e| panic!("secrets: {e}"));
    receiver::private(&secrets);
    write_config(
        root,
        &format!(
            "rate_per_client = 0\npagerduty_secrets_file = {:?}\n{extra}",
            secrets.display().to_string()
        ),
    );
    Served::start(root)
}

fn signature(body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(opsassist::intake::auth::pagerduty_signature(
            PD_SECRET.as_bytes(),
            body
        ))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_gets_in_within_a_second_while_1100_half_open_connections_are_held() {
    const HALF_OPEN: usize = 1100;
    allow_open_files(4 * HALF_OPEN as u64);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_config(dir.path(), "rate_per_client = 0\n");
    let served = Served::start(dir.path());
    // One client (this one, on 127.0.0.1, as the legitimate sender is) holds 1,100
    // connections, each with half a request's headers sent.
    let mut held = Vec::with_capacity(HALF_OPEN);
    for _ in 0..HALF_OPEN {
        let mut stream = TcpStream::connect(&served.addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        stream
            .write_all(
                format!(
                    "POST /v1/alerts HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n",
                    served.addr
                )
                .as_bytes(),
            )
            .await
            .unwrap_or_else(|e| panic!("write: {e}"));
        held.push(stream);
    }
    let client = reqwest::Client::new();
    let sent = Instant::now();
    let response = client
        .post(served.url("/v1/alerts"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(generic("disk full during a slowloris"))
        .timeout(Duration::from_secs(8))
        .send()
        .await;
    let took = sent.elapsed();
    let status = response
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("the alert was not taken within 8 s ({took:?}): {e}"));
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(1),
        "accepted after {took:?} while {HALF_OPEN} half-open connections were held"
    );
    assert_eq!(incidents(dir.path()).len(), 1);
    let metrics = client
        .get(served.url("/metrics"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("metrics: {e}"))
        .text()
        .await
        .unwrap_or_default();
    let evicted: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("opsassist_intake_connections_evicted_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        evicted >= (HALF_OPEN - 256) as u64,
        "the client's oldest half-open connections were closed: {evicted}"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bogus_signature_is_refused_before_its_body_is_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let served = pagerduty_setup(dir.path(), "");
    const BODY: usize = 8 << 20;
    let bogus = format!("v1={}", "ab".repeat(32));
    // Headers only: the server must answer without waiting for the 8 MiB it was promised.
    for (path, signature, expected) in [
        ("/v1/alerts", bogus.as_str(), "401"),
        ("/v1/alerts/grafana", bogus.as_str(), "401"),
        ("/v1/alerts/pagerduty", "v1=not-hex", "401"),
        // Well-formed: only the body can tell, and it may not be that large.
        ("/v1/alerts/pagerduty", bogus.as_str(), "413"),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nX-PagerDuty-Signature: {signature}\r\nContent-Length: {BODY}\r\n\r\n",
            served.addr
        );
        let answer = answer_to(&served.addr, &head)
            .await
            .unwrap_or_else(|| panic!("{path}: no answer while the body was unsent"));
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {expected}")),
            "{path} {signature}: {answer}"
        );
    }

    // 24 of them at once, bodies and all: the receiver does not hold them.
    let before = peak_rss_kib(served.pid());
    let body = vec![b'x'; BODY];
    let sends: Vec<_> = (0..24)
        .map(|n| {
            let (addr, body, bogus) = (served.addr.clone(), body.clone(), bogus.clone());
            tokio::spawn(async move {
                let path = if n % 2 == 0 {
                    "/v1/alerts"
                } else {
                    "/v1/alerts/pagerduty"
                };
                let mut stream = TcpStream::connect(&addr)
                    .await
                    .unwrap_or_else(|e| panic!("connect: {e}"));
                let head = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-PagerDuty-Signature: {bogus}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                    body.len()
                );
                // The server may close the connection mid-body: that is the point.
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.write_all(b"\r\n0\r\n\r\n").await;
                let mut answer = Vec::new();
                let _ = tokio::time::timeout(
                    Duration::from_secs(10),
                    stream.read_to_end(&mut answer),
                )
                .await;
                String::from_utf8_lossy(&answer).into_owned()
            })
        })
        .collect();
    for send in sends {
        let answer = send.await.unwrap_or_else(|e| panic!("join: {e}"));
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 401")
                || answer.starts_with("HTTP/1.1 413"),
            "{answer}"
        );
    }
    let grown = peak_rss_kib(served.pid()).saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "the receiver's peak memory grew by {grown} KiB for 24 unauthenticated 8 MiB bodies"
    );
    assert!(incidents(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_pages_and_rebinding_names_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    // The default: loopback, no credentials, plus one name a proxy forwards as.
    std::fs::create_dir_all(root.join("config")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(
        root.join("config/config.toml"),
        "[intake]\nallowed_hosts = [\"alerts.example.com\"]\n",
    )
    .unwrap_or_else(|e| panic!("config: {e}"));
    let served = Served::start(root);
    let port = served
        .addr
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let client = reqwest::Client::new();
    let post = |content_type: &str| {
        client
            .post(served.url("/v1/alerts"))
            .header("content-type", content_type)
            .body(generic("from a web page"))
    };
    let code = |r: reqwest::Result<reqwest::Response>| {
        r.map(|r| r.status().as_u16())
            .unwrap_or_else(|e| panic!("request: {e}"))
    };

    // A form or text/plain post needs no CORS preflight in a browser: refused.
    for content_type in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
    ] {
        assert_eq!(code(post(content_type).send().await), 415, "{content_type}");
    }
    let no_type = client
        .post(served.url("/v1/alerts"))
        .body(generic("no type"))
        .send()
        .await;
    assert_eq!(code(no_type), 415);
    // A page's Origin, even with a JSON type.
    let origin = post("application/json")
        .header("origin", "http://evil.example")
        .send()
        .await;
    assert_eq!(code(origin), 403);
    // DNS rebinding: the page's own name in Host.
    for host in [format!("evil.example:{port}"), "evil.example".to_string()] {
        let rebound = post("application/json").header("host", &host).send().await;
        assert_eq!(code(rebound), 403, "{host}");
        let metrics = client
            .get(served.url("/metrics"))
            .header("host", &host)
            .send()
            .await;
        assert_eq!(code(metrics), 403, "metrics for {host}");
    }
    // No CORS: a preflight gets no Access-Control-Allow-* answer.
    let preflight = client
        .request(reqwest::Method::OPTIONS, served.url("/v1/alerts"))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"));
    assert!(!preflight.status().is_success(), "{}", preflight.status());
    assert!(
        !preflight
            .headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "{:?}",
        preflight.headers()
    );
    assert!(incidents(root).is_empty(), "nothing refused was stored");

    // What a monitoring system sends is taken: JSON to the address, localhost, or a name
    // in allowed_hosts.
    for (n, host) in [
        served.addr.clone(),
        format!("localhost:{port}"),
        "alerts.example.com".to_string(),
        "alerts.example.com:443".to_string(),
    ]
    .into_iter()
    .enumerate()
    {
        let ok = client
            .post(served.url("/v1/alerts"))
            .header("host", &host)
            .header("content-type", "application/json; charset=utf-8")
            .body(generic(&format!("alert {n}")))
            .send()
            .await;
        assert_eq!(code(ok), 200, "{host}");
    }
    assert_eq!(incidents(root).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_pagerduty_events_must_be_fresh_and_new() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    let served = pagerduty_setup(root, "pagerduty_max_age_secs = 300\n");
    let client = reqwest::Client::new();
    let event = |id: &str, kind: &str, occurred: chrono::DateTime<chrono::Utc>| {
        let status = if kind == "incident.resolved" {
            "resolved"
        } else {
            "triggered"
        };
        format!(
            r#"{{"event":{{"id":"{id}","event_type":"{kind}","resource_type":"incident","occurred_at":"{}","data":{{"id":"Q9","type":"incident","status":"{status}","title":"replication lag on pg-2","created_at":"2026-01-01T00:00:00Z","urgency":"high","incident_key":"k9"}}}}}}"#,
            occurred.to_rfc3339()
        )
        .into_bytes()
    };
    let send = |body: Vec<u8>| {
        let request = client
            .post(served.url("/v1/alerts/pagerduty"))
            .header("content-type", "application/json")
            .header("x-pagerduty-signature", signature(&body))
            .body(body);
        async move {
            let response = request.send().await.unwrap_or_else(|e| panic!("post: {e}"));
            let code = response.status().as_u16();
            (code, response.text().await.unwrap_or_default())
        }
    };
    let now = chrono::Utc::now();

    // Signed long ago (a captured event): refused, whatever it says.
    let from_2020 = event(
        "E-2020",
        "incident.triggered",
        "2020-06-01T12:00:00Z"
            .parse()
            .unwrap_or_else(|e| panic!("time: {e}")),
    );
    let (code, body) = send(from_2020).await;
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("pagerduty_max_age_secs"), "{body}");
    let (code, _) = send(event(
        "E-ahead",
        "incident.triggered",
        now + chrono::Duration::hours(1),
    ))
    .await;
    assert_eq!(code, 401, "an event from the future");
    assert!(incidents(root).is_empty());

    let trigger = event(
        "E-1",
        "incident.triggered",
        now - chrono::Duration::seconds(30),
    );
    let (code, body) = send(trigger.clone()).await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = send(trigger.clone()).await;
    assert_eq!(code, 409, "the same event id again: {body}");
    let (code, body) = send(event("E-2", "incident.resolved", now)).await;
    assert_eq!(code, 200, "{body}");
    // Replaying the trigger after its resolve does not reopen the incident.
    let (code, _) = send(trigger).await;
    assert_eq!(code, 409);
    let listed = incidents(root);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["state"], "resolved_at_source", "{:#}", listed[0]);
    assert_eq!(listed[0]["reopened"], 0);
}

/// The header deadline is its own setting: a short one closes half-sent requests early while
/// a body may still take the longer `request_timeout_secs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_timeout_does_not_follow_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_config(
        dir.path(),
        "request_timeout_secs = 4\nheader_timeout_secs = 1\n",
    );
    let served = Served::start(dir.path());
    let started = Instant::now();
    let half = format!("POST /v1/alerts HTTP/1.1\r\nHost: {}\r\n", served.addr);
    let stalled_body = format!(
        "POST /v1/alerts HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\"",
        served.addr
    );
    let (half, body) = tokio::join!(
        async {
            let answer = answer_to(&served.addr, &half).await;
            (answer, started.elapsed())
        },
        async {
            let answer = answer_to(&served.addr, &stalled_body).await;
            (answer, started.elapsed())
        }
    );
    assert!(half.0.is_some(), "a half-sent request is closed");
    assert!(
        half.1 < Duration::from_millis(3500),
        "closed after {:?}, not at header_timeout_secs = 1",
        half.1
    );
    let answer = body.0.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        body.1 >= Duration::from_millis(3500),
        "a body gets request_timeout_secs, not the header timeout: {:?}",
        body.1
    );
}
