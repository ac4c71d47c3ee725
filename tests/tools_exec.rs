//! Local execution of resolved tool calls with real processes: exit codes and signals,
//! timeouts that kill the whole process group, full output on disk (0600) with its sha256,
//! capped output for the model, argv values kept literal, and `opsassist tools` errors.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use opsassist::config::Config;
use opsassist::exec::{ExecOutcome, ExecRequest, Executor};
use opsassist::llm::ToolCall;
use opsassist::paths::Paths;
use opsassist::protocol::Target;
use opsassist::tools::{Program, ToolRegistry};
use sha2::Digest;

struct Local {
    root: tempfile::TempDir,
    executor: Executor,
}

fn local() -> Local {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let executor = Executor::new(&Config::default(), &Paths::in_dir(root.path()));
    Local { root, executor }
}

impl Local {
    fn out_path(&self) -> PathBuf {
        self.root.path().join("data/outputs/run.log")
    }

    async fn run(&self, program: Program, timeout: Duration, cap: usize) -> ExecOutcome {
        self.executor
            .run(ExecRequest {
                target: Target::Local,
                program,
                timeout,
                output_cap: cap,
                output_path: self.out_path(),
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn sh(&self, command: &str) -> ExecOutcome {
        self.run(
            Program::Shell(command.into()),
            Duration::from_secs(30),
            16 * 1024,
        )
        .await
    }
}

fn unique_secs() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("300.{}{:06}", std::process::id() % 1000, nanos % 1_000_000)
}

/// Poll until no process matches `pattern` (a pgrep -f regex), or fail after a deadline.
async fn assert_gone(pattern: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new("pgrep")
            .args(["-f", pattern])
            .output()
            .unwrap_or_else(|e| panic!("pgrep: {e}"));
        if !out.status.success() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still running: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn exit_codes_and_signals_are_recorded() {
    let l = local();
    let ok = l.sh("true").await;
    assert_eq!(
        (ok.exit_code, ok.signal, ok.timed_out),
        (Some(0), None, false)
    );
    let three = l.sh("exit 3").await;
    assert_eq!(three.exit_code, Some(3));
    let killed = l.sh("kill -9 $$").await;
    assert_eq!((killed.exit_code, killed.signal), (None, Some(9)));
    let missing = l
        .executor
        .run(ExecRequest {
            target: Target::Local,
            program: Program::Argv(vec!["/nonexistent/opsassist-cmd".into()]),
            timeout: Duration::from_secs(5),
            output_cap: 1024,
            output_path: l.out_path(),
        })
        .await;
    assert!(
        missing
            .as_ref()
            .is_err_and(|e| e.to_string().contains("/nonexistent/opsassist-cmd")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn stdout_and_stderr_are_both_captured_to_a_private_file() {
    let l = local();
    let out = l.sh("echo out; echo err >&2; echo more").await;
    assert_eq!((out.stdout_bytes, out.stderr_bytes), (9, 4));
    for want in ["out\n", "err\n", "more\n"] {
        assert!(out.capped_output.contains(want), "{:?}", out.capped_output);
    }
    let path = l.out_path();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes.len(), 13);
    assert_eq!(hex(&bytes), out.output_sha256);
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap_or(Path::new("/"))), 0o700);
}

fn hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let l = local();
    let secs = unique_secs();
    let out = l
        .run(
            Program::Shell(format!("sleep {secs} & echo started; sleep {secs}")),
            Duration::from_secs(1),
            4096,
        )
        .await;
    assert!(out.timed_out);
    assert_eq!(out.signal, Some(15), "{out:?}");
    assert!(out.capped_output.starts_with("started\n"));
    assert!(out.capped_output.contains("timed out after 1 s"));
    assert_gone(&format!("[s]leep {secs}")).await;
}

#[tokio::test]
async fn a_group_that_ignores_term_gets_kill() {
    let l = local();
    let secs = unique_secs();
    let out = l
        .run(
            Program::Shell(format!("trap '' TERM; sleep {secs}; sleep {secs}")),
            Duration::from_secs(1),
            4096,
        )
        .await;
    assert!(out.timed_out);
    assert_eq!(out.signal, Some(9), "{out:?}");
    assert_gone(&format!("[s]leep {secs}")).await;
}

#[tokio::test]
async fn output_is_capped_with_head_tail_and_marker() {
    let l = local();
    let out = l
        .run(
            Program::Argv(vec!["seq".into(), "1".into(), "100000".into()]),
            Duration::from_secs(30),
            1024,
        )
        .await;
    let full: String = (1..=100000).map(|i| format!("{i}\n")).collect();
    assert_eq!(out.stdout_bytes, full.len() as u64);
    assert!(out.capped_output.len() <= 1024);
    assert!(out.capped_output.starts_with("1\n2\n3\n"));
    assert!(out.capped_output.ends_with("99999\n100000\n"));
    let marker = out
        .capped_output
        .lines()
        .find(|l| l.ends_with(" bytes omitted]"))
        .unwrap_or_else(|| panic!("no marker: {}", out.capped_output));
    let omitted: usize = marker
        .trim_start_matches('[')
        .trim_end_matches(" bytes omitted]")
        .parse()
        .unwrap_or(0);
    assert_eq!(
        omitted + out.capped_output.len() - marker.len() - 1,
        full.len()
    );
}

#[tokio::test]
async fn fifty_megabytes_stream_to_disk_with_a_bounded_model_copy() {
    let l = local();
    let out = l
        .run(
            Program::Shell("head -c 50000000 /dev/zero | tr '\\0' x; echo tail-end".into()),
            Duration::from_secs(120),
            16 * 1024,
        )
        .await;
    assert_eq!(out.exit_code, Some(0));
    assert_eq!(out.stdout_bytes, 50_000_009);
    assert!(out.capped_output.len() <= 16 * 1024);
    assert!(out.capped_output.ends_with("xtail-end\n"));
    let size = std::fs::metadata(l.out_path())
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(size, 50_000_009);
    let sha = Command::new("sha256sum")
        .arg(l.out_path())
        .output()
        .unwrap_or_else(|e| panic!("sha256sum: {e}"));
    let printed = String::from_utf8_lossy(&sha.stdout);
    assert_eq!(
        printed.split_whitespace().next(),
        Some(out.output_sha256.as_str())
    );
}

#[tokio::test]
async fn argv_tool_values_are_never_interpreted_by_a_shell() {
    let l = local();
    let marker = l.root.path().join("marker");
    let tools =
        ToolRegistry::load(&l.root.path().join("no-config")).unwrap_or_else(|e| panic!("{e}"));
    let hostile = format!("x; touch {}", marker.display());
    for (tool, args) in [
        (
            "journal_tail",
            serde_json::json!({"unit": hostile, "lines": 5}),
        ),
        ("log_tail", serde_json::json!({"path": hostile, "lines": 5})),
        (
            "service_status",
            serde_json::json!({"unit": format!("$(touch {})", marker.display())}),
        ),
    ] {
        let call = tools
            .resolve(
                &ToolCall {
                    id: "c".into(),
                    name: tool.into(),
                    arguments: args.to_string(),
                },
                &Default::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            call.command.contains('\''),
            "shown quoted: {}",
            call.command
        );
        // journalctl/systemctl may be missing here; a spawn error is fine, a shell is not.
        let _ = l
            .executor
            .run(ExecRequest {
                target: call.target,
                program: call.program,
                timeout: Duration::from_secs(10),
                output_cap: 1024,
                output_path: l.out_path(),
            })
            .await;
    }
    assert!(!marker.exists());

    let custom = ToolRegistry::parse(
        "[[tool]]\nname = \"echo_args\"\ndescription = \"d\"\nargv = [\"printf\", \"<%s>\", \"{a}\", \"{b}\"]\n\
         [tool.parameters]\nrequired = [\"a\", \"b\"]\n\
         [tool.parameters.properties.a]\ntype = \"string\"\n[tool.parameters.properties.b]\ntype = \"string\"\n",
        "test",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let call = custom
        .resolve(
            &ToolCall {
                id: "c".into(),
                name: "echo_args".into(),
                arguments: r#"{"a":"$HOME; `id` | x","b":"two words\n"}"#.into(),
            },
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let out = l.run(call.program, Duration::from_secs(10), 1024).await;
    assert_eq!(out.capped_output, "<$HOME; `id` | x><two words\n>");
}

fn opsassist(args: &[&str], config_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_CONFIG_DIR", config_dir)
        .env("OPSASSIST_DATA_DIR", config_dir.join("data"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn tools_check_points_at_the_tool_and_field() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[tool]]\nname = \"ok\"\ndescription = \"d\"\nargv = [\"true\"]\n\n\
         [[tool]]\nname = \"journal_tail\"\ndescription = \"d\"\nargv = [\"journalctl\", \"-n{lines}\"]\n\
         [tool.parameters.properties.lines]\ntype = \"integer\"\ndefault = 5\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = opsassist(&["tools", "check", &bad.display().to_string()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml: tool \"journal_tail\" (#2): field \"argv\": placeholder {lines} must be a whole element"),
        "{stderr}"
    );

    std::fs::write(
        &bad,
        "[[tool]]\nname = \"x\"\ndescription = \"d\nargv = []\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = opsassist(&["tools", "check", &bad.display().to_string()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3, column"));

    let out = opsassist(&["tools", "check"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("built-in tools.toml: 14 tools"));

    // A tools.toml in the config dir replaces the built-in set.
    std::fs::write(
        dir.path().join("tools.toml"),
        "[[tool]]\nname = \"uptime\"\ndescription = \"Show uptime\"\nargv = [\"uptime\"]\ntimeout_secs = 5\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = opsassist(&["tools", "list"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.lines().any(|l| l.starts_with("uptime")
            && l.contains("local")
            && l.contains("5s")
            && l.ends_with("Show uptime")),
        "{stdout}"
    );
    assert!(!stdout.contains("local_shell"));
}

/// A `sleep` this test alone runs (its argument is unique), started outside any tool.
fn unique_sleeper() -> (std::process::Child, String) {
    let secs = unique_secs();
    let child = Command::new("sleep")
        .arg(&secs)
        .spawn()
        .unwrap_or_else(|e| panic!("sleep: {e}"));
    (child, format!("sleep {secs}"))
}

#[tokio::test]
async fn a_command_without_shell_syntax_runs_without_a_shell_wrapper() {
    let l = local();
    let (mut sleeper, pattern) = unique_sleeper();
    // pgrep -af lists the sleeper, and no `sh -c` wrapper carrying the same pattern.
    let listed = l.sh(&format!("pgrep -af '{pattern}'")).await;
    assert_eq!(listed.exit_code, Some(0), "{}", listed.capped_output);
    let lines: Vec<&str> = listed.capped_output.lines().collect();
    assert_eq!(lines.len(), 1, "only the sleeper: {lines:?}");
    assert!(lines[0].ends_with(&pattern), "{lines:?}");
    // pkill -f kills the sleeper and is not killed by its own pattern: success, not TERM.
    let killed = l.sh(&format!("pkill -f '{pattern}'")).await;
    assert_eq!(
        (killed.exit_code, killed.signal),
        (Some(0), None),
        "{}",
        killed.capped_output
    );
    let status = sleeper.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15)
    );
    // A line with shell syntax keeps its shell: `$$` is the shell's pid, the pipe works.
    let piped = l.sh("echo $$ | tr -d 0-9 | wc -c").await;
    assert_eq!(piped.capped_output.trim(), "1");
}

#[tokio::test]
async fn a_gated_command_without_shell_syntax_runs_without_a_shell_wrapper() {
    let l = local();
    let (mut sleeper, pattern) = unique_sleeper();
    let (gate, keeper) = opsassist::exec::spawn_gate();
    let run = l.executor.run_gated(
        ExecRequest {
            target: Target::Local,
            program: Program::Shell(format!("pkill -f '{pattern}'")),
            timeout: Duration::from_secs(30),
            output_cap: 1024,
            output_path: l.out_path(),
        },
        opsassist::exec::Cancel::never(),
        Some(gate),
    );
    let go = async move {
        let group = keeper.started.await;
        assert!(matches!(group, Ok(Some(_))), "{group:?}");
        let _ = keeper.go.send(());
    };
    let (killed, ()) = tokio::join!(run, go);
    let killed = killed.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (killed.exit_code, killed.signal),
        (Some(0), None),
        "{}",
        killed.capped_output
    );
    let status = sleeper.wait().unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15)
    );
}
