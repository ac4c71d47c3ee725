//! A real Prometheus (Debian's `prometheus`, scraping itself on loopback) behind the Prometheus
//! MCP server from the Python package registry, over stdio: the model's query returns real
//! series, read-only (and so run unasked under `--auto-approve read-only`) only when the
//! server is trusted; untrusted, the same query waits for the operator. The same server over
//! streamable HTTP (`url`, with a bearer token file) answers the same way.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use support::fake_llm::{FakeLlm, Reply};

const JOB: &str = "opsassist-self-scrape";

/// A Prometheus scraping itself every second; killed on drop.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}

fn prometheus(dir: &Path) -> Prometheus {
    let binary = ["/usr/bin/prometheus", "/usr/sbin/prometheus"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("Debian's prometheus package (tests/run.sh installs it)");
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {JOB}\n    \
             static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
        ),
    )
    .expect("prometheus.yml");
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let prom = Prometheus { child, port };
    // Wait for its first scrape of itself: `up` for the job exists.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http_get(port, "/api/v1/query?query=up")
            .is_some_and(|body| body.contains(JOB) && body.contains("\"success\""))
        {
            return prom;
        }
        assert!(Instant::now() < deadline, "prometheus never scraped itself");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn setup(dir: &Path, prom: &Prometheus, trust: bool) -> PathBuf {
    let server = support::mcp_servers::prometheus_server();
    let config = dir.join("config");
    std::fs::create_dir_all(&config).expect("config");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[mcp]]\nname = \"prom\"\ncommand = {}\nenv = {{ PROMETHEUS_URL = \"http://127.0.0.1:{}\" }}\n\
             trust_annotations = {trust}\ntimeout_secs = 30\n",
            json!([server]),
            prom.port
        ),
    )
    .expect("config.toml");
    let alert = dir.join("alert.json");
    std::fs::write(
        &alert,
        r#"{"title":"Latency high","severity":"warning","description":"p99 above 2s"}"#,
    )
    .expect("alert");
    alert
}

fn run(dir: &Path, alert: &Path, fake: &FakeLlm, stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["run", "--alert"])
        .arg(alert)
        .args(["--provider", "openai", "--base-url", &fake.base_url])
        .args(["--model", "fake-model", "--auto-approve", "read-only"])
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn query() -> Vec<(String, Value)> {
    vec![(
        "mcp__prom__execute_query".into(),
        json!({"query": format!("up{{job=\"{JOB}\"}}")}),
    )]
}

#[test]
fn a_trusted_prometheus_server_answers_the_query_with_real_series_unasked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prom = prometheus(dir.path());
    let alert = setup(dir.path(), &prom, true);
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(query()),
        Reply::Text("The target is up.".into()),
    ]);
    let text = run(dir.path(), &alert, &fake, "");
    assert!(text.contains("auto-approve read-only"), "{text}");
    let sent: String = fake.requests().iter().map(Value::to_string).collect();
    // The real series: the job's `up` sample, scraped from the real Prometheus.
    assert!(sent.contains(JOB), "{sent}");
    assert!(sent.contains("vector"), "{sent}");
    assert!(sent.contains(&format!("127.0.0.1:{}", prom.port)), "{sent}");
    assert!(text.contains("The target is up."), "{text}");
}

#[test]
fn an_untrusted_prometheus_server_waits_for_the_operator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prom = prometheus(dir.path());
    let alert = setup(dir.path(), &prom, false);
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(query())]);
    let text = run(dir.path(), &alert, &fake, "");
    assert!(text.contains("not trusted"), "{text}");
    assert!(!text.contains("auto-approve read-only"), "{text}");
    let sent: String = fake.requests().iter().map(Value::to_string).collect();
    assert!(!sent.contains("vector"), "ran unasked: {sent}");
}

/// The Prometheus MCP server listening for streamable HTTP on loopback; killed on drop.
struct HttpServer {
    child: Child,
    port: u16,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_server(prom: &Prometheus) -> HttpServer {
    let port = free_port();
    let child = Command::new(support::mcp_servers::prometheus_server())
        .env("PROMETHEUS_URL", format!("http://127.0.0.1:{}", prom.port))
        .env("PROMETHEUS_MCP_SERVER_TRANSPORT", "http")
        .env("PROMETHEUS_MCP_BIND_HOST", "127.0.0.1")
        .env("PROMETHEUS_MCP_BIND_PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the MCP server over http");
    let server = HttpServer { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the MCP http server never listened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

#[test]
fn the_same_server_over_streamable_http_answers_with_real_series() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let prom = prometheus(dir.path());
    let alert = setup(dir.path(), &prom, true);
    let server = http_server(&prom);
    let token = dir.path().join("mcp-token");
    std::fs::write(&token, "t0ken\n").expect("token");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!(
            "[[mcp]]\nname = \"prom\"\nurl = \"http://127.0.0.1:{}/mcp\"\n\
             bearer_token_file = \"{}\"\ntrust_annotations = true\n",
            server.port,
            token.display()
        ),
    )
    .expect("config");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(query()),
        Reply::Text("Up over http.".into()),
    ]);
    let text = run(dir.path(), &alert, &fake, "");
    assert!(text.contains("auto-approve read-only"), "{text}");
    let sent: String = fake.requests().iter().map(Value::to_string).collect();
    assert!(sent.contains(JOB) && sent.contains("vector"), "{sent}");
    assert!(text.contains("Up over http."), "{text}");
}
