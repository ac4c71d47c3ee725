//! Cancelling a remote command against a real sshd on 127.0.0.1: the local ssh is stopped
//! and the remote process group dies too (checked with pgrep on the sshd host, which is
//! this machine).

mod support;

use std::time::{Duration, Instant};

use opsassist::exec::{Cancel, ExecRequest, Executor};
use opsassist::llm::ToolCall;
use opsassist::paths::Paths;
use opsassist::tools::ToolRegistry;
use support::sshd::TestSshd;

fn pgrep(pattern: &str) -> String {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_cancelled_remote_command_dies_on_the_remote_host() {
    cancel_remote("trap '' HUP;", "31").await;
}

#[tokio::test]
async fn a_remote_command_that_ignores_term_is_killed_after_the_grace() {
    cancel_remote("trap '' HUP TERM;", "32").await;
}

async fn cancel_remote(traps: &str, seconds: &str) {
    let sshd = TestSshd::start();
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let paths = Paths::in_dir(root.path());
    let mut config = sshd.config();
    config.limits.cancel_grace_secs = 1;
    let executor = Executor::new(&config, &paths);
    let tools = ToolRegistry::load(&paths.config_dir).unwrap_or_else(|e| panic!("{e}"));
    // A sleep in a pipeline and in the background too: the whole remote group must go.
    let marker = format!("sleep {seconds}.{}", std::process::id());
    // Processes that ignore HUP (like `nohup`) must go too.
    let command = format!("{traps} echo started; {marker} | cat & {marker}; wait");
    let call = tools
        .resolve(
            &ToolCall {
                id: "call_1".into(),
                name: "remote_shell".into(),
                arguments: serde_json::json!({"host": "lab", "command": command}).to_string(),
            },
            &sshd.inventory(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let request = ExecRequest {
        target: call.target.clone(),
        program: call.program.clone(),
        timeout: Duration::from_secs(60),
        output_cap: call.output_cap,
        output_path: paths.outputs_dir().join("out.log"),
    };
    // A first command opens the shared connection (ControlMaster): the cancelled ssh is then
    // only a client of it, as in a long session.
    let mut warm = request.clone();
    warm.program = opsassist::tools::Program::Shell("true".into());
    warm.output_path = paths.outputs_dir().join("warm.log");
    let warmed = executor
        .run(warm)
        .await
        .unwrap_or_else(|e| panic!("warm-up: {e}"));
    assert_eq!(warmed.exit_code, Some(0), "{warmed:?}");
    let (fire, cancel) = Cancel::new();
    let run = tokio::spawn(async move { executor.run_cancellable(request, cancel).await });
    let start = Instant::now();
    while pgrep(&marker).lines().count() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "remote sleeps never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = fire.send(true);
    let outcome = match tokio::time::timeout(Duration::from_secs(15), run).await {
        Ok(Ok(Ok(outcome))) => outcome,
        other => panic!("cancelled run did not end: {other:?}"),
    };
    assert!(outcome.cancelled, "{outcome:?}");
    assert_eq!(outcome.connection_error, None, "{outcome:?}");
    let gone = Instant::now();
    while !pgrep(&marker).is_empty() {
        assert!(
            gone.elapsed() < Duration::from_secs(8),
            "remote processes survived the cancel: {}\n{}",
            pgrep(&marker),
            String::from_utf8_lossy(
                &std::process::Command::new("ps")
                    .args(["-eo", "pid,ppid,pgid,sid,stat,cmd"])
                    .output()
                    .map(|o| o.stdout)
                    .unwrap_or_default()
            )
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
