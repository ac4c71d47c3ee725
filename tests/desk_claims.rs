//! Claims enforced by the desk in every front end, with the local store and with the team's
//! PostgreSQL: while alice holds an incident, bob's `opsassist run` of the same alert runs no
//! model turn and no command and names alice; after she hands it over, releases it, or her
//! lease lapses, bob goes on.

#[path = "support/receiver.rs"]
mod receiver;
mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use support::fake_llm::{FakeLlm, Reply};

/// `[store] lease_secs`: long enough for a refused run to start and stop on a loaded machine.
const LEASE_SECS: u64 = 6;

const ALERT: &str = r#"{"title":"Replication lag (claims)","severity":"critical","host":"db01","description":"lag 412s"}"#;

struct Site {
    root: std::path::PathBuf,
    url: Option<String>,
}

impl Site {
    fn new(root: &Path, url: Option<String>) -> Site {
        let config = root.join("config");
        std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            config.join("config.toml"),
            format!("[store]\nlease_secs = {LEASE_SECS}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("alert.json"), ALERT).unwrap_or_else(|e| panic!("{e}"));
        Site {
            root: root.to_path_buf(),
            url,
        }
    }

    fn as_user(&self, user: &str) -> Command {
        let mut cmd = receiver::opsassist(&self.root);
        cmd.env("USER", user).env("OPENAI_API_KEY", "sk-fake");
        match &self.url {
            Some(url) => cmd.env("OPSASSIST_STORE_URL", url),
            None => cmd.env_remove("OPSASSIST_STORE_URL"),
        };
        cmd
    }

    fn run(&self, user: &str, fake: &FakeLlm) -> Output {
        self.as_user(user)
            .args(["run", "--alert"])
            .arg(self.root.join("alert.json"))
            .args([
                "--provider",
                "openai",
                "--base-url",
                &fake.base_url,
                "--model",
                "fake-model",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run: {e}"))
    }

    fn store(&self, user: &str, args: &[&str]) -> Output {
        self.as_user(user)
            .arg("store")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("store: {e}"))
    }

    fn incident(&self) -> String {
        let out = self
            .as_user("alice")
            .args(["incidents", "list", "--json"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        let first: serde_json::Value = text
            .lines()
            .next()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| panic!("no incident listed: {text}"));
        first["id"].as_str().unwrap_or_default().to_string()
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn claims_hold_across_front_ends(site: &Site) {
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::Text("Looked; nothing to do. (alice)".into()),
        Reply::Text("Looked; nothing to do. (bob, after the hand-over)".into()),
        Reply::Text("Looked; nothing to do. (bob, after the lapse)".into()),
    ]);
    // Alice's run opens the incident; she claims it.
    let out = site.run("alice", &fake);
    assert!(out.status.success(), "{}", text(&out));
    let incident = site.incident();
    let out = site.store("alice", &["claim", &incident]);
    assert!(out.status.success(), "{}", text(&out));

    // Bob's run of the same alert runs nothing and names alice.
    let asked = fake.chat_count();
    let out = site.run("bob", &fake);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("alice is on") && stderr.contains(&incident),
        "{stderr}"
    );
    assert_eq!(fake.chat_count(), asked, "bob's run asked the model");

    // Alice hands it over: now she is refused and bob goes on.
    let out = site.store("alice", &["handover", &incident, "--to", "bob"]);
    let handed = std::time::Instant::now();
    assert!(out.status.success(), "{}", text(&out));
    let out = site.run("alice", &fake);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bob is on"));
    let out = site.run("bob", &fake);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(fake.chat_count(), asked + 1);

    // Bob's lease from the hand-over lapses: alice goes on.
    let lapsed = handed + Duration::from_secs(LEASE_SECS) + Duration::from_millis(300);
    std::thread::sleep(lapsed.saturating_duration_since(std::time::Instant::now()));
    let out = site.run("alice", &fake);
    assert!(out.status.success(), "after the lapse: {}", text(&out));
    assert_eq!(fake.chat_count(), asked + 2);
}

#[test]
fn claims_hold_with_the_local_store() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    claims_hold_across_front_ends(&Site::new(dir.path(), None));
}

#[test]
fn claims_hold_with_the_team_database() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = support::postgres::database("deskclaims");
    claims_hold_across_front_ends(&Site::new(dir.path(), Some(url)));
}

/// A daemon killed on drop (also when the test fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `opsassist serve` as `user` in `site` (config from [`Site::new`] plus a token file).
fn serve(site: &Site, user: &str, fake: &FakeLlm, extra: &[&str]) -> (Killed, String) {
    use std::io::BufRead;
    let mut child = site
        .as_user(user)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .args([
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = String::new();
    let _ = std::io::BufReader::new(stdout).read_line(&mut first);
    let addr = first
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("serve did not start: {first:?}"))
        .to_string();
    (Killed(child), addr)
}

#[test]
fn a_daemon_investigating_alone_leaves_alices_incident_until_she_lets_go() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let site = Site::new(root, None);
    let token = root.join("token");
    std::fs::write(&token, format!("{}\n", receiver::TOKEN)).unwrap_or_else(|e| panic!("{e}"));
    receiver::private(&token);
    std::fs::write(
        root.join("config/config.toml"),
        format!(
            "[store]\nlease_secs = {LEASE_SECS}\n[intake]\ntoken_file = {:?}\n",
            token.display().to_string()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fake =
        FakeLlm::spawn_blocking_openai(vec![Reply::Text("Looked at it (bob's daemon).".into())]);

    // The alert arrives while bob's daemon only receives; alice claims the incident.
    let (daemon, addr) = serve(&site, "bob", &fake, &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{addr}/v1/alerts"))
            .bearer_auth(receiver::TOKEN)
            .header("content-type", "application/json")
            .body(ALERT)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    });
    assert_eq!(status, 200);
    drop(daemon);
    let incident = site.incident();
    let out = site.store("alice", &["claim", &incident]);
    assert!(out.status.success(), "{}", text(&out));

    // Bob's daemon now investigates by itself: not alice's incident.
    let (daemon, _) = serve(&site, "bob", &fake, &["--investigate", "auto"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        fake.chat_count(),
        0,
        "bob's daemon asked the model about alice's incident"
    );
    assert_eq!(receiver::session_count(root), 0);

    // She releases it: bob's daemon takes it up.
    let out = site.store("alice", &["release", &incident]);
    assert!(out.status.success(), "{}", text(&out));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while fake.chat_count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "bob's daemon never took the released incident up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(daemon);
}
