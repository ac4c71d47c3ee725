//! Cancelling a running MCP call (`x` in the console fires the call's cancel signal) against
//! the real filesystem server: the call stops at once, the outcome says cancelled, and the
//! server receives `notifications/cancelled` naming the request (seen on its stdin); the
//! server stays up and answers the next call.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use opsassist::exec::{Cancel, ExecRequest};
use opsassist::mcp::{McpCall, McpPool, McpServerConfig};
use opsassist::policy::Class;
use opsassist::protocol::Target;
use opsassist::tools::Program;

fn request(dir: &std::path::Path, name: &str, path: &std::path::Path) -> ExecRequest {
    ExecRequest {
        target: Target::Mcp {
            server: "fs".into(),
        },
        program: Program::Mcp(McpCall {
            server: "fs".into(),
            tool: "read_text_file".into(),
            arguments: json!({"path": path}),
            class: Class::ReadOnly,
            class_reason: "test".into(),
        }),
        timeout: Duration::from_secs(60),
        output_cap: 16 * 1024,
        output_path: dir.join(name),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_call_sends_notifications_cancelled_and_the_server_stays_up() {
    let server = support::mcp_servers::fs_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("share");
    std::fs::create_dir_all(&root).expect("share");
    std::fs::write(root.join("notes.txt"), "still here\n").expect("notes");
    let fifo = root.join("stuck");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let log = dir.path().join("to-server.jsonl");
    let pool = McpPool::new(&[McpServerConfig {
        name: "fs".into(),
        command: vec![
            "sh".into(),
            "-c".into(),
            format!(
                "tee {} | node {} {}",
                log.display(),
                server.display(),
                root.display()
            ),
        ],
        ..Default::default()
    }]);
    let (fire, cancel) = Cancel::new();
    let stuck = request(dir.path(), "1.log", &fifo);
    let pool2 = pool.clone();
    let call = tokio::spawn(async move { opsassist::mcp::run(&pool2, &stuck, cancel, 0).await });
    // Cancel once the server has the call.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("tools/call")) {
        assert!(
            Instant::now() < deadline,
            "the call never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fire.send(true).expect("fire");
    let outcome = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the call stops at once")
        .expect("join")
        .expect("outcome");
    assert!(outcome.cancelled);
    assert_eq!(outcome.exit_code, None);
    let output = std::fs::read_to_string(dir.path().join("1.log")).expect("output");
    assert!(output.contains("notifications/cancelled"), "{output}");
    // The notification reaches the server, naming the call.
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&log).expect("log");
        if text.contains("notifications/cancelled") {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no notifications/cancelled: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let call_id = lines
        .iter()
        .find(|v| v["method"] == "tools/call")
        .map(|v| v["id"].clone())
        .expect("tools/call");
    let note = lines
        .iter()
        .find(|v| v["method"] == "notifications/cancelled")
        .expect("cancelled");
    assert_eq!(note["params"]["requestId"], call_id);
    // Still up: the next call answers (no restart: one initialize in the log).
    let next = request(dir.path(), "2.log", &root.join("notes.txt"));
    let outcome = opsassist::mcp::run(&pool, &next, Cancel::never(), 0)
        .await
        .expect("outcome");
    assert_eq!(outcome.exit_code, Some(0));
    assert!(outcome.capped_output.contains("still here"));
    let text = std::fs::read_to_string(&log).expect("log");
    assert_eq!(text.matches("\"initialize\"").count(), 1, "{text}");
    // Let go of the pool: the server's whole group stops, the node process still stuck
    // reading the FIFO and the shell that started it included.
    assert!(!serving(&root).is_empty(), "the server runs");
    drop(pool);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !serving(&root).is_empty() {
        assert!(
            Instant::now() < deadline,
            "left running after the pool was dropped: {:?}",
            serving(&root)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Living processes whose command line names `dir` (zombies do not count).
fn serving(dir: &std::path::Path) -> Vec<String> {
    let needle = dir.display().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter(|p| p.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|p| {
            std::fs::read_to_string(p.path().join("stat"))
                .ok()
                .and_then(|stat| {
                    let rest = &stat[stat.rfind(')')? + 1..];
                    rest.split_whitespace().next().map(|s| s != "Z")
                })
                .unwrap_or(false)
        })
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect()
}
