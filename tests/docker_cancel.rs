//! Cancelling a Docker tool call (`x` in the console, `Op::Cancel` in the core) against a
//! real dockerd (tests/support/dockerd.rs): a `docker_restart` whose verification would watch
//! the container for 30 s stops at once, and the transcript, the session log, the audit log
//! and the model all say it was cancelled.

mod session_harness;
mod support;

#[path = "support/dockerd.rs"]
mod dockerd;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use opsassist::docker::DockerWatchConfig;
use opsassist::exec::{Cancel, ExecRequest, Executor};
use opsassist::paths::Paths;
use opsassist::protocol::{Event, EventEnvelope, Op, Target};
use opsassist::session::{self, Core};
use opsassist::tools::Program;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

/// How long the verification after a restart would watch the container.
const VERIFY_SECS: u64 = 30;

fn watch_config(d: &dockerd::TestDockerd, test: &str) -> DockerWatchConfig {
    DockerWatchConfig {
        host: Some(d.host()),
        labels: vec!["environment=production".into(), format!("oa-test={test}")],
        verify_secs: VERIFY_SECS,
        restart_timeout_secs: 1,
        ..DockerWatchConfig::default()
    }
}

async fn long_running(d: &dockerd::TestDockerd, name: &str, test: &str) {
    let docker = d.client().await;
    dockerd::run_container(
        &docker,
        dockerd::Spec {
            name,
            script: "echo up; sleep 3600",
            labels: &[("environment", "production"), ("oa-test", test)],
            health: None,
        },
    )
    .await;
}

