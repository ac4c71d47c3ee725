//! Open-loop HTTP load generator for the ingest bench (issue 27): sends new alerts to a
//! receiver on a fixed schedule (request `i` is due at `start + i / rate`) whether or not
//! earlier requests were answered, and measures each request's latency from its *scheduled*
//! time, so a receiver that stalls is charged for every request that queued behind the stall
//! (no coordinated omission). In-flight requests are bounded only by `--cap` (one HTTP/1.1
//! keep-alive connection per in-flight request, reused last-in first-out, opened on demand).
//! `--rate 0` is closed loop instead (`--cap` connections, each sends when answered), which
//! the bench uses to fill a store with large batches.
//!
//! ```text
//! cargo bench --bench open_loop -- --url http://127.0.0.1:PORT --format FORMAT
//!     [--rate REQ_PER_S] [--duration S | --requests N] [--group N] [--cap N]
//!     [--token T] [--run ID] [--threads N] [--timeout S] [--label NAME]
//! ```
//! FORMAT: `opsassist` (generic JSON, one alert, `POST /v1/alerts`), `opsassist-am` (an
//! Alertmanager webhook, version 4, `--group` firing alerts, `POST /v1/alerts/alertmanager`),
//! `alertmanager` (an array of `--group` alerts, Alertmanager's `POST /api/v2/alerts`). Every
//! alert is new: its labels and fingerprint carry `--run`, the request number and its place
//! in the group. Prints one line for people on stderr and one `key=value` line on stdout
//! (`benches/wrk/serve_vs_alertmanager.sh` reads it). Exit 1 when no request succeeded.
//!
//! Without `--url` (as `cargo test --benches` runs it) it checks itself against a small
//! in-process server that stalls once: every request must be answered, and the requests
//! scheduled during the stall must show it in their latency.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Opsassist,
    OpsassistAm,
    Alertmanager,
}

#[derive(Clone, Debug)]
struct Args {
    /// `host:port`.
    addr: String,
    format: Format,
    /// Requests per second; 0 = closed loop.
    rate: f64,
    duration: Option<Duration>,
    requests: Option<u64>,
    group: usize,
    cap: usize,
    token: String,
    run: String,
    threads: usize,
    timeout: Duration,
    label: String,
}

const USAGE: &str = "usage: open_loop --url http://HOST:PORT --format opsassist|opsassist-am|alertmanager [--rate REQ_PER_S (0: closed loop)] [--duration S | --requests N] [--group N] [--cap N] [--token T] [--run ID] [--threads N] [--timeout S] [--label NAME]";

