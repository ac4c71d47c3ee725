//! The `[notify]` config section: email (SMTP), Slack incoming webhook, generic JSON webhook,
//! which triggers send, and the retry policy.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Trigger;

/// `[notify]`: where incident notifications go. No channel configured: nothing is sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    pub email: Option<EmailConfig>,
    pub slack: Option<SlackConfig>,
    pub webhook: Option<WebhookConfig>,
    /// Which events send a message (default: all).
    pub triggers: Vec<Trigger>,
    /// Least seconds between two "awaiting approval" messages for one incident.
    pub approval_interval_secs: u64,
    /// Tries per message and channel (the first included).
    pub attempts: u32,
    /// The first retry waits this long; each later one twice as long.
    pub retry_base_ms: u64,
    /// Seconds one send may take.
    pub timeout_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            email: None,
            slack: None,
            webhook: None,
            triggers: Trigger::ALL.to_vec(),
            approval_interval_secs: 300,
            attempts: 4,
            retry_base_ms: 1000,
            timeout_secs: 15,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    #[default]
    Starttls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption (a relay on localhost only).
    None,
}

/// `[notify.email]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_host: String,
    /// Default: 587 for starttls, 465 for tls, 25 for none.
    pub smtp_port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// File holding the SMTP password (never in config.toml).
    pub password_file: Option<PathBuf>,
    pub from: String,
    pub to: Vec<String>,
}

/// `[notify.slack]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// File holding the incoming-webhook URL (it is a secret).
    pub webhook_url_file: Option<PathBuf>,
    /// The URL itself, for tests and non-secret relays; `webhook_url_file` wins.
    pub webhook_url: Option<String>,
}

/// `[notify.webhook]`: a JSON POST of the whole notice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// File holding a bearer token sent as `Authorization: Bearer …`.
    pub token_file: Option<PathBuf>,
}
