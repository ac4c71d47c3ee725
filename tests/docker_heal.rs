//! auto_restart through the core's gate, and incidents that follow their container, against
//! a real dockerd (tests/support/dockerd.rs) and, for team mode, a real PostgreSQL
//! (tests/support/postgres.rs): a `forbid` rule on `docker restart` of the container stops
//! the restart and is audited as refused; without it the restart is claimed, audited with
//! the HMAC key (in the shared chain in team mode) and verified; an `ask` rule leaves it to a
//! person, and an incident someone else claimed is not restarted; a container started by hand resolves its incident; a dead
//! container is counted once however many reconciles see it, and its removal closes it.

#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/postgres.rs"]
mod postgres;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use opsassist::audit::{self, AuditKey, AuditLog, AuditSink};
use opsassist::docker::heal::{AUTO_RESTART_RULE, CLAIMANT};
use opsassist::docker::watch::{WatchEvent, Watcher};
use opsassist::docker::{DockerWatchConfig, Engine, HealOutcome, HealReport, Healer};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::Mode;
use opsassist::session::gate::Gate;
use opsassist::session::rules::RuleSet;
use opsassist::store::{Change, Incident, IncidentState, PgStore, SqliteStore, Store};

fn config(d: &dockerd::TestDockerd, test: &str) -> DockerWatchConfig {
    DockerWatchConfig {
        host: Some(d.host()),
        labels: vec!["environment=production".into(), format!("oa-test={test}")],
        interval_secs: 30,
        verify_secs: 2,
        restart_timeout_secs: 1,
        auto_restart: true,
        max_restart_attempts: 2,
        ..DockerWatchConfig::default()
    }
}

fn labels(test: &str) -> [(&'static str, &str); 2] {
    [("environment", "production"), ("oa-test", test)]
}

/// A gate in heal mode with `rules` (rules.toml text) in force.
fn gate(rules: &str) -> Gate {
    let mut set = RuleSet::default();
    set.add_text("rules.toml", rules)
        .unwrap_or_else(|e| panic!("rules: {e}"));
    Gate::new(Mode::Heal, false).with_rules(Arc::new(set))
}

struct Setup {
    dir: tempfile::TempDir,
    paths: Paths,
    store: Arc<dyn Store>,
    watcher: Watcher,
}

/// A watcher on `store` (the data dir's SQLite store when None) whose auto_restart uses `gate` and
/// `audit`.
async fn setup(
    config: &DockerWatchConfig,
    gate: Gate,
    store: Option<Arc<dyn Store>>,
    audit: impl FnOnce(&Paths) -> AuditLog,
) -> Setup {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let paths = Paths::in_dir(&dir.path().join("data"));
    let store = store.unwrap_or_else(|| {
        Arc::new(SqliteStore::open(&paths).unwrap_or_else(|e| panic!("store: {e}")))
    });
    let intake = Intake::open(store.clone(), IntakeOptions::default())
        .unwrap_or_else(|e| panic!("intake: {e}"));
    let engine = Engine::connect(config)
        .await
        .unwrap_or_else(|e| panic!("engine: {e}"));
    let audit = Arc::new(Mutex::new(audit(&paths)));
    let healer = Healer::new(engine.clone(), config.clone(), store.clone(), gate, audit);
    let watcher = Watcher::new(
        engine,
        config.clone(),
        intake,
        store.clone(),
        Redactor::default(),
    )
    .with_healer(healer);
    Setup {
        dir,
        paths,
        store,
        watcher,
    }
}

fn file_audit(paths: &Paths) -> AuditLog {
    AuditLog::open(&paths.audit_log()).unwrap_or_else(|e| panic!("audit: {e}"))
}

/// An audit key outside the data dir.
fn key(dir: &std::path::Path, paths: &Paths) -> AuditKey {
    let path = dir.join("audit.key");
    if !path.exists() {
        AuditKey::generate(&path, &paths.data_dir).unwrap_or_else(|e| panic!("key: {e}"));
    }
    AuditKey::load(&path, &paths.data_dir).unwrap_or_else(|e| panic!("key: {e}"))
}

fn start(watcher: &Watcher) -> (mpsc::Receiver<WatchEvent>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(256);
    let watcher = watcher.clone();
    (rx, tokio::spawn(async move { watcher.run(tx).await }))
}

/// The next event `pick` accepts, within `secs`.
async fn next<T>(
    rx: &mut mpsc::Receiver<WatchEvent>,
    secs: u64,
    mut pick: impl FnMut(&WatchEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(event)) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
                seen.push(event);
            }
            other => panic!("not within {secs} s: {other:?}; seen {seen:#?}"),
        }
    }
}

