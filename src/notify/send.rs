//! [`Notifier`]: redact, then deliver a notice to every configured channel with retries and
//! exponential backoff. Each delivery (or final failure) is appended to `notify.jsonl` (mode
//! 0600). No error text keeps a notification URL's path or query: they are credentials.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

use super::config::{EmailConfig, SmtpSecurity, WebhookConfig};
use super::url_mask::scrub;
use super::{Notice, NotifyConfig, NotifyError, Trigger};
use crate::policy::Redactor;

/// The outcome of one notice on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub channel: String,
    pub trigger: Trigger,
    pub incident: String,
    pub attempts: u32,
    /// None when it was delivered; the last error otherwise.
    pub error: Option<String>,
}

/// Sends notices; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    config: Arc<NotifyConfig>,
    redactor: Redactor,
    /// Built on the first Slack or webhook delivery: building one loads and parses the
    /// platform's CA roots, and most notifiers (every session's) never send.
    http: Arc<OnceLock<reqwest::Client>>,
    record: Option<PathBuf>,
    last_approval: Arc<Mutex<HashMap<String, Instant>>>,
    pending: Arc<Mutex<Vec<tokio::task::JoinHandle<Vec<Delivery>>>>>,
}

impl Notifier {
    /// `record`: where deliveries are appended as JSON lines (`data_dir/notify.jsonl`).
    pub fn new(config: NotifyConfig, redactor: Redactor, record: Option<PathBuf>) -> Notifier {
        Notifier {
            config: Arc::new(config),
            redactor,
            http: Arc::default(),
            record,
            last_approval: Arc::default(),
            pending: Arc::default(),
        }
    }

