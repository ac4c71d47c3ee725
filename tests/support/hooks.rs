//! Real notification receivers on loopback: an axum HTTP server that stores every JSON POST
//! (Slack and generic webhooks), and Debian's `python3-aiosmtpd` as an SMTP server that stores
//! every message it accepts as a `.eml` file. Both stop on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// Every POST so far: (path, JSON body).
type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// An HTTP receiver: every POST body (as JSON) with its path.
pub struct HttpHooks {
    pub base: String,
    pub received: Received,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HttpHooks {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HttpHooks {
    /// Bind 127.0.0.1:0 and serve on the current runtime.
    pub async fn start() -> HttpHooks {
        use axum::extract::{Path as AxPath, State};
        let received: Received = Arc::default();
        let app = axum::Router::new()
            .route(
                "/{hook}",
                axum::routing::post(
                    |State(store): State<Received>,
                     AxPath(hook): AxPath<String>,
                     body: axum::body::Bytes| async move {
                        let value = serde_json::from_slice(&body)
                            .unwrap_or(serde_json::Value::String("not json".into()));
                        if let Ok(mut s) = store.lock() {
                            s.push((hook, value));
                        }
                        "ok"
                    },
                ),
            )
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local_addr: {e}"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpHooks {
            base: format!("http://{addr}"),
            received,
            task,
        }
    }

    /// Every body posted to `/hook` so far.
    pub fn bodies(&self, hook: &str) -> Vec<serde_json::Value> {
        self.received
            .lock()
            .map(|s| {
                s.iter()
                    .filter(|(h, _)| h == hook)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

const SMTPD: &str = r#"
import sys, time, pathlib, email, email.policy
from aiosmtpd.controller import Controller
out = pathlib.Path(sys.argv[1])
class Store:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Store.n += 1
        raw = envelope.original_content or envelope.content
        (out / f"{Store.n}.eml").write_bytes(raw)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = f"Subject: {msg['subject']}\n"
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                continue
            text += f"--- part {part.get_content_type()} ---\n{part.get_content()}\n"
        (out / f"{Store.n}.decoded").write_text(text)
        return "250 OK stored"
c = Controller(Store(), hostname="127.0.0.1", port=int(sys.argv[2]))
c.start()
print(sys.argv[2], flush=True)
while True:
    time.sleep(3600)
"#;

/// A real SMTP server (aiosmtpd) storing messages in `dir`.
pub struct Smtpd {
    pub port: u16,
    pub dir: PathBuf,
    child: Child,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtpd {
    /// Start it, or say why it cannot run here.
    pub fn start(dir: &Path) -> Result<Smtpd, String> {
        let python = "/usr/bin/python3";
        let ok = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return Err("python3-aiosmtpd is not installed".into());
        }
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(python)
            .args(["-c", SMTPD])
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start aiosmtpd: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.trim() != port.to_string() {
            panic!("aiosmtpd did not start (printed {line:?}); see its stderr above");
        }
        Ok(Smtpd {
            port,
            dir: dir.to_path_buf(),
            child,
        })
    }

    /// The stored messages (raw), in arrival order.
    pub fn messages(&self) -> Vec<String> {
        self.files("eml")
    }

    /// The stored messages decoded by Python's `email` package: the subject, then each part
    /// as `--- part TYPE ---` and its decoded content.
    pub fn decoded(&self) -> Vec<String> {
        self.files("decoded")
    }

    fn files(&self, ext: &str) -> Vec<String> {
        let mut out = Vec::new();
        for n in 1.. {
            match std::fs::read(self.dir.join(format!("{n}.{ext}"))) {
                Ok(bytes) => out.push(String::from_utf8_lossy(&bytes).into_owned()),
                Err(_) => break,
            }
        }
        out
    }
}
