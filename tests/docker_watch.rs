//! The Docker watcher against a real dockerd (tests/support/dockerd.rs): failures become
//! incidents through the intake within 2 s, unlabelled containers are never touched,
//! `--once` restarts nothing, an approved restart verifies, auto_restart gives up after three
//! attempts and keeps the incident open, and unwatched names are refused.

#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/hooks.rs"]
mod hooks;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opsassist::audit::AuditLog;
use opsassist::docker::watch::{WatchEvent, Watcher};
use opsassist::docker::{DockerWatchConfig, Engine, Healer};
use opsassist::exec::{ExecError, ExecRequest, Executor};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::notify::config::WebhookConfig;
use opsassist::notify::{Notifier, NotifyConfig};
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::{Mode, Target};
use opsassist::session::gate::Gate;
use opsassist::store::{IncidentState, SqliteStore, Store};
use opsassist::tools::Program;

const SECRET: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

fn config(d: &dockerd::TestDockerd, test: &str) -> DockerWatchConfig {
    DockerWatchConfig {
        host: Some(d.host()),
        labels: vec!["environment=production".into(), format!("oa-test={test}")],
        interval_secs: 30,
        verify_secs: 2,
        restart_timeout_secs: 1,
        ..DockerWatchConfig::default()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    paths: Paths,
    store: Arc<SqliteStore>,
    watcher: Watcher,
}

async fn setup(config: &DockerWatchConfig) -> Setup {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let paths = Paths::in_dir(dir.path());
    let store = Arc::new(SqliteStore::open(&paths).unwrap_or_else(|e| panic!("store: {e}")));
    let intake = Intake::open(store.clone(), IntakeOptions::default())
        .unwrap_or_else(|e| panic!("intake: {e}"));
    let engine = Engine::connect(config)
        .await
        .unwrap_or_else(|e| panic!("engine: {e}"));
    let audit = AuditLog::open(&paths.audit_log()).unwrap_or_else(|e| panic!("audit: {e}"));
    let healer = Healer::new(
        engine.clone(),
        config.clone(),
        store.clone(),
        Gate::new(Mode::Heal, false),
        Arc::new(Mutex::new(audit)),
    );
    let watcher = Watcher::new(
        engine,
        config.clone(),
        intake,
        store.clone(),
        Redactor::default(),
    )
    .with_healer(healer);
    Setup {
        _dir: dir,
        paths,
        store,
        watcher,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labelled_exit_becomes_an_incident_within_two_seconds_unlabelled_none() {
    let Some(d) = dockerd::daemon_or_skip("labelled_exit_becomes_an_incident") else {
        return;
    };
    let docker = d.client().await;
    let config = config(d, "exit");
    let s = setup(&config).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let watcher = s.watcher.clone();
    let task = tokio::spawn(async move { watcher.run(tx).await });
    // The first reconcile runs at once; let the event stream attach.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let script = format!("echo hello from web; echo token={SECRET}; sleep 2; echo dying; exit 1");
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-exit-web",
            script: &script,
            labels: &[("environment", "production"), ("oa-test", "exit")],
            health: None,
        },
    )
    .await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-exit-plain",
            script: "sleep 2; exit 1",
            labels: &[("oa-test", "exit")],
            health: None,
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let incident = loop {
        assert!(Instant::now() < deadline, "no incident within 15 s");
        let incidents = s.store.incidents().unwrap_or_else(|e| panic!("{e}"));
        if let Some(i) = incidents.iter().next() {
            break i.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let seen = chrono::Utc::now();
    let finished = incident
        .alert
        .starts_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or_else(|| panic!("no finished time in {:?}", incident.alert))
        .with_timezone(&chrono::Utc);
    let lag = seen - finished;
    eprintln!(
        "incident {} ms after the container exited",
        lag.num_milliseconds()
    );
    assert!(
        lag < chrono::Duration::seconds(2),
        "incident {lag} after the exit"
    );
    assert_eq!(
        incident.alert.title,
        "container oa-exit-web exited with code 1"
    );
    let text = incident.alert.description.clone().unwrap_or_default();
    assert!(text.contains("exit code: 1"), "{text}");
    assert!(text.contains("hello from web"), "{text}");
    assert!(text.contains("dying"), "{text}");
    assert!(text.contains("untrusted"), "{text}");
    assert!(!text.contains(SECRET), "secret not redacted: {text}");
    assert!(text.contains("environment=production"), "{text}");
    assert!(
        incident.key.fingerprint.starts_with("docker:")
            && incident.key.fingerprint.ends_with(":exited"),
        "{:?}",
        incident.key
    );
    // The unlabelled one exited too; give it as long again, then make sure nothing came.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let incidents = s.store.incidents().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        incidents.len(),
        1,
        "{:?}",
        incidents.iter().collect::<Vec<_>>()
    );
    assert_eq!(incident.state, IncidentState::Open);
    // A reconcile of the same failure names the same incident and counts nothing more.
    let checked = s
        .watcher
        .check_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked.len(), 1, "only the labelled container is listed");
    assert_eq!(checked[0].incident.as_deref(), Some(incident.id.as_str()));
    let incidents = s.store.incidents().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents.iter().next().map(|i| i.count), Some(1));
    let got = rx.try_recv();
    assert!(
        matches!(got, Ok(WatchEvent::Incident(_))),
        "the front end heard of it: {got:?}"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_in_check_mode_restarts_nothing_and_exits_non_zero() {
    let Some(d) = dockerd::daemon_or_skip("once_in_check_mode") else {
        return;
    };
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-once-web",
            script: "echo once failing; exit 1",
            labels: &[("environment", "production"), ("oa-test", "once")],
            health: None,
        },
    )
    .await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-once-ok",
            script: "sleep 3600",
            labels: &[("environment", "production"), ("oa-test", "once")],
            health: None,
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = dockerd::started(&docker, "oa-once-web").await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[watch.docker]\nhost = \"{}\"\nlabels = [\"environment=production\", \"oa-test=once\"]\n",
            d.host()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["--config"])
        .arg(&config_path)
        .args(["watch", "docker", "--once", "--json"])
        .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.path())
        .output()
        .unwrap_or_else(|e| panic!("run opsassist: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout {stdout} stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(summary["watched"], 2, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    let failed: Vec<&serde_json::Value> = summary["containers"]
        .as_array()
        .map(|a| a.iter().filter(|c| !c["failure"].is_null()).collect())
        .unwrap_or_default();
    assert_eq!(failed[0]["name"], "oa-once-web");
    assert_eq!(failed[0]["exit_code"], 1);
    assert!(
        failed[0]["incident"]
            .as_str()
            .is_some_and(|i| i.starts_with("inc-"))
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        dockerd::started(&docker, "oa-once-web").await,
        before,
        "restarted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_docker_restart_brings_it_back_and_verifies() {
    let Some(d) = dockerd::daemon_or_skip("approved_docker_restart") else {
        return;
    };
    let docker = d.client().await;
    // Fails on its first run, stays up (and healthy) after a restart.
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-heal-web",
            script: "if [ -f /tmp/ran ]; then echo up again; sleep 3600; fi; touch /tmp/ran; echo first run fails; exit 1",
            labels: &[("environment", "production"), ("oa-test", "heal")],
            health: Some("true"),
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut cfg = opsassist::config::Config::default();
    cfg.watch.docker = config(d, "heal");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let executor = Executor::new(&cfg, &Paths::in_dir(dir.path()));
    let outcome = executor
        .run(ExecRequest {
            target: Target::Docker {
                container: "oa-heal-web".into(),
            },
            program: Program::Argv(vec![
                "docker".into(),
                "restart".into(),
                "oa-heal-web".into(),
            ]),
            timeout: Duration::from_secs(30),
            output_cap: 4096,
            output_path: dir.path().join("out"),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(outcome.exit_code, Some(0), "{}", outcome.capped_output);
    assert!(
        outcome
            .capped_output
            .contains("✔ verified: running and healthy for 2 s"),
        "{}",
        outcome.capped_output
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_restart_gives_up_after_three_and_keeps_the_incident_open() {
    let Some(d) = dockerd::daemon_or_skip("auto_restart_gives_up") else {
        return;
    };
    let docker = d.client().await;
    let mut config = config(d, "auto");
    config.auto_restart = true;
    config.max_restart_attempts = 3;
    let s = setup(&config).await;
    let receiver = hooks::HttpHooks::start().await;
    let notifier = Notifier::new(
        NotifyConfig {
            webhook: Some(WebhookConfig {
                url: format!("{}/generic", receiver.base),
                token_file: None,
            }),
            ..NotifyConfig::default()
        },
        Redactor::default(),
        None,
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let watcher = s.watcher.clone().with_notifier(notifier.clone());
    let task = tokio::spawn(async move { watcher.run(tx).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-auto-web",
            script: "echo boom; sleep 1; exit 1",
            labels: &[("environment", "production"), ("oa-test", "auto")],
            health: None,
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let (incident, report) = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(WatchEvent::Healed { incident, report })) => break (incident, report),
            Ok(Some(_)) => continue,
            other => panic!("no auto_restart report: {other:?}"),
        }
    };
    assert_eq!(report.outcome, opsassist::docker::HealOutcome::GaveUp);
    assert_eq!(report.attempts.len(), 3, "{report:?}");
    for a in &report.attempts {
        let verdict = a
            .verdict
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default();
        assert!(
            verdict.starts_with("✘ exited again with code 1 after"),
            "{verdict}"
        );
    }
    let incidents = s.store.incidents().unwrap_or_else(|e| panic!("{e}"));
    let open = incidents
        .get(&incident)
        .unwrap_or_else(|| panic!("no {incident}"));
    assert_eq!(open.state, IncidentState::Open);
    let audit = std::fs::read_to_string(s.paths.audit_log()).unwrap_or_default();
    assert_eq!(
        audit
            .matches("[watch.docker] auto_restart (attempt")
            .count(),
        3,
        "{audit}"
    );
    assert_eq!(audit.matches("\"decision\":\"auto\"").count(), 3, "{audit}");
    notifier.drain().await;
    let sent = receiver.bodies("generic");
    let triggers: Vec<&str> = sent.iter().filter_map(|b| b["trigger"].as_str()).collect();
    assert_eq!(triggers, ["opened", "verification_failed"], "{sent:?}");
    let failed = &sent[1];
    assert_eq!(failed["incident"], incident.as_str());
    assert_eq!(failed["ran"].as_array().map(Vec::len), Some(3), "{failed}");
    assert!(
        failed["verification"]
            .as_str()
            .is_some_and(|v| v.starts_with("✘ exited again with code 1")),
        "{failed}"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_of_an_unwatched_container_is_refused() {
    let Some(d) = dockerd::daemon_or_skip("restart_of_an_unwatched_container") else {
        return;
    };
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-refuse-plain",
            script: "sleep 3600",
            labels: &[("oa-test", "refuse")],
            health: None,
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = dockerd::started(&docker, "oa-refuse-plain").await;
    let mut cfg = opsassist::config::Config::default();
    cfg.watch.docker = config(d, "refuse");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let executor = Executor::new(&cfg, &Paths::in_dir(dir.path()));
    for name in ["oa-refuse-plain", "no-such-container", "../oa-refuse-plain"] {
        let result = executor
            .run(ExecRequest {
                target: Target::Docker {
                    container: name.into(),
                },
                program: Program::Argv(vec!["docker".into(), "restart".into(), name.into()]),
                timeout: Duration::from_secs(30),
                output_cap: 4096,
                output_path: dir.path().join("out"),
            })
            .await;
        assert!(
            matches!(result, Err(ExecError::NotWatched(_))),
            "{name}: {result:?}"
        );
    }
    assert_eq!(dockerd::started(&docker, "oa-refuse-plain").await, before);
}