    fn http_client(&self) -> reqwest::Client {
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(self.config.timeout_secs.max(1)))
                    .build()
                    .unwrap_or_default()
            })
            .clone()
    }

    /// True when at least one channel is configured.
    pub fn enabled(&self) -> bool {
        self.config.email.is_some() || self.config.slack.is_some() || self.config.webhook.is_some()
    }

    /// Send in the background: never blocks the caller, never fails it. False when the
    /// trigger is off, rate-limited, or no channel is configured.
    pub fn notify(&self, notice: Notice) -> bool {
        if !self.wanted(&notice) {
            return false;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let this = self.clone();
        let task = handle.spawn(async move { this.send_all(notice).await });
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|t| !t.is_finished());
            pending.push(task);
        }
        true
    }

    /// Wait for every background send (retries included) to end; their deliveries.
    pub async fn drain(&self) -> Vec<Delivery> {
        let tasks: Vec<_> = match self.pending.lock() {
            Ok(mut p) => p.drain(..).collect(),
            Err(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        for t in tasks {
            if let Ok(d) = t.await {
                out.extend(d);
            }
        }
        out
    }

    fn wanted(&self, notice: &Notice) -> bool {
        if !self.enabled() {
            return false;
        }
        if notice.trigger != Trigger::Test && !self.config.triggers.contains(&notice.trigger) {
            return false;
        }
        if notice.trigger == Trigger::AwaitingApproval {
            let Ok(mut last) = self.last_approval.lock() else {
                return false;
            };
            let window = Duration::from_secs(self.config.approval_interval_secs);
            if last
                .get(&notice.incident)
                .is_some_and(|t| t.elapsed() < window)
            {
                return false;
            }
            last.insert(notice.incident.clone(), Instant::now());
        }
        true
    }

    /// Deliver to every channel now (with retries), redacted; used by `notify test`.
    pub async fn send_all(&self, notice: Notice) -> Vec<Delivery> {
        let notice = notice.redacted(&self.redactor);
        let mut tasks = Vec::new();
        if let Some(email) = self.config.email.clone() {
            let this = self.clone();
            let n = notice.clone();
            tasks.push(tokio::spawn(async move {
                this.with_retries("email", &n, || send_email(&email, &n))
                    .await
            }));
        }
        if let Some(slack) = self.config.slack.clone() {
            let this = self.clone();
            let n = notice.clone();
            tasks.push(tokio::spawn(async move {
                let url = match &slack.webhook_url_file {
                    Some(file) => read_secret(file),
                    None => slack
                        .webhook_url
                        .clone()
                        .ok_or_else(|| "set webhook_url_file (or webhook_url)".to_string()),
                };
                let body = n.slack();
                this.with_retries("slack", &n, || {
                    let url = url.clone();
                    let body = body.clone();
                    let http = this.http_client();
                    async move { post_json(&http, "slack", url, None, &body).await }
                })
                .await
            }));
        }
        if let Some(webhook) = self.config.webhook.clone() {
            let this = self.clone();
            let n = notice.clone();
            tasks.push(tokio::spawn(async move {
                let body = serde_json::to_value(&n).unwrap_or_default();
                this.with_retries("webhook", &n, || {
                    let http = this.http_client();
                    let body = body.clone();
                    let webhook: WebhookConfig = webhook.clone();
                    async move {
                        let token = match &webhook.token_file {
                            Some(f) => Some(read_secret(f).map_err(|m| NotifyError::Config {
                                channel: "webhook".into(),
                                message: m,
                            })?),
                            None => None,
                        };
                        post_json(&http, "webhook", Ok(webhook.url), token, &body).await
                    }
                })
                .await
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            if let Ok(d) = t.await {
                out.push(d);
            }
        }
        out
    }

    async fn with_retries<F, Fut>(&self, channel: &str, notice: &Notice, mut send: F) -> Delivery
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), NotifyError>>,
    {
        let max = self.config.attempts.max(1);
        let mut delay = Duration::from_millis(self.config.retry_base_ms);
        let mut attempts = 0;
        let mut error = None;
        while attempts < max {
            attempts += 1;
            match send().await {
                Ok(()) => {
                    error = None;
                    break;
                }
                Err(e) => {
                    let config_error = matches!(e, NotifyError::Config { .. });
                    let message = self.redactor.redact(&self.scrub(&e.to_string())).text;
                    tracing::warn!("notify: {message} (attempt {attempts} of {max})");
                    error = Some(message);
                    if config_error {
                        break;
                    }
                    if attempts < max {
                        tokio::time::sleep(delay).await;
                        delay = delay.saturating_mul(2);
                    }
                }
            }
        }
        let delivery = Delivery {
            channel: channel.to_string(),
            trigger: notice.trigger,
            incident: notice.incident.clone(),
            attempts,
            error,
        };
        self.write_record(&delivery);
        delivery
    }

    /// `text` with every configured notification URL masked.
    fn scrub(&self, text: &str) -> String {
        let mut urls: Vec<&str> = Vec::new();
        if let Some(url) = self
            .config
            .slack
            .as_ref()
            .and_then(|s| s.webhook_url.as_deref())
        {
            urls.push(url);
        }
        if let Some(webhook) = &self.config.webhook {
            urls.push(&webhook.url);
        }
        scrub(text, &urls)
    }

    fn write_record(&self, delivery: &Delivery) {
        let Some(path) = &self.record else { return };
        let line = serde_json::json!({
            "at": chrono::Utc::now().to_rfc3339(),
            "delivery": delivery,
        });
        let result =
            crate::paths::open_private_append(path).and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = result {
            tracing::warn!("notify: cannot record to {}: {e}", path.display());
        }
    }
}

/// A secret file's text, trimmed; refused when group or others may read it.
fn read_secret(path: &std::path::Path) -> Result<String, String> {
    crate::secret_file::read_private(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| e.to_string())
}

async fn post_json(
    http: &reqwest::Client,
    channel: &str,
    url: Result<String, String>,
    token: Option<String>,
    body: &serde_json::Value,
) -> Result<(), NotifyError> {
    let url = url.map_err(|message| NotifyError::Config {
        channel: channel.into(),
        message,
    })?;
    let mut req = http
        .post(&url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap_or_default());
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    // reqwest puts the URL in its errors: drop it, and mask whatever form of it remains.
    let send_error = |message: String| NotifyError::Send {
        channel: channel.into(),
        message: scrub(&message, &[url.as_str()]),
    };
    let resp = req
        .send()
        .await
        .map_err(|e| send_error(error_chain(&e.without_url())))?;
    if !resp.status().is_success() {
        return Err(send_error(format!("HTTP {}", resp.status())));
    }
    Ok(())
}

/// An error and its sources on one line (`error sending request: connection refused`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

async fn send_email(config: &EmailConfig, notice: &Notice) -> Result<(), NotifyError> {
    let bad = |message: String| NotifyError::Config {
        channel: "email".into(),
        message,
    };
    let from: Mailbox = config.from.parse().map_err(|e| bad(format!("from: {e}")))?;
    let mut builder = Message::builder().from(from).subject(notice.subject());
    for to in &config.to {
        let to: Mailbox = to.parse().map_err(|e| bad(format!("to `{to}`: {e}")))?;
        builder = builder.to(to);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            notice.plain(),
            notice.html(),
        ))
        .map_err(|e| bad(e.to_string()))?;
    let mut transport = match config.security {
        SmtpSecurity::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)
                .map_err(|e| bad(e.to_string()))?
                .port(config.smtp_port.unwrap_or(587))
        }
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)
            .map_err(|e| bad(e.to_string()))?
            .port(config.smtp_port.unwrap_or(465)),
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
                .port(config.smtp_port.unwrap_or(25))
        }
    }
    .timeout(Some(Duration::from_secs(15)));
    if let Some(user) = &config.username {
        let password = match &config.password_file {
            Some(f) => read_secret(f).map_err(bad)?,
            None => String::new(),
        };
        transport = transport.credentials(Credentials::new(user.clone(), password));
    }
    transport
        .build()
        .send(message)
        .await
        .map_err(|e| NotifyError::Send {
            channel: "email".into(),
            message: e.to_string(),
        })?;
    Ok(())
}
