//! `opsassist tui --watch docker` end to end: the real binary in tmux with a real dockerd
//! (tests/support/dockerd.rs) and the fake OpenAI server. The status bar shows the
//! auto-restart badge, and the model is offered the docker tools with exactly the watched
//! container names; a console without `--watch docker` offers none.

mod support;

#[path = "support/dockerd.rs"]
mod dockerd;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{Opts, Pane, nonce};

/// The tools of the first chat request, by name, and the docker_restart container enum.
fn offered(fake: &FakeLlm) -> (Vec<String>, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.requests().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let requests = fake.requests();
    let tools = requests
        .first()
        .and_then(|r| r["tools"].as_array().cloned())
        .unwrap_or_default();
    let names = tools
        .iter()
        .filter_map(|t| t["function"]["name"].as_str().map(str::to_string))
        .collect();
    let restart_enum = tools
        .iter()
        .find(|t| t["function"]["name"] == "docker_restart")
        .map(|t| t["function"]["parameters"]["properties"]["container"]["enum"].clone())
        .unwrap_or_default();
    (names, restart_enum)
}

fn console(fake: &FakeLlm, d: &dockerd::TestDockerd, watch: bool) -> Pane {
    let dir = Arc::new(tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")));
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[watch.docker]\nhost = \"{}\"\nlabels = [\"environment=production\", \"oa-test=tui\"]\nauto_restart = true\n",
            d.host()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let args = if watch {
        vec!["--watch".to_string(), "docker".to_string()]
    } else {
        Vec::new()
    };
    Pane::start_in_with(
        if watch { "dockerwatch" } else { "nowatch" },
        fake,
        dir,
        Opts {
            args,
            ..Opts::default()
        },
    )
}

#[test]
fn watch_docker_offers_the_watched_containers_and_shows_auto_restart() {
    let Some(d) = dockerd::daemon_or_skip("watch_docker_offers_the_watched_containers") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let docker = d.client().await;
        for (name, labels) in [
            (
                "oa-tui-web",
                &[("environment", "production"), ("oa-test", "tui")][..],
            ),
            ("oa-tui-plain", &[][..]),
        ] {
            dockerd::run_container(
                &docker,
                dockerd::Spec {
                    name,
                    script: "sleep 3600",
                    labels,
                    health: None,
                },
            )
            .await;
        }
    });
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(format!("fine. final-{n}"))]);
    let pane = console(&fake, d, true);
    pane.wait_for("auto-restart badge", |s| s.contains("auto-restart on"));
    pane.open_incident(&n);
    pane.wait_for("final answer", |s| s.contains(&format!("final-{n}")));
    let (names, restart_enum) = offered(&fake);
    for tool in ["docker_ps", "docker_restart", "docker_stop"] {
        assert!(names.contains(&tool.to_string()), "{tool}: {names:?}");
    }
    assert_eq!(restart_enum, serde_json::json!(["oa-tui-web"]));
    pane.quit();

    // Without --watch docker (same config): no docker tools, no badge.
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text(format!("fine. final-{n}"))]);
    let pane = console(&fake, d, false);
    pane.open_incident(&n);
    let screen = pane.wait_for("final answer", |s| s.contains(&format!("final-{n}")));
    assert!(!screen.contains("auto-restart on"), "{screen}");
    let (names, _) = offered(&fake);
    assert!(names.contains(&"local_shell".to_string()), "{names:?}");
    assert!(!names.iter().any(|t| t.starts_with("docker_")), "{names:?}");
    pane.quit();
}