fn healed(event: &WatchEvent) -> Option<HealReport> {
    match event {
        WatchEvent::Healed { report, .. } => Some(report.clone()),
        _ => None,
    }
}

/// What the inbox recorded, in order (opened, repeated, resolved, claimed, …).
fn changes(store: &dyn Store) -> Vec<&'static str> {
    let (records, _) = store.read_from(0).unwrap_or_else(|e| panic!("{e}"));
    records
        .iter()
        .map(|r| match r.change {
            Change::Opened { .. } => "opened",
            Change::Repeated => "repeated",
            Change::ResolvedAtSource { .. } => "resolved",
            Change::Reopened { .. } => "reopened",
            Change::Claimed { .. } => "claimed",
            Change::Started { .. } => "started",
            Change::Snapshot { .. } => "snapshot",
        })
        .collect()
}

fn only_incident(store: &dyn Store) -> Incident {
    let incidents = store.incidents().unwrap_or_else(|e| panic!("{e}"));
    let all: Vec<&Incident> = incidents.iter().collect();
    assert_eq!(all.len(), 1, "{all:#?}");
    all[0].clone()
}

/// The audit records' entries as JSON.
fn entries(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|r| r["entry"].clone())
        .collect()
}

fn file_lines(paths: &Paths) -> Vec<String> {
    std::fs::read_to_string(paths.audit_log())
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Fails on its first run, stays up after any restart.
const FAILS_ONCE: &str =
    "if [ -f /tmp/ran ]; then echo up again; sleep 3600; fi; touch /tmp/ran; sleep 1; exit 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbid_rule_stops_auto_restart_and_is_audited_as_refused() {
    let Some(d) = dockerd::daemon_or_skip("a_forbid_rule_stops_auto_restart") else {
        return;
    };
    let docker = d.client().await;
    let config = config(d, "forbid");
    let rules = "[[rule]]\nname = \"hands-off-web\"\naction = \"forbid\"\n\
                 prefix = \"docker restart\"\ntargets = [\"docker:oa-forbid-web\"]\n\
                 reason = \"restarts of web need the DBA\"\nmatch = [\"docker restart oa-forbid-web\"]\n";
    let s = setup(&config, gate(rules), None, file_audit).await;
    let (mut rx, task) = start(&s.watcher);
    tokio::time::sleep(Duration::from_millis(700)).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-forbid-web",
            script: FAILS_ONCE,
            labels: &labels("forbid"),
            health: None,
        },
    )
    .await;
    let report = next(&mut rx, 30, healed).await;
    let before = dockerd::started(&docker, "oa-forbid-web").await;
    match &report.outcome {
        HealOutcome::Refused { reason } => {
            assert!(
                reason.contains("rule `hands-off-web`") && reason.contains("need the DBA"),
                "{reason}"
            );
        }
        other => panic!("not refused: {other:?}"),
    }
    assert!(report.attempts.is_empty(), "{report:?}");
    let audit = entries(&file_lines(&s.paths));
    let kinds: Vec<&str> = audit.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["proposal", "decision"], "{audit:#?}");
    assert_eq!(audit[0]["command"], "docker restart oa-forbid-web");
    assert_eq!(audit[0]["tool"], "docker_restart");
    assert_eq!(audit[0]["class"], "change");
    assert_eq!(audit[1]["decision"], "refused");
    // Nothing restarted it, and the incident is nobody's: a person can take it up.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(dockerd::started(&docker, "oa-forbid-web").await, before);
    let incident = only_incident(s.store.as_ref());
    assert_eq!(incident.state, IncidentState::Open);
    assert_eq!(incident.claimed_by, None);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_restart_is_claimed_audited_with_the_key_verified_and_resolves_the_incident() {
    let Some(d) = dockerd::daemon_or_skip("auto_restart_is_claimed_audited") else {
        return;
    };
    let docker = d.client().await;
    let config = config(d, "keyed");
    let keydir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyed = |paths: &Paths| file_audit(paths).with_key(Some(key(keydir.path(), paths)));
    let s = setup(&config, gate(""), None, keyed).await;
    let (mut rx, task) = start(&s.watcher);
    tokio::time::sleep(Duration::from_millis(700)).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-keyed-web",
            script: FAILS_ONCE,
            labels: &labels("keyed"),
            health: Some("true"),
        },
    )
    .await;
    let report = next(&mut rx, 60, healed).await;
    assert_eq!(report.outcome, HealOutcome::Healed, "{report:?}");
    assert_eq!(report.approved_by.as_deref(), Some(AUTO_RESTART_RULE));
    assert!(
        matches!(
            report.last_verdict(),
            Some(opsassist::docker::Verdict::Verified { healthy: true, .. })
        ),
        "{report:?}"
    );
    next(&mut rx, 10, |e| {
        matches!(e, WatchEvent::Resolved { container, .. } if container == "oa-keyed-web")
            .then_some(())
    })
    .await;
    let incident = only_incident(s.store.as_ref());
    assert!(
        matches!(incident.state, IncidentState::ResolvedAtSource { .. }),
        "{incident:?}"
    );
    assert_eq!(incident.claimed_by.as_deref(), Some(CLAIMANT));
    assert_eq!(
        changes(s.store.as_ref()),
        ["opened", "claimed", "resolved"],
        "its own restart is not another failure"
    );
    let key = key(keydir.path(), &s.paths);
    let verified = audit::verify_with(&s.paths.audit_log(), Some(&key))
        .unwrap_or_else(|e| panic!("verify: {e}"));
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!(verified.records, 4);
    assert_eq!(verified.signed, 4, "every record carries the HMAC");
    let audit = entries(&file_lines(&s.paths));
    let kinds: Vec<&str> = audit.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["proposal", "decision", "exec_start", "exec_end"],
        "{audit:#?}"
    );
    assert_eq!(audit[1]["decision"], "auto");
    assert_eq!(
        audit[1]["reason"],
        format!("{AUTO_RESTART_RULE} (attempt 1 of 2)")
    );
    assert_eq!(audit[2]["command"], "docker restart oa-keyed-web");
    assert_eq!(audit[3]["exit_code"], 0);
    let lines = file_lines(&s.paths);
    let session: serde_json::Value =
        serde_json::from_str(&lines[0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        session["session"],
        incident.id.as_str(),
        "audited under the incident"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_mode_auto_restart_goes_to_the_shared_chain_with_the_key() {
    let Some(d) = dockerd::daemon_or_skip("team_mode_auto_restart") else {
        return;
    };
    if postgres::bin_dir().is_none() {
        eprintln!("SKIPPED team_mode_auto_restart: no PostgreSQL binaries");
        return;
    }
    let docker = d.client().await;
    let config = config(d, "team");
    let url = postgres::database("docker_heal");
    let pg = Arc::new(PgStore::connect(&url, None).unwrap_or_else(|e| panic!("pg: {e}")));
    let keydir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sink: Arc<dyn AuditSink> = pg.clone();
    let shared = |paths: &Paths| {
        file_audit(paths)
            .with_key(Some(key(keydir.path(), paths)))
            .with_sink(Some(sink))
    };
    let s = setup(&config, gate(""), Some(pg.clone()), shared).await;
    let (mut rx, task) = start(&s.watcher);
    tokio::time::sleep(Duration::from_millis(700)).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-team-web",
            script: FAILS_ONCE,
            labels: &labels("team"),
            health: None,
        },
    )
    .await;
    let report = next(&mut rx, 60, healed).await;
    assert_eq!(report.outcome, HealOutcome::Healed, "{report:?}");
    let lines = pg.lines().unwrap_or_else(|e| panic!("{e}"));
    let audit = entries(&lines);
    let kinds: Vec<&str> = audit.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["proposal", "decision", "exec_start", "exec_end"],
        "{audit:#?}"
    );
    assert_eq!(audit[2]["command"], "docker restart oa-team-web");
    assert!(
        file_lines(&s.paths).is_empty(),
        "nothing went to the data dir's file"
    );
    let copy = s.dir.path().join("chain.jsonl");
    std::fs::write(&copy, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    let key = key(keydir.path(), &s.paths);
    let verified = audit::verify_with(&copy, Some(&key)).unwrap_or_else(|e| panic!("{e}"));
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!(verified.signed, 4);
    let incident = only_incident(pg.as_ref());
    assert_eq!(incident.claimed_by.as_deref(), Some(CLAIMANT));
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ask_rule_or_someone_elses_claim_stops_auto_restart() {
    let Some(d) = dockerd::daemon_or_skip("an_ask_rule_or_someone_elses_claim") else {
        return;
    };
    let docker = d.client().await;
    let mut config = config(d, "claimed");
    // The watcher only opens the incident; the healer is called by hand below.
    config.auto_restart = false;
    let s = setup(&config, gate(""), None, file_audit).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-claimed-web",
            script: "exit 1",
            labels: &labels("claimed"),
            health: None,
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let incident = loop {
        let checked = s
            .watcher
            .check_all()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(id) = checked.iter().find_map(|c| c.incident.clone()) {
            break id;
        }
        assert!(Instant::now() < deadline, "no incident: {checked:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let before = dockerd::started(&docker, "oa-claimed-web").await;
    let engine = Engine::connect(&config)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let healer = Healer::new(
        engine,
        config.clone(),
        s.store.clone(),
        gate(""),
        Arc::new(Mutex::new(file_audit(&s.paths))),
    );
    // An `ask` rule: nothing runs, nothing is claimed or decided; a person must.
    let ask = "[[rule]]\nname = \"ask-first\"\naction = \"ask\"\nprefix = \"docker restart\"\n\
               targets = [\"docker:oa-claimed-web\"]\nmatch = [\"docker restart oa-claimed-web\"]\n";
    let asking = Healer {
        gate: gate(ask),
        ..healer.clone()
    };
    let report = asking
        .restart(&incident, "oa-claimed-web")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(&report.outcome, HealOutcome::NeedsApproval { reason } if reason.contains("needs a person")),
        "{report:?}"
    );
    assert_eq!(only_incident(s.store.as_ref()).claimed_by, None);
    assert!(
        s.store
            .claim(&incident, "alice")
            .unwrap_or_else(|e| panic!("{e}"))
    );
    let report = healer
        .restart(&incident, "oa-claimed-web")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.outcome, HealOutcome::ClaimedElsewhere);
    assert_eq!(dockerd::started(&docker, "oa-claimed-web").await, before);
    assert!(file_lines(&s.paths).is_empty(), "nothing was proposed");
    assert_eq!(
        only_incident(s.store.as_ref()).claimed_by.as_deref(),
        Some("alice")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_started_by_hand_resolves_its_incident_once_healthy() {
    let Some(d) = dockerd::daemon_or_skip("a_container_started_by_hand") else {
        return;
    };
    let docker = d.client().await;
    let mut config = config(d, "byhand");
    config.auto_restart = false;
    let s = setup(&config, gate(""), None, file_audit).await;
    let (mut rx, task) = start(&s.watcher);
    tokio::time::sleep(Duration::from_millis(700)).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-byhand-web",
            script: FAILS_ONCE,
            labels: &labels("byhand"),
            health: Some("true"),
        },
    )
    .await;
    let incident = next(&mut rx, 30, |e| match e {
        WatchEvent::Incident(c) => c.incident.clone(),
        _ => None,
    })
    .await;
    docker
        .start_container(
            "oa-byhand-web",
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .unwrap_or_else(|e| panic!("docker start: {e}"));
    let (resolved, why) = next(&mut rx, 30, |e| match e {
        WatchEvent::Resolved { incident, why, .. } => Some((incident.clone(), why.clone())),
        _ => None,
    })
    .await;
    assert_eq!(resolved, incident);
    assert_eq!(why, "is running and healthy again");
    let state = only_incident(s.store.as_ref());
    assert!(
        matches!(state.state, IncidentState::ResolvedAtSource { .. }),
        "{state:?}"
    );
    assert_eq!(changes(s.store.as_ref()), ["opened", "resolved"]);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_container_is_counted_once_and_its_removal_closes_the_incident() {
    let Some(d) = dockerd::daemon_or_skip("a_dead_container_is_counted_once") else {
        return;
    };
    let docker = d.client().await;
    let mut config = config(d, "dead");
    config.auto_restart = false;
    config.interval_secs = 1;
    let s = setup(&config, gate(""), None, file_audit).await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-dead-web",
            script: "echo dying; exit 3",
            labels: &labels("dead"),
            health: None,
        },
    )
    .await;
    let (mut rx, task) = start(&s.watcher);
    let incident = next(&mut rx, 30, |e| match e {
        WatchEvent::Incident(c) => c.incident.clone(),
        _ => None,
    })
    .await;
    let records = |store: &dyn Store| store.read_from(0).map(|(r, _)| r.len()).unwrap_or(0);
    let after_open = records(s.store.as_ref());
    // Several reconciles (one a second) and direct checks see the same dead container.
    for _ in 0..3 {
        let checked = s
            .watcher
            .check_all()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(checked.len(), 1);
        assert_eq!(checked[0].incident.as_deref(), Some(incident.as_str()));
        assert_eq!(checked[0].outcome, None, "counted before: nothing sent");
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        records(s.store.as_ref()),
        after_open,
        "no inbox record per reconcile"
    );
    assert_eq!(changes(s.store.as_ref()), ["opened"]);
    // A watcher started afresh (the next `--once`) does not count it again either.
    task.abort();
    let _ = task.await;
    let Setup {
        dir: _dir,
        store,
        watcher,
        ..
    } = s;
    drop(watcher);
    let fresh = setup_on(&config, store.clone()).await;
    let checked = fresh.check_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked[0].outcome, None, "{checked:?}");
    assert_eq!(checked[0].incident.as_deref(), Some(incident.as_str()));
    assert_eq!(changes(store.as_ref()), ["opened"]);
    // Removed: its incident closes.
    docker
        .remove_container(
            "oa-dead-web",
            None::<bollard::query_parameters::RemoveContainerOptions>,
        )
        .await
        .unwrap_or_else(|e| panic!("docker rm: {e}"));
    let checked = fresh.check_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(checked.is_empty(), "{checked:?}");
    let state = only_incident(store.as_ref());
    assert!(
        matches!(state.state, IncidentState::ResolvedAtSource { .. }),
        "{state:?}"
    );
    assert_eq!(changes(store.as_ref()), ["opened", "resolved"]);
}

