//! Per-command latency of `ssh host true` against a real local sshd: a fresh connection each
//! time (`ControlPath=none`) versus ControlMaster reuse, and the full Executor path (reuse,
//! `timeout -k` wrapper, output file, sha256).
//!
//! Run: `cargo bench --bench ssh_reuse` (needs openssh-server; see tests/run.sh).

#[path = "../tests/support/sshd.rs"]
#[allow(dead_code)]
mod sshd;

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use opsassist::exec::{ExecRequest, Executor, SshClient};
use opsassist::paths::Paths;
use opsassist::protocol::Target;
use opsassist::tools::Program;

fn ssh_true(args: &[String]) {
    let status = Command::new("ssh")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "ssh failed: {status:?}"
    );
}

fn bench(c: &mut Criterion) {
    let server = sshd::TestSshd::start();
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let paths = Paths::in_dir(root.path());
    let mut config = server.config();
    config.ssh.control_persist_secs = 60;
    let client = SshClient::new(&config.ssh, &paths.data_dir);
    let host = &config.hosts["lab"];
    let control = client.control_dir().unwrap_or_else(|e| panic!("{e}"));
    let fresh = client
        .args(host, None, "true")
        .unwrap_or_else(|e| panic!("{e}"));
    let reuse = client
        .args(host, Some(&control), "true")
        .unwrap_or_else(|e| panic!("{e}"));

    let mut group = c.benchmark_group("ssh_true");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("fresh_connection", |b| b.iter(|| ssh_true(&fresh)));
    ssh_true(&reuse); // open the master
    group.bench_function("controlmaster_reuse", |b| b.iter(|| ssh_true(&reuse)));

    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let executor = Executor::new(&config, &paths);
    let request = ExecRequest {
        target: Target::Ssh { host: "lab".into() },
        program: Program::Shell("true".into()),
        timeout: Duration::from_secs(30),
        output_cap: 16 * 1024,
        output_path: paths.outputs_dir().join("bench.log"),
    };
    group.bench_function("executor_remote_shell_reuse", |b| {
        b.iter(|| {
            let out = runtime
                .block_on(executor.run(request.clone()))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(out.exit_code, Some(0));
        })
    });
    group.finish();
    let _ = Command::new("ssh")
        .args(["-F"])
        .arg(&server.ssh_config)
        .arg("-o")
        .arg(format!("ControlPath={}/%C", control.display()))
        .args(["-O", "exit", "lab"])
        .stderr(Stdio::null())
        .status();
}

criterion_group!(benches, bench);
criterion_main!(benches);