fn parse_args(argv: &[String]) -> Result<Option<Args>, String> {
    let mut args = argv.iter().skip(1);
    let mut url = None;
    let mut format = None;
    let mut a = Args {
        addr: String::new(),
        format: Format::Opsassist,
        rate: 1000.0,
        duration: None,
        requests: None,
        group: 1,
        cap: 1000,
        token: String::new(),
        run: "0".into(),
        threads: 2,
        timeout: Duration::from_secs(30),
        label: String::new(),
    };
    fn num<T: std::str::FromStr>(name: &str, v: Option<&String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{name} needs a value"))?;
        v.parse()
            .map_err(|_| format!("{name}: not a number: {v:?}"))
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo passes --bench to bench binaries.
            "--bench" => {}
            "--url" => url = args.next().cloned(),
            "--format" => format = args.next().cloned(),
            "--rate" => a.rate = num("--rate", args.next())?,
            "--duration" => {
                let s: f64 = num("--duration", args.next())?;
                a.duration = Some(Duration::from_secs_f64(s));
            }
            "--requests" => a.requests = Some(num("--requests", args.next())?),
            "--group" => a.group = num("--group", args.next())?,
            "--cap" => a.cap = num("--cap", args.next())?,
            "--threads" => a.threads = num("--threads", args.next())?,
            "--timeout" => a.timeout = Duration::from_secs_f64(num("--timeout", args.next())?),
            "--token" => a.token = args.next().cloned().unwrap_or_default(),
            "--run" => a.run = args.next().cloned().unwrap_or_default(),
            "--label" => a.label = args.next().cloned().unwrap_or_default(),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let Some(url) = url else {
        return Ok(None);
    };
    a.addr = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url must start with http://: {url:?}"))?
        .trim_end_matches('/')
        .to_string();
    if a.addr.contains('/') || a.addr.is_empty() {
        return Err(format!(
            "--url must be http://HOST:PORT with no path: {url:?}"
        ));
    }
    a.format = match format.as_deref() {
        Some("opsassist") => Format::Opsassist,
        Some("opsassist-am") => Format::OpsassistAm,
        Some("alertmanager") => Format::Alertmanager,
        Some(other) => return Err(format!("--format: unknown format {other:?}\n{USAGE}")),
        None => return Err(format!("--format is required\n{USAGE}")),
    };
    if a.format == Format::Opsassist && a.group != 1 {
        return Err("--format opsassist carries one alert: use opsassist-am for --group".into());
    }
    if !(a.rate >= 0.0 && a.rate.is_finite()) {
        return Err("--rate must be 0 (closed loop) or more".into());
    }
    if a.group == 0 || a.cap == 0 || a.threads == 0 {
        return Err("--group, --cap and --threads must be at least 1".into());
    }
    if a.duration.is_none() && a.requests.is_none() {
        a.duration = Some(Duration::from_secs(5));
    }
    Ok(Some(a))
}

/// The body of request `n`: `group` alerts no other request carries.
fn body(a: &Args, n: u64) -> String {
    let key = |j: usize| format!("{}-{n}-{j}", a.run);
    match a.format {
        Format::Opsassist => {
            let k = key(0);
            format!(
                r#"{{"title":"disk full on web-{k}","severity":"critical","host":"web-{k}","fingerprint":"fp-{k}"}}"#
            )
        }
        Format::OpsassistAm => {
            let alerts: Vec<String> = (0..a.group)
                .map(|j| {
                    let k = key(j);
                    format!(
                        r#"{{"status":"firing","labels":{{"alertname":"DiskFull","instance":"web-{k}","severity":"critical"}},"annotations":{{"summary":"disk full on web-{k}"}},"startsAt":"2026-12-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example.com:9090/graph","fingerprint":"fp-{k}"}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"version":"4","status":"firing","receiver":"opsassist","groupKey":"{{}}:{{alertname=\"DiskFull\"}}","truncatedAlerts":0,"groupLabels":{{"alertname":"DiskFull"}},"commonLabels":{{"alertname":"DiskFull","severity":"critical"}},"commonAnnotations":{{}},"externalURL":"http://alertmanager.example.com:9093","alerts":[{}]}}"#,
                alerts.join(",")
            )
        }
        Format::Alertmanager => {
            let alerts: Vec<String> = (0..a.group)
                .map(|j| {
                    let k = key(j);
                    format!(
                        r#"{{"labels":{{"alertname":"DiskFull","instance":"web-{k}","severity":"critical"}},"annotations":{{"summary":"disk full on web-{k}"}}}}"#
                    )
                })
                .collect();
            format!("[{}]", alerts.join(","))
        }
    }
}

fn path(format: Format) -> &'static str {
    match format {
        Format::Opsassist => "/v1/alerts",
        Format::OpsassistAm => "/v1/alerts/alertmanager",
        Format::Alertmanager => "/api/v2/alerts",
    }
}

type Sender = SendRequest<Full<Bytes>>;

/// What the requests saw, shared by their tasks.
#[derive(Default)]
struct Tally {
    /// Idle keep-alive connections, last returned on top.
    idle: Mutex<Vec<Sender>>,
    opened: AtomicUsize,
    /// Latency (µs from the scheduled time) of each 2xx.
    latencies: Mutex<Vec<u64>>,
    /// How late the dispatcher sent each request (µs after its scheduled time).
    lags: Mutex<Vec<u64>>,
    non_2xx: AtomicU64,
    errors: AtomicU64,
    first_problem: Mutex<Option<String>>,
    /// When the last answer arrived (µs after the start).
    last_done: AtomicU64,
    /// Requests that waited for a free slot because `--cap` were in flight.
    capped: AtomicU64,
}

impl Tally {
    fn problem(&self, what: String) {
        if let Ok(mut first) = self.first_problem.lock() {
            first.get_or_insert(what);
        }
    }
}

async fn connect(addr: &str) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake with {addr}: {e}"))?;
    tokio::spawn(conn);
    Ok(sender)
}

/// An idle connection that is still open, or a new one.
async fn take_connection(tally: &Tally, addr: &str) -> Result<Sender, String> {
    loop {
        let popped = tally.idle.lock().ok().and_then(|mut idle| idle.pop());
        let Some(mut sender) = popped else { break };
        if !sender.is_closed() && sender.ready().await.is_ok() {
            return Ok(sender);
        }
    }
    let sender = connect(addr).await?;
    tally.opened.fetch_add(1, Ordering::Relaxed);
    Ok(sender)
}

/// Send one request and record it; latency counts from `due`.
async fn one(a: Arc<Args>, tally: Arc<Tally>, start: Instant, due: Instant, body: String) {
    let attempt = async {
        let mut sender = take_connection(&tally, &a.addr).await?;
        let mut request = hyper::Request::post(path(a.format))
            .header(hyper::header::HOST, a.addr.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json");
        if !a.token.is_empty() {
            request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {}", a.token));
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("request: {e}"))?;
        sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("send: {e}"))?;
        let status = response.status();
        let text = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, text, sender))
    };
    let outcome = tokio::time::timeout(a.timeout, attempt).await;
    let now = Instant::now();
    tally
        .last_done
        .fetch_max((now - start).as_micros() as u64, Ordering::Relaxed);
    match outcome {
        Ok(Ok((status, text, sender))) => {
            if !sender.is_closed()
                && let Ok(mut idle) = tally.idle.lock()
            {
                idle.push(sender);
            }
            if status.is_success() {
                if let Ok(mut l) = tally.latencies.lock() {
                    l.push(now.saturating_duration_since(due).as_micros() as u64);
                }
            } else {
                tally.non_2xx.fetch_add(1, Ordering::Relaxed);
                let text = String::from_utf8_lossy(&text);
                tally.problem(format!("HTTP {status}: {}", text.trim()));
            }
        }
        Ok(Err(e)) => {
            tally.errors.fetch_add(1, Ordering::Relaxed);
            tally.problem(e);
        }
        Err(_) => {
            tally.errors.fetch_add(1, Ordering::Relaxed);
            tally.problem(format!("no answer in {:?}", a.timeout));
        }
    }
}

