//! Notifications for any incident: email (SMTP via lettre), Slack incoming webhook and a
//! generic JSON webhook. [`Notifier::notify`] redacts the [`Notice`], then sends it in the
//! background with retries and backoff; failures are recorded, never raised to the session.

pub mod config;
pub mod message;
pub mod send;
pub mod url_mask;

pub use config::NotifyConfig;
pub use message::{Notice, Ran, Trigger};
pub use send::{Delivery, Notifier};

/// Problems sending one notification on one channel.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{channel}: {message}")]
    Send { channel: String, message: String },
    #[error("{channel}: bad configuration: {message}")]
    Config { channel: String, message: String },
}
