//! What notifications must not leak or let through: Slack mrkdwn in alert titles and model
//! text is escaped (no `<!channel>`, no planted link), a notification URL's path and query
//! never reach `opsassist.log`, `notify.jsonl` or the terminal, a secret file others may read
//! is refused, and the data dir and the files written in it are private.

#[path = "support/hooks.rs"]
mod hooks;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opsassist::notify::config::SlackConfig;
use opsassist::notify::{Notice, Notifier, NotifyConfig, Trigger};
use opsassist::policy::Redactor;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_text_is_escaped_so_no_title_or_model_text_can_mention_or_link() {
    let hooks = hooks::HttpHooks::start().await;
    let notifier = Notifier::new(
        NotifyConfig {
            slack: Some(SlackConfig {
                webhook_url_file: None,
                webhook_url: Some(format!("{}/slack", hooks.base)),
            }),
            ..NotifyConfig::default()
        },
        Redactor::default(),
        None,
    );
    let notice = Notice {
        trigger: Trigger::Failed,
        incident: "inc-<!here>".into(),
        severity: "critical".into(),
        title: "<!channel> disk full <https://evil.example|Click to approve fix>".into(),
        what_happened: "a < b && c > d <@U0123>".into(),
        ran: Vec::new(),
        verification: None,
        diagnosis: Some("Run <https://evil.example/x|this fix> now <!subteam^S01>".into()),
    };
    let deliveries = notifier.send_all(notice).await;
    assert!(
        deliveries.iter().all(|d| d.error.is_none()),
        "{deliveries:?}"
    );
    let bodies = hooks.bodies("slack");
    let text = bodies[0]["text"].as_str().unwrap_or_default();
    for raw in ["<!", "<https://", "<@", "&&"] {
        assert!(!text.contains(raw), "{raw:?} reached Slack raw: {text}");
    }
    assert!(
        text.contains(
            "&lt;!channel&gt; disk full &lt;https://evil.example|Click to approve fix&gt;"
        ),
        "{text}"
    );
    assert!(
        text.contains("a &lt; b &amp;&amp; c &gt; d &lt;@U0123&gt;"),
        "{text}"
    );
    assert!(text.starts_with("*[opsassist] CRITICAL failed: "), "{text}");
}

/// `opsassist notify test` against receivers that are down, with URLs whose paths and
/// queries are secrets (not on hooks.slack.com, which the redactor knows): none of them is
/// in the log, the delivery record or the output; the files are 0600 in a 0700 data dir.
#[test]
fn a_failed_delivery_never_writes_the_notification_url() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        l.local_addr().map(|a| a.port()).unwrap_or(1)
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("{e}"));
    let url_file = dir.path().join("slack-url");
    std::fs::write(
        &url_file,
        format!("http://127.0.0.1:{port}/services/T0AAA/B0BBB/Sl4ckP4thS3cret\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&url_file, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[notify]\nattempts = 2\nretry_base_ms = 1\n[notify.slack]\nwebhook_url_file = {:?}\n[notify.webhook]\nurl = \"http://user:Us3rPw@127.0.0.1:{port}/hook/W3bh00kP4th?sig=Qu3ryS3cret\"\n",
            url_file.display().to_string()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["notify", "test"])
        .env("OPSASSIST_DATA_DIR", &data)
        .env("OPSASSIST_CONFIG_DIR", &config_dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout} {stderr}");
    assert!(
        stdout.contains("slack: FAILED after 2 attempt(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("webhook: FAILED after 2 attempt(s)"),
        "{stdout}"
    );
    let log = std::fs::read_to_string(data.join("opsassist.log")).unwrap_or_default();
    let record = std::fs::read_to_string(data.join("notify.jsonl")).unwrap_or_default();
    assert!(log.contains("notify: "), "nothing logged: {log}");
    assert_eq!(record.lines().count(), 2, "{record}");
    for (name, text) in [
        ("stdout", stdout.as_ref()),
        ("stderr", stderr.as_ref()),
        ("opsassist.log", log.as_str()),
        ("notify.jsonl", record.as_str()),
    ] {
        for secret in [
            "Sl4ckP4thS3cret",
            "T0AAA",
            "W3bh00kP4th",
            "Qu3ryS3cret",
            "Us3rPw",
        ] {
            assert!(!text.contains(secret), "{secret} in {name}: {text}");
        }
    }
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("opsassist.log")), 0o600);
    assert_eq!(mode(&data.join("notify.jsonl")), 0o600);
}

/// A secret file group or others may read is refused as the audit key is, and says how to
/// fix it; the same file made 0600 is used.
#[test]
fn a_secret_file_others_may_read_is_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let hooks = runtime.block_on(hooks::HttpHooks::start());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config_dir = dir.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("{e}"));
    let url_file = dir.path().join("slack-url");
    std::fs::write(&url_file, format!("{}/slack\n", hooks.base)).unwrap_or_else(|e| panic!("{e}"));
    let token_file = dir.path().join("webhook-token");
    std::fs::write(&token_file, "t0ken-value\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[notify]\nattempts = 1\n[notify.slack]\nwebhook_url_file = {:?}\n[notify.webhook]\nurl = \"{}/generic\"\ntoken_file = {:?}\n",
            url_file.display().to_string(),
            hooks.base,
            token_file.display().to_string()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
            .args(["notify", "test"])
            .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
            .env("OPSASSIST_CONFIG_DIR", &config_dir)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    std::fs::set_permissions(&url_file, std::fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o604))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("slack: FAILED"), "{stdout}");
    assert!(stdout.contains("mode 0644"), "{stdout}");
    assert!(stdout.contains("webhook: FAILED"), "{stdout}");
    assert!(stdout.contains("mode 0604"), "{stdout}");
    assert!(stdout.contains("chmod 600"), "{stdout}");
    assert!(hooks.bodies("slack").is_empty() && hooks.bodies("generic").is_empty());

    for f in [&url_file, &token_file] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(hooks.bodies("slack").len(), 1);
    assert_eq!(hooks.bodies("generic").len(), 1);
    drop(hooks);
    drop(runtime);
}
