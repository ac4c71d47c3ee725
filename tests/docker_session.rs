//! The docker tools through the whole session loop: a scripted fake OpenAI model proposes
//! them, the gate screens them, a real dockerd (tests/support/dockerd.rs) runs them. Check mode
//! refuses `docker_restart` and nothing restarts; heal mode runs an approved restart and the
//! verification verdict reaches the transcript; an unwatched name is refused before Docker is
//! called. Session notifications (awaiting approval, the diagnosis, failed) reach a real
//! webhook receiver without blocking the session.

mod session_harness;
mod support;

#[path = "support/dockerd.rs"]
mod dockerd;
#[path = "support/hooks.rs"]
mod hooks;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use opsassist::docker::DockerWatchConfig;
use opsassist::exec::Executor;
use opsassist::notify::NotifyConfig;
use opsassist::notify::config::WebhookConfig;
use opsassist::protocol::{Event, EventEnvelope, Mode, Verdict};
use opsassist::session::Core;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn watch_config(d: &dockerd::TestDockerd, test: &str) -> DockerWatchConfig {
    DockerWatchConfig {
        host: Some(d.host()),
        labels: vec!["environment=production".into(), format!("oa-test={test}")],
        verify_secs: 2,
        restart_timeout_secs: 1,
        ..DockerWatchConfig::default()
    }
}

/// The harness's Core, with a Docker watcher's view: `watched` offered to the model and the
/// executor talking to the test daemon; `notify` as given.
fn docker_core(
    root: &std::path::Path,
    fake: &FakeLlm,
    mode: Mode,
    docker: Option<(DockerWatchConfig, Vec<String>)>,
    notify: NotifyConfig,
) -> Arc<Core> {
    let setup = Setup {
        mode,
        ..Setup::default()
    };
    let Ok(mut core) = Arc::try_unwrap(core(root, fake, &setup)) else {
        panic!("the harness core is shared");
    };
    core.options.mode = mode;
    if let Some((config, watched)) = docker {
        core.config.watch.docker = config;
        core.tools.set_watched_containers(watched);
    }
    core.config.notify = notify;
    core.executor = Executor::new(&core.config, &core.paths);
    Arc::new(core)
}

fn restart(container: &str) -> (String, serde_json::Value) {
    (
        "docker_restart".into(),
        json!({"container": container, "reason": "it exited with code 1"}),
    )
}

fn verdicts(events: &[EventEnvelope]) -> Vec<Verdict> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Decided { verdict, .. } => Some(verdict.clone()),
            _ => None,
        })
        .collect()
}

