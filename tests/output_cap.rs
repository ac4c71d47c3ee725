//! `[limits] max_output_file_bytes`: a command that prints more than the cap keeps the head
//! and tail of its output file, and says how much was dropped.

use std::time::Duration;

use opsassist::config::Config;
use opsassist::exec::{ExecRequest, Executor};
use opsassist::paths::Paths;
use opsassist::protocol::Target;
use opsassist::tools::Program;

#[tokio::test]
async fn a_huge_output_file_keeps_its_head_and_tail() {
    let root = tempfile::tempdir().expect("tempdir");
    let paths = Paths::in_dir(root.path());
    let mut config = Config::default();
    config.limits.max_output_file_bytes = 64 * 1024;
    let executor = Executor::new(&config, &paths);
    let path = paths.outputs_dir().join("s1").join("001-c.log");
    // 8 MiB of numbered lines, like an unbounded `head -c 1G`.
    let outcome = executor
        .run(ExecRequest {
            target: Target::Local,
            program: Program::Shell("seq 1 1100000".into()),
            timeout: Duration::from_secs(60),
            output_cap: 4096,
            output_path: path.clone(),
        })
        .await
        .expect("runs");
    assert_eq!(outcome.exit_code, Some(0));
    let total = outcome.stdout_bytes;
    assert!(total > 7_000_000, "{total}");
    let stored = std::fs::read_to_string(&path).expect("output file");
    assert!(stored.len() < 64 * 1024 + 200, "{}", stored.len());
    assert!(stored.starts_with("1\n2\n3\n"));
    assert!(stored.ends_with("1099999\n1100000\n"));
    assert_eq!(outcome.dropped_bytes, total - 64 * 1024);
    assert!(
        stored.contains(&format!(
            "[opsassist: {} bytes dropped here",
            outcome.dropped_bytes
        )),
        "the file says what was dropped"
    );
    let leftovers = std::fs::read_dir(path.parent().expect("dir"))
        .expect("dir")
        .count();
    assert_eq!(leftovers, 1, "no tail segment files are left behind");
}
