//! Notifications against real receivers: SMTP to aiosmtpd (subject, HTML part, no planted
//! secret), Slack and generic webhooks to a local axum server, a receiver that is down gets
//! retries without blocking or failing the caller, and `opsassist notify test`.

#[path = "support/hooks.rs"]
mod hooks;

use std::time::{Duration, Instant};

use opsassist::notify::config::{EmailConfig, SlackConfig, SmtpSecurity, WebhookConfig};
use opsassist::notify::{Notice, Notifier, NotifyConfig, Ran, Trigger};
use opsassist::policy::Redactor;

const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const CONFIGURED: &str = "db-passw0rd-planted-7731";

fn notice() -> Notice {
    Notice {
        trigger: Trigger::VerificationFailed,
        incident: "inc-1".into(),
        severity: "critical".into(),
        title: "container web exited with code 1".into(),
        what_happened: format!("exit code: 1\nlog: token={TOKEN} db={CONFIGURED} <script>"),
        ran: vec![Ran {
            command: "docker restart web".into(),
            approved_by: "[watch.docker] auto_restart".into(),
            result: Some("✘ exited again with code 1 after 1 s".into()),
        }],
        verification: Some("✘ exited again with code 1 after 1 s".into()),
        diagnosis: Some(format!("the app cannot reach the db with {CONFIGURED}")),
    }
}