/// Wait until `name` was started again after `before` (the restart is done and the
/// verification under way), at most 20 s. Docker's view, not the output file's.
async fn wait_for_restart(d: &dockerd::TestDockerd, name: &str, before: &(String, i64)) {
    let docker = d.client().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while dockerd::started(&docker, name).await.0 == before.0 {
        assert!(Instant::now() < deadline, "{name} was never restarted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_docker_restart_stops_at_once_and_is_recorded() {
    let Some(d) = dockerd::daemon_or_skip("a_cancelled_docker_restart") else {
        return;
    };
    long_running(d, "oa-cancel-sess", "cancel-sess").await;
    let before = dockerd::started(&d.client().await, "oa-cancel-sess").await;
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![(
                "docker_restart".into(),
                json!({"container": "oa-cancel-sess", "reason": "stuck"}),
            )]),
            Reply::Text("Noted: the restart was cancelled.".into()),
        ],
    )
    .await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let Ok(mut core) = Arc::try_unwrap(core(dir.path(), &fake, &Setup::default())) else {
        panic!("the harness core is shared");
    };
    core.config.watch.docker = watch_config(d, "cancel-sess");
    core.config.limits.cancel_grace_secs = 5;
    core.tools
        .set_watched_containers(vec!["oa-cancel-sess".into()]);
    core.executor = Executor::new(&core.config, &core.paths);
    let core: Arc<Core> = Arc::new(core);
    let paths = core.paths.clone();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = session::start(core, alert("oa-cancel-sess stuck", "x"), tx)
        .unwrap_or_else(|e| panic!("start: {e}"));
    let started = drive(
        &handle,
        &mut rx,
        |_| approve(),
        |e| matches!(e, Event::ExecStarted { .. }),
    )
    .await;
    let output_path = started
        .iter()
        .find_map(|e| match &e.event {
            Event::ExecStarted { output_path, .. } => output_path.clone(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no output path: {started:#?}"));
    // The restart is done and the 30 s verification is under way.
    wait_for_restart(d, "oa-cancel-sess", &before).await;
    let cancelled_at = Instant::now();
    assert!(handle.send(Op::Cancel { call_id: None }));
    let events = drive(&handle, &mut rx, |_| None, finished).await;
    let took = cancelled_at.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "the docker call ran on after the cancel ({took:?}): {events:#?}"
    );

    let all: Vec<EventEnvelope> = started.into_iter().chain(events).collect();
    let summary = all
        .iter()
        .find_map(|e| match &e.event {
            Event::ExecFinished { summary } => Some(summary.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ExecFinished: {all:#?}"));
    assert!(summary.cancelled, "{summary:?}");
    assert!(
        summary.duration_ms < (VERIFY_SECS - 5) * 1000,
        "{summary:?}"
    );
    // The transcript line, as for a local command.
    let warnings: Vec<&str> = all
        .iter()
        .filter_map(|e| match &e.event {
            Event::Warning { message } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("⏹ cancelled by operator after")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|w| w.contains("cannot be cancelled")),
        "{warnings:?}"
    );
    // The session log on disk.
    let logged: String = walk(&paths.sessions_dir())
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    assert!(
        logged.contains("⏹ cancelled by operator after"),
        "session log: {logged}"
    );
    // The audit log: decision cancel.
    let audit = std::fs::read_to_string(paths.audit_log()).unwrap_or_default();
    assert!(audit.contains("\"decision\":\"cancel\""), "audit: {audit}");
    // The model is told.
    let told = last_tool_content(&fake);
    assert!(told.contains("cancelled by the operator"), "{told}");
    assert!(told.contains("Docker API call was abandoned"), "{told}");
    // The output file says so, after what had happened.
    let saved = std::fs::read_to_string(&output_path).unwrap_or_default();
    assert!(saved.contains("restarted oa-cancel-sess"), "{saved}");
    assert!(
        saved.contains("[opsassist: cancelled by operator after"),
        "{saved}"
    );
    assert!(!saved.contains("verified"), "{saved}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executor_abandons_a_docker_call_when_cancelled() {
    let Some(d) = dockerd::daemon_or_skip("the_executor_abandons_a_docker_call") else {
        return;
    };
    long_running(d, "oa-cancel-exec", "cancel-exec").await;
    let before = dockerd::started(&d.client().await, "oa-cancel-exec").await;
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let paths = Paths::in_dir(root.path());
    let mut config = opsassist::config::Config::default();
    config.watch.docker = watch_config(d, "cancel-exec");
    let executor = Executor::new(&config, &paths);
    let output_path = paths.outputs_dir().join("s").join("001-c.log");
    let (fire, cancel) = Cancel::new();
    let run = tokio::spawn({
        let output_path = output_path.clone();
        async move {
            executor
                .run_cancellable(
                    ExecRequest {
                        target: Target::Docker {
                            container: "oa-cancel-exec".into(),
                        },
                        program: Program::Argv(vec![
                            "docker".into(),
                            "restart".into(),
                            "oa-cancel-exec".into(),
                        ]),
                        timeout: Duration::from_secs(120),
                        output_cap: 4096,
                        output_path,
                    },
                    cancel,
                )
                .await
        }
    });
    wait_for_restart(d, "oa-cancel-exec", &before).await;
    // The live view shows how far the call got while it still runs.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let tail = opsassist::tui::live_output::read_tail(&output_path, 4096, 5)
            .unwrap_or_else(|e| panic!("{e}"));
        if tail.is_some_and(|t| t.lines.iter().any(|l| l == "restarted oa-cancel-exec")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the live output never showed the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cancelled_at = Instant::now();
    let _ = fire.send(true);
    let outcome = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .unwrap_or_else(|_| panic!("the docker call did not stop within 10 s of the cancel"))
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert!(cancelled_at.elapsed() < Duration::from_secs(5));
    assert!(outcome.cancelled, "{outcome:?}");
    assert!(!outcome.timed_out);
    assert_eq!(outcome.exit_code, None);
    assert!(
        outcome
            .capped_output
            .contains("[opsassist: cancelled by operator after"),
        "{}",
        outcome.capped_output
    );
    // The container itself is left as the restart made it: running.
    let docker = d.client().await;
    let state = docker
        .inspect_container(
            "oa-cancel-exec",
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .unwrap_or_else(|e| panic!("inspect: {e}"))
        .state
        .and_then(|s| s.running);
    assert_eq!(state, Some(true));
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