/// A second watcher on `store` (the first one's intake must be gone: one receiver per store).
async fn setup_on(config: &DockerWatchConfig, store: Arc<dyn Store>) -> Watcher {
    let engine = Engine::connect(config)
        .await
        .unwrap_or_else(|e| panic!("engine: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let intake = loop {
        match Intake::open(store.clone(), IntakeOptions::default()) {
            Ok(intake) => break intake,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("intake: {e}"),
        }
    };
    Watcher::new(engine, config.clone(), intake, store, Redactor::default())
}

/// `opsassist watch docker` as a user runs it: `rules.toml` in the config dir and
/// `[audit] key_file` in config.toml reach auto_restart; a second `--once` counts nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_docker_reads_the_rules_and_the_audit_key_from_config() {
    let Some(d) = dockerd::daemon_or_skip("watch_docker_reads_the_rules") else {
        return;
    };
    let docker = d.client().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let key_path = dir.path().join("audit.key");
    AuditKey::generate(&key_path, &data).unwrap_or_else(|e| panic!("key: {e}"));
    let config_path = dir.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[watch.docker]\nhost = \"{}\"\nlabels = [\"environment=production\", \"oa-test=cli\"]\n\
             auto_restart = true\nverify_secs = 2\nrestart_timeout_secs = 1\n\n\
             [audit]\nkey_file = \"{}\"\n",
            d.host(),
            key_path.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[rule]]\nname = \"web-needs-a-human\"\naction = \"forbid\"\nprefix = \"docker restart\"\n\
         targets = [\"docker:oa-cli-web\"]\nreason = \"ask the web team\"\n\
         match = [\"docker restart oa-cli-web\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let opsassist = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"));
        cmd.arg("--config")
            .arg(&config_path)
            .args(args)
            .env("OPSASSIST_DATA_DIR", &data)
            .env("OPSASSIST_CONFIG_DIR", dir.path());
        cmd
    };
    let mut watch = opsassist(&["watch", "docker"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run opsassist: {e}"));
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-cli-web",
            script: FAILS_ONCE,
            labels: &labels("cli"),
            health: None,
        },
    )
    .await;
    // Its stdout, line by line, as it prints.
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let stdout = watch.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines_tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let refused = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) if line.contains("auto_restart refused") => break line,
            Ok(line) => seen.push(line),
            Err(e) => {
                let _ = watch.kill();
                let out = watch.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
                panic!(
                    "no refusal within 30 s ({e}): stdout {seen:?} stderr {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    };
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        refused.contains("auto_restart refused: forbidden by rule `web-needs-a-human`"),
        "{refused}"
    );
    let audit_path = data.join("audit.jsonl");
    let key = AuditKey::load(&key_path, &data).unwrap_or_else(|e| panic!("{e}"));
    let verified = audit::verify_with(&audit_path, Some(&key)).unwrap_or_else(|e| panic!("{e}"));
    assert!(verified.is_intact(), "{verified:?}");
    assert_eq!((verified.records, verified.signed), (2, 2));
    // The container is still dead; the next `--once` reports it and counts nothing new.
    let store = SqliteStore::open(&Paths::in_dir(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let before = changes(&store);
    assert_eq!(before, ["opened"]);
    let once = opsassist(&["watch", "docker", "--once", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(once.status.code(), Some(1), "a failed container");
    assert_eq!(changes(&store), before);
}