/// Open loop: request `i` is due at `start + i / rate`; sent then, or as soon as one of the
/// `cap` slots frees if all are taken. The schedule runs on its own OS thread with
/// `std::thread::sleep` (tens of µs late at most, where a tokio timer is up to a millisecond
/// late, which would show in every latency); the requests run on the runtime. Returns the
/// requests sent once every one was answered or timed out.
async fn open_loop(
    a: Arc<Args>,
    tally: Arc<Tally>,
    start: Instant,
    handle: tokio::runtime::Handle,
) -> u64 {
    let slots = Arc::new(Semaphore::new(a.cap));
    let (a2, t2, s2) = (a.clone(), tally.clone(), slots.clone());
    let dispatcher = std::thread::spawn(move || dispatch(a2, t2, start, s2, handle));
    let sent = tokio::task::spawn_blocking(move || dispatcher.join().unwrap_or(0))
        .await
        .unwrap_or(0);
    // Every slot back: every request answered or timed out.
    let _all = slots.acquire_many(a.cap as u32).await;
    sent
}

fn dispatch(
    a: Arc<Args>,
    tally: Arc<Tally>,
    start: Instant,
    slots: Arc<Semaphore>,
    handle: tokio::runtime::Handle,
) -> u64 {
    let interval = 1.0 / a.rate;
    let total = a.requests.unwrap_or(u64::MAX);
    let end = a.duration.map(|d| start + d);
    let mut n = 0u64;
    while n < total {
        let due = start + Duration::from_secs_f64(n as f64 * interval);
        if end.is_some_and(|end| due >= end) {
            break;
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                tally.capped.fetch_add(1, Ordering::Relaxed);
                match handle.block_on(slots.clone().acquire_owned()) {
                    Ok(slot) => slot,
                    Err(_) => break,
                }
            }
        };
        let lag = Instant::now().saturating_duration_since(due).as_micros() as u64;
        if let Ok(mut lags) = tally.lags.lock() {
            lags.push(lag);
        }
        let body = body(&a, n);
        let (a2, t2) = (a.clone(), tally.clone());
        handle.spawn(async move {
            one(a2, t2, start, due, body).await;
            drop(slot);
        });
        n += 1;
    }
    n
}