fn results(events: &[EventEnvelope]) -> String {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::ToolResult { content, .. } => Some(content.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// The tool names offered in the first request the model received.
fn offered(fake: &FakeLlm) -> Vec<String> {
    fake.requests()
        .first()
        .and_then(|r| r["tools"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
        .collect()
}

/// A labelled container that fails on its first run and stays up after a restart.
async fn failing_once(d: &dockerd::TestDockerd, name: &str, test: &str) {
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name,
            script: "if [ -f /tmp/ran ]; then echo up again; sleep 3600; fi; touch /tmp/ran; echo first run fails; exit 1",
            labels: &[("environment", "production"), ("oa-test", test)],
            health: None,
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_mode_refuses_docker_restart_and_nothing_restarts() {
    let Some(d) = dockerd::daemon_or_skip("check_mode_refuses_docker_restart") else {
        return;
    };
    failing_once(d, "oa-sess-check", "sess-check").await;
    let docker = d.client().await;
    let before = dockerd::started(&docker, "oa-sess-check").await;
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![restart("oa-sess-check")]),
            Reply::Text("Diagnosis: the app exits with code 1 on start.".into()),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let core = docker_core(
        dir.path(),
        &fake,
        Mode::Check,
        Some((watch_config(d, "sess-check"), vec!["oa-sess-check".into()])),
        NotifyConfig::default(),
    );
    let (_h, _rx, events) = run_session(core, alert("oa-sess-check exited", "x"), |_| {
        panic!("check mode must not ask for a docker_restart")
    })
    .await;
    assert!(offered(&fake).contains(&"docker_restart".to_string()));
    assert!(
        matches!(verdicts(&events).as_slice(), [Verdict::Refused { .. }]),
        "{:?}",
        verdicts(&events)
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.event, Event::ExecStarted { .. }))
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(dockerd::started(&docker, "oa-sess-check").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heal_mode_runs_an_approved_restart_and_records_the_verification() {
    let Some(d) = dockerd::daemon_or_skip("heal_mode_runs_an_approved_restart") else {
        return;
    };
    failing_once(d, "oa-sess-heal", "sess-heal").await;
    let docker = d.client().await;
    let before = dockerd::started(&docker, "oa-sess-heal").await;
    let hooks = hooks::HttpHooks::start().await;
    let notify = NotifyConfig {
        webhook: Some(WebhookConfig {
            url: format!("{}/generic", hooks.base),
            token_file: None,
        }),
        attempts: 1,
        ..NotifyConfig::default()
    };
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![restart("oa-sess-heal")]),
            Reply::Text("Diagnosis: a one-off start failure; the restart held.".into()),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let core = docker_core(
        dir.path(),
        &fake,
        Mode::Heal,
        Some((watch_config(d, "sess-heal"), vec!["oa-sess-heal".into()])),
        notify,
    );
    let (_h, _rx, events) =
        run_session(core, alert("oa-sess-heal exited", "x"), |_| approve()).await;
    assert_eq!(verdicts(&events), vec![Verdict::Approved]);
    let out = results(&events);
    assert!(out.contains("restarted oa-sess-heal"), "{out}");
    assert!(out.contains("✔ verified: running for 2 s"), "{out}");
    assert!(last_tool_content(&fake).contains("✔ verified"));
    let after = dockerd::started(&docker, "oa-sess-heal").await;
    assert_ne!(after.0, before.0, "the container was not restarted");
    // Notifications: awaiting approval, then the diagnosis with what ran and the verdict.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let bodies = loop {
        let b = hooks.bodies("generic");
        if b.len() >= 2 || tokio::time::Instant::now() > deadline {
            break b;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let triggers: Vec<&str> = bodies
        .iter()
        .filter_map(|b| b["trigger"].as_str())
        .collect();
    assert_eq!(
        triggers,
        vec!["awaiting_approval", "resolved"],
        "{bodies:?}"
    );
    let done = &bodies[1];
    assert_eq!(
        done["diagnosis"],
        "Diagnosis: a one-off start failure; the restart held."
    );
    assert_eq!(done["ran"][0]["command"], "docker restart oa-sess-heal");
    assert_eq!(done["ran"][0]["approved_by"], "operator");
    assert_eq!(done["verification"], "✔ verified: running for 2 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwatched_name_is_refused_before_docker_is_called() {
    let Some(d) = dockerd::daemon_or_skip("an_unwatched_name_is_refused") else {
        return;
    };
    let docker = d.client().await;
    // Same labels as a watched one would have, but not in the watched set: still refused.
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-sess-plain",
            script: "sleep 3600",
            labels: &[],
            health: None,
        },
    )
    .await;
    let before = dockerd::started(&docker, "oa-sess-plain").await;
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![restart("oa-sess-plain")]),
            Reply::Text("ok".into()),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let core = docker_core(
        dir.path(),
        &fake,
        Mode::Heal,
        Some((watch_config(d, "sess-plain"), vec!["oa-sess-other".into()])),
        NotifyConfig::default(),
    );
    let (_h, _rx, events) = run_session(core, alert("t", "x"), |_| {
        panic!("an unwatched container must not reach the operator")
    })
    .await;
    let out = results(&events);
    assert!(out.contains("refused before anything ran"), "{out}");
    assert!(out.contains("is not watched"), "{out}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.event, Event::ExecStarted { .. }))
    );
    assert_eq!(dockerd::started(&docker, "oa-sess-plain").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_watcher_docker_tools_are_not_offered() {
    let fake = FakeLlm::start(Flavor::OpenAi, vec![Reply::Text("ok".into())]).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let core = docker_core(dir.path(), &fake, Mode::Heal, None, NotifyConfig::default());
    let _ = run_session(core, alert("t", "x"), |_| None).await;
    let tools = offered(&fake);
    assert!(tools.contains(&"local_shell".to_string()), "{tools:?}");
    assert!(!tools.iter().any(|t| t.starts_with("docker_")), "{tools:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_session_notifies_and_a_dead_receiver_does_not_block_it() {
    // The model server answers 500: the session fails; the failure notice reaches the
    // receiver. A second session's receiver is down: the session still finishes promptly.
    let hooks = hooks::HttpHooks::start().await;
    for (url, expect_delivery) in [
        (format!("{}/generic", hooks.base), true),
        ("http://127.0.0.1:9/down".to_string(), false),
    ] {
        let notify = NotifyConfig {
            webhook: Some(WebhookConfig {
                url,
                token_file: None,
            }),
            // Waiting for the dead receiver would take 10 s + 20 s of backoff: far past the
            // limit below, which a loaded machine's slow session start stays well inside.
            attempts: 3,
            retry_base_ms: 10_000,
            ..NotifyConfig::default()
        };
        let fake = FakeLlm::start(Flavor::OpenAi, vec![Reply::Status(500, "boom".into())]).await;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let core = docker_core(dir.path(), &fake, Mode::Heal, None, notify);
        let started = std::time::Instant::now();
        let (_h, _rx, events) = run_session(core, alert("disk full", "x"), |_| None).await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the session waited for the notifier"
        );
        assert!(matches!(
            events.last().map(|e| &e.event),
            Some(Event::Finished {
                state: opsassist::protocol::SessionState::Failed,
                ..
            })
        ));
        if expect_delivery {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while hooks.bodies("generic").is_empty() && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let bodies = hooks.bodies("generic");
            assert_eq!(bodies.len(), 1, "{bodies:?}");
            assert_eq!(bodies[0]["trigger"], "failed");
            assert_eq!(bodies[0]["title"], "disk full");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_that_does_not_hold_sends_verification_failed() {
    let Some(d) = dockerd::daemon_or_skip("a_restart_that_does_not_hold") else {
        return;
    };
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name: "oa-sess-broken",
            script: "echo broken; sleep 1; exit 1",
            labels: &[("environment", "production"), ("oa-test", "sess-broken")],
            health: None,
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hooks = hooks::HttpHooks::start().await;
    let notify = NotifyConfig {
        webhook: Some(WebhookConfig {
            url: format!("{}/generic", hooks.base),
            token_file: None,
        }),
        attempts: 1,
        ..NotifyConfig::default()
    };
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![restart("oa-sess-broken")]),
            Reply::Text("It keeps exiting with code 1.".into()),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let core = docker_core(
        dir.path(),
        &fake,
        Mode::Heal,
        Some((
            watch_config(d, "sess-broken"),
            vec!["oa-sess-broken".into()],
        )),
        notify,
    );
    let (_h, _rx, events) =
        run_session(core, alert("oa-sess-broken exited", "x"), |_| approve()).await;
    let out = results(&events);
    assert!(out.contains("✘ exited again with code 1"), "{out}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let bodies = loop {
        let b = hooks.bodies("generic");
        if b.len() >= 3 || tokio::time::Instant::now() > deadline {
            break b;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let triggers: Vec<&str> = bodies
        .iter()
        .filter_map(|b| b["trigger"].as_str())
        .collect();
    assert!(triggers.contains(&"verification_failed"), "{bodies:?}");
    let failed = bodies
        .iter()
        .find(|b| b["trigger"] == "verification_failed")
        .unwrap_or_else(|| panic!("{bodies:?}"));
    assert!(
        failed["verification"]
            .as_str()
            .is_some_and(|v| v.starts_with("✘ exited again with code 1")),
        "{failed}"
    );
}