fn redactor() -> Redactor {
    Redactor::new(vec![CONFIGURED.into()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_reaches_a_real_smtp_server_as_html_and_plain_without_secrets() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let smtpd = match hooks::Smtpd::start(&dir.path().join("mail")) {
        Ok(s) => s,
        Err(reason) => {
            eprintln!("SKIPPED email test: {reason}");
            return;
        }
    };
    let config = NotifyConfig {
        email: Some(EmailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: Some(smtpd.port),
            security: SmtpSecurity::None,
            username: None,
            password_file: None,
            from: "opsassist <opsassist@example.test>".into(),
            to: vec!["oncall@example.test".into()],
        }),
        ..NotifyConfig::default()
    };
    let notifier = Notifier::new(config, redactor(), None);
    let deliveries = notifier.send_all(notice()).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].error, None, "{deliveries:?}");
    let messages = smtpd.messages();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("multipart/alternative"),
        "{}",
        messages[0]
    );
    let decoded = smtpd.decoded();
    let mail = &decoded[0];
    assert!(
        mail.starts_with(
            "Subject: [opsassist] CRITICAL verification failed: container web exited with code 1 (inc-1)\n"
        ),
        "{mail}"
    );
    assert!(mail.contains("--- part text/plain ---"), "{mail}");
    assert!(mail.contains("--- part text/html ---"), "{mail}");
    assert!(mail.contains("<h3>What ran</h3>"), "{mail}");
    assert!(
        mail.contains("approved by [watch.docker] auto_restart"),
        "{mail}"
    );
    assert!(!mail.contains(TOKEN), "token leaked: {mail}");
    assert!(
        !mail.contains(CONFIGURED),
        "configured secret leaked: {mail}"
    );
    assert!(mail.contains("REDACTED"), "{mail}");
    assert!(mail.contains("&lt;script&gt;"), "HTML not escaped: {mail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_and_webhook_reach_a_local_receiver() {
    let hooks = hooks::HttpHooks::start().await;
    let config = NotifyConfig {
        slack: Some(SlackConfig {
            webhook_url_file: None,
            webhook_url: Some(format!("{}/slack", hooks.base)),
        }),
        webhook: Some(WebhookConfig {
            url: format!("{}/generic", hooks.base),
            token_file: None,
        }),
        ..NotifyConfig::default()
    };
    let notifier = Notifier::new(config, redactor(), None);
    let deliveries = notifier.send_all(notice()).await;
    assert_eq!(deliveries.len(), 2);
    assert!(
        deliveries.iter().all(|d| d.error.is_none()),
        "{deliveries:?}"
    );
    let slack = hooks.bodies("slack");
    assert_eq!(slack.len(), 1);
    let text = slack[0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("verification failed"), "{text}");
    assert!(
        text.contains("approved by [watch.docker] auto_restart"),
        "{text}"
    );
    let generic = hooks.bodies("generic");
    assert_eq!(generic.len(), 1);
    let g = &generic[0];
    assert_eq!(g["trigger"], "verification_failed");
    assert_eq!(g["severity"], "critical");
    assert_eq!(g["ran"][0]["approved_by"], "[watch.docker] auto_restart");
    assert_eq!(g["verification"], "✘ exited again with code 1 after 1 s");
    let all = format!("{slack:?}{generic:?}");
    assert!(!all.contains(TOKEN) && !all.contains(CONFIGURED), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_is_down_is_retried_without_blocking_the_caller() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        l.local_addr().map(|a| a.port()).unwrap_or(1)
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let record = dir.path().join("notify.jsonl");
    let config = NotifyConfig {
        webhook: Some(WebhookConfig {
            url: format!("http://127.0.0.1:{port}/down"),
            token_file: None,
        }),
        attempts: 3,
        retry_base_ms: 100,
        ..NotifyConfig::default()
    };
    let notifier = Notifier::new(config, redactor(), Some(record.clone()));
    let start = Instant::now();
    assert!(notifier.notify(notice()));
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "notify blocked for {:?}",
        start.elapsed()
    );
    let deliveries = notifier.drain().await;
    assert!(start.elapsed() >= Duration::from_millis(300), "no backoff");
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].attempts, 3);
    assert!(deliveries[0].error.is_some());
    let recorded = std::fs::read_to_string(&record).unwrap_or_default();
    assert!(recorded.contains("\"attempts\":3"), "{recorded}");
    // The caller carries on: a later notice to a live receiver still goes out.
    let hooks = hooks::HttpHooks::start().await;
    let live = Notifier::new(
        NotifyConfig {
            webhook: Some(WebhookConfig {
                url: format!("{}/generic", hooks.base),
                token_file: None,
            }),
            ..NotifyConfig::default()
        },
        redactor(),
        None,
    );
    assert!(live.notify(notice()));
    let d = live.drain().await;
    assert_eq!(d[0].error, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awaiting_approval_is_rate_limited_per_incident() {
    let hooks = hooks::HttpHooks::start().await;
    let notifier = Notifier::new(
        NotifyConfig {
            webhook: Some(WebhookConfig {
                url: format!("{}/generic", hooks.base),
                token_file: None,
            }),
            ..NotifyConfig::default()
        },
        redactor(),
        None,
    );
    let waiting = |incident: &str| Notice {
        trigger: Trigger::AwaitingApproval,
        incident: incident.into(),
        ..notice()
    };
    assert!(notifier.notify(waiting("inc-1")));
    assert!(
        !notifier.notify(waiting("inc-1")),
        "second one within the window"
    );
    assert!(notifier.notify(waiting("inc-2")));
    notifier.drain().await;
    assert_eq!(hooks.bodies("generic").len(), 2);
}

#[test]
fn notify_test_command_sends_to_every_channel() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let hooks = runtime.block_on(hooks::HttpHooks::start());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("{e}"));
    let url_file = dir.path().join("slack-url");
    std::fs::write(&url_file, format!("{}/slack\n", hooks.base)).unwrap_or_else(|e| panic!("{e}"));
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&url_file, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[notify.slack]\nwebhook_url_file = {:?}\n[notify.webhook]\nurl = \"{}/generic\"\n",
            url_file.display().to_string(),
            hooks.base
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["notify", "test"])
        .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", &config_dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("slack: sent"), "{stdout}");
    assert!(stdout.contains("webhook: sent"), "{stdout}");
    assert_eq!(hooks.bodies("slack").len(), 1);
    assert_eq!(hooks.bodies("generic")[0]["trigger"], "test");
    drop(hooks);
    drop(runtime);
}