/// Closed loop: `cap` connections, each sends its next request when the last is answered.
async fn closed_loop(a: Arc<Args>, tally: Arc<Tally>, start: Instant) -> u64 {
    let next = Arc::new(AtomicU64::new(0));
    let total = a.requests.unwrap_or(u64::MAX);
    let end = a.duration.map(|d| start + d);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..a.cap {
        let (a, tally, next) = (a.clone(), tally.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let now = Instant::now();
                if end.is_some_and(|end| now >= end) {
                    break;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let body = body(&a, n);
                one(a.clone(), tally.clone(), start, Instant::now(), body).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    next.load(Ordering::Relaxed).min(total)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// What a run measured.
struct Report {
    sent: u64,
    ok: u64,
    non_2xx: u64,
    errors: u64,
    /// Seconds from the start to the last answer.
    elapsed: f64,
    p50: f64,
    p99: f64,
    max: f64,
    lag_p50: f64,
    lag_p99: f64,
    capped: u64,
    connections: usize,
    first_problem: Option<String>,
}

fn run(a: Args) -> Result<Report, String> {
    let runtime = if a.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(a.threads)
            .enable_all()
            .build()
    }
    .map_err(|e| format!("tokio runtime: {e}"))?;
    let a = Arc::new(a);
    let tally = Arc::new(Tally::default());
    let start = Instant::now() + Duration::from_millis(20);
    let handle = runtime.handle().clone();
    let sent = runtime.block_on(async {
        if a.rate > 0.0 {
            open_loop(a.clone(), tally.clone(), start, handle).await
        } else {
            tokio::time::sleep_until(start.into()).await;
            closed_loop(a.clone(), tally.clone(), start).await
        }
    });
    drop(runtime);
    let take = |m: &Mutex<Vec<u64>>| {
        let mut v = m
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        v.sort_unstable();
        v
    };
    let latencies = take(&tally.latencies);
    let lags = take(&tally.lags);
    Ok(Report {
        sent,
        ok: latencies.len() as u64,
        non_2xx: tally.non_2xx.load(Ordering::Relaxed),
        errors: tally.errors.load(Ordering::Relaxed),
        elapsed: tally.last_done.load(Ordering::Relaxed) as f64 / 1e6,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        max: percentile(&latencies, 1.0),
        lag_p50: percentile(&lags, 0.5),
        lag_p99: percentile(&lags, 0.99),
        capped: tally.capped.load(Ordering::Relaxed),
        connections: tally.opened.load(Ordering::Relaxed),
        first_problem: tally.first_problem.lock().ok().and_then(|p| p.clone()),
    })
}

fn print(a: &Args, r: &Report) {
    let secs = r.elapsed.max(1e-9);
    let req_rate = r.ok as f64 / secs;
    let alert_rate = req_rate * a.group as f64;
    let offered = if a.rate > 0.0 {
        format!(
            "offered {:.0} req/s ({:.0} alerts/s)",
            a.rate,
            a.rate * a.group as f64
        )
    } else {
        format!("closed loop, {} connections", a.cap)
    };
    eprintln!(
        "open_loop{}: {offered}: achieved {req_rate:.0} req/s = {alert_rate:.0} alerts/s ({} sent, {} 2xx, {} non-2xx, {} errors in {secs:.2} s), latency from the scheduled time p50 {:.2} ms p99 {:.2} ms max {:.2} ms; send lag p50 {:.2} ms p99 {:.2} ms; {} connections opened; {} sends waited for the cap of {}{}",
        if a.label.is_empty() {
            String::new()
        } else {
            format!(" [{}]", a.label)
        },
        r.sent,
        r.ok,
        r.non_2xx,
        r.errors,
        r.p50,
        r.p99,
        r.max,
        r.lag_p50,
        r.lag_p99,
        r.connections,
        r.capped,
        a.cap,
        r.first_problem
            .as_ref()
            .map(|p| format!("; first problem: {}", p.lines().next().unwrap_or("")))
            .unwrap_or_default(),
    );
    println!(
        "offered_rps={:.0} rps={req_rate:.1} alerts_per_s={alert_rate:.1} sent={} ok={} non_2xx={} errors={} secs={secs:.3} p50_ms={:.3} p99_ms={:.3} max_ms={:.3} lag_p99_ms={:.3} connections={} capped={}",
        a.rate,
        r.sent,
        r.ok,
        r.non_2xx,
        r.errors,
        r.p50,
        r.p99,
        r.max,
        r.lag_p99,
        r.connections,
        r.capped
    );
}

/// The self-check: a loopback server that answers at once, except that it holds the answer
/// to request 10 for 300 ms; one slot (`--cap 1`), 100 req/s for 1 s. The ~30 requests
/// scheduled during the stall wait behind it: measured from their scheduled times, about a
/// sixth of all requests take over 100 ms (measured from when they were sent, only one would).
fn self_check() -> Result<(), String> {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .map_err(|e| format!("bind: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    async move {
                        let ok = request.uri().path() == "/api/v2/alerts"
                            && request.into_body().collect().await.is_ok();
                        if n == 10 {
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                        let status = if ok { 200 } else { 400 };
                        hyper::Response::builder()
                            .status(status)
                            .body(Full::new(Bytes::new()))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let args = parse_args(&[
        "open_loop".into(),
        "--url".into(),
        format!("http://{addr}"),
        "--format".into(),
        "alertmanager".into(),
        "--group".into(),
        "10".into(),
        "--rate".into(),
        "100".into(),
        "--requests".into(),
        "100".into(),
        "--cap".into(),
        "1".into(),
        "--threads".into(),
        "1".into(),
        "--label".into(),
        "self-check".into(),
    ])?
    .ok_or("self-check: no --url")?;
    let report = run(args.clone())?;
    print(&args, &report);
    if report.ok != 100 || report.sent != 100 || seen.load(Ordering::Relaxed) != 100 {
        return Err(format!(
            "self-check: {} sent, {} answered 2xx, server saw {}; expected 100 each",
            report.sent,
            report.ok,
            seen.load(Ordering::Relaxed)
        ));
    }
    // About 30 of the 100 requests are due while request 10 is held.
    if report.p99 < 200.0 || report.max < 290.0 {
        return Err(format!(
            "self-check: the stall is missing from the latencies (p99 {:.1} ms, max {:.1} ms): latency is not measured from the schedule",
            report.p99, report.max
        ));
    }
    if report.capped == 0 {
        return Err("self-check: no send waited for the cap of 1 during the stall".into());
    }
    // A body is the format it claims, with distinct alerts.
    for format in ["opsassist", "opsassist-am", "alertmanager"] {
        let group = if format == "opsassist" { "1" } else { "3" };
        let a = parse_args(&[
            "x".into(),
            "--url".into(),
            "http://127.0.0.1:1".into(),
            "--format".into(),
            format.into(),
            "--group".into(),
            group.into(),
        ])?
        .ok_or("no args")?;
        let v: serde_json::Value = serde_json::from_str(&body(&a, 7))
            .map_err(|e| format!("self-check: {format} body is not JSON: {e}"))?;
        let alerts = match format {
            "opsassist" => vec![v.clone()],
            "opsassist-am" => v["alerts"].as_array().cloned().unwrap_or_default(),
            _ => v.as_array().cloned().unwrap_or_default(),
        };
        let mut keys: Vec<String> = alerts.iter().map(|a| a.to_string()).collect();
        keys.sort();
        keys.dedup();
        if keys.len() != group.parse::<usize>().unwrap_or(0) {
            return Err(format!(
                "self-check: {format} body has {} distinct alerts",
                keys.len()
            ));
        }
    }
    Ok(())
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let result = match parse_args(&argv) {
        Err(e) => Err(e),
        Ok(None) => self_check(),
        Ok(Some(a)) => run(a.clone()).and_then(|r| {
            print(&a, &r);
            if r.ok == 0 {
                Err(format!(
                    "no request succeeded{}",
                    r.first_problem
                        .map(|p| format!(": {p}"))
                        .unwrap_or_default()
                ))
            } else {
                Ok(())
            }
        }),
    };
    if let Err(e) = result {
        eprintln!("open_loop: {e}");
        std::process::exit(1);
    }
}
