//! Remote execution against a real sshd on 127.0.0.1: commands arrive exactly as approved,
//! exit codes and timeouts come back, host keys are enforced, and only inventory hosts are
//! ever contacted.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use opsassist::exec::{ExecError, ExecOutcome, ExecRequest, Executor};
use opsassist::llm::ToolCall;
use opsassist::paths::Paths;
use opsassist::protocol::Target;
use opsassist::tools::{Program, ResolvedCall, ToolRegistry, ToolsError};
use support::sshd::TestSshd;

struct Lab {
    sshd: TestSshd,
    root: tempfile::TempDir,
    paths: Paths,
    executor: Executor,
    tools: ToolRegistry,
}

fn lab() -> Lab {
    let sshd = TestSshd::start();
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let paths = Paths::in_dir(root.path());
    let executor = Executor::new(&sshd.config(), &paths);
    let tools = ToolRegistry::load(&paths.config_dir).unwrap_or_else(|e| panic!("{e}"));
    Lab {
        sshd,
        root,
        paths,
        executor,
        tools,
    }
}

impl Lab {
    fn resolve(&self, tool: &str, args: serde_json::Value) -> Result<ResolvedCall, ToolsError> {
        self.tools.resolve(
            &ToolCall {
                id: "call_1".into(),
                name: tool.into(),
                arguments: args.to_string(),
            },
            &self.sshd.inventory(),
        )
    }

    async fn run(&self, call: &ResolvedCall) -> Result<ExecOutcome, ExecError> {
        self.executor
            .run(ExecRequest {
                target: call.target.clone(),
                program: call.program.clone(),
                timeout: call.timeout,
                output_cap: call.output_cap,
                output_path: self.paths.outputs_dir().join("out.log"),
            })
            .await
    }

    async fn remote(&self, command: &str, timeout: Duration) -> ExecOutcome {
        let mut call = self
            .resolve(
                "remote_shell",
                serde_json::json!({"host": "lab", "command": command}),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        call.timeout = timeout;
        self.run(&call).await.unwrap_or_else(|e| panic!("{e}"))
    }
}

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{tag}{}{nanos}", std::process::id())
}

#[tokio::test]
async fn approved_command_arrives_verbatim_and_runs_on_the_far_side() {
    let lab = lab();
    let command = "echo \"conn=$SSH_CONNECTION\"; printf '%s\\n' 'a;b' \"it's\" '$HOME' \\\n  'x  y'\necho done";
    let out = lab.remote(command, Duration::from_secs(30)).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    assert_eq!(out.connection_error, None);
    let mut lines = out.capped_output.lines();
    let conn = lines.next().unwrap_or("");
    assert!(conn.starts_with("conn=127.0.0.1 "), "{conn}");
    assert_eq!(
        lines.collect::<Vec<_>>(),
        ["a;b", "it's", "$HOME", "x  y", "done"]
    );
}

#[tokio::test]
async fn non_zero_exit_comes_back_as_the_command_status() {
    let lab = lab();
    let out = lab
        .remote("echo failing >&2; exit 7", Duration::from_secs(30))
        .await;
    assert_eq!(out.exit_code, Some(7));
    assert_eq!(out.connection_error, None);
    assert!(!out.timed_out);
    assert!(out.capped_output.contains("failing"));
}

#[tokio::test]
async fn timeout_kills_the_remote_process() {
    let lab = lab();
    // A unique sleep length doubles as the marker; `[s]leep` keeps pgrep from matching itself.
    let secs = format!("300.{}", &unique("")[..6]);
    let out = lab
        .remote(
            &format!("sleep {secs} & sleep {secs}; echo never"),
            Duration::from_secs(2),
        )
        .await;
    assert!(out.timed_out, "{out:?}");
    assert!(!out.capped_output.contains("never"));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let check = lab
            .sshd
            .ssh_output(&format!("pgrep -f '[s]leep {secs}' || echo gone"));
        let text = String::from_utf8_lossy(&check.stdout).to_string();
        if text.trim() == "gone" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "remote sleep still running: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn unknown_host_key_is_a_connection_error() {
    let lab = lab();
    let call = lab
        .resolve(
            "remote_shell",
            serde_json::json!({"host": "stranger", "command": "true"}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lab.run(&call).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.exit_code, None, "{out:?}");
    let err = out.connection_error.unwrap_or_default();
    assert!(err.to_lowercase().contains("host key"), "{err}");
    assert!(!err.contains('\n'));
}

#[tokio::test]
async fn hosts_outside_the_inventory_never_reach_ssh() {
    let lab = lab();
    let marker = lab.root.path().join("marker");
    let command = format!("touch {}", marker.display());
    for host in [
        "10.0.0.5",
        "127.0.0.1",
        "lab-unknown",
        &format!("lab; touch {}", marker.display()),
    ] {
        let err = lab.resolve(
            "remote_shell",
            serde_json::json!({"host": host, "command": command}),
        );
        match err {
            Err(ToolsError::HostNotAllowed { host: h, allowed }) => {
                assert_eq!(h, host);
                assert_eq!(allowed, "lab, stranger");
            }
            other => panic!("{host}: {other:?}"),
        }
        // The executor refuses on its own too, for callers that skip the registry.
        let direct = lab
            .executor
            .run(ExecRequest {
                target: Target::Ssh { host: host.into() },
                program: Program::Shell(command.clone()),
                timeout: Duration::from_secs(10),
                output_cap: 1024,
                output_path: lab.paths.outputs_dir().join("x.log"),
            })
            .await;
        assert!(
            matches!(direct, Err(ExecError::UnknownHost(_))),
            "{direct:?}"
        );
    }
    // The far side is this machine: had any ssh run, the marker would exist.
    assert!(!marker.exists());
    assert!(!lab.paths.data_dir.join("ssh-control").exists() || no_sockets(&lab));
}

fn no_sockets(lab: &Lab) -> bool {
    std::fs::read_dir(lab.paths.data_dir.join("ssh-control"))
        .map(|d| d.count() == 0)
        .unwrap_or(true)
}

#[tokio::test]
async fn argv_tools_over_ssh_keep_metacharacters_literal() {
    let lab = lab();
    let marker = lab.root.path().join("argv-marker");
    let call = lab
        .resolve(
            "log_tail",
            serde_json::json!({"host": "lab", "path": format!("/nonexistent; touch {}", marker.display()), "lines": 3}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lab.run(&call).await.unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(out.exit_code, Some(0), "{out:?}");
    assert_eq!(out.connection_error, None);
    assert!(out.capped_output.contains("/nonexistent; touch"), "{out:?}");
    assert!(!marker.exists());
}

#[tokio::test]
async fn connections_are_reused_through_a_private_control_socket() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let lab = lab();
    let first = lab.remote("echo one", Duration::from_secs(30)).await;
    assert_eq!(first.exit_code, Some(0), "{first:?}");
    let dir = lab
        .executor
        .ssh()
        .control_dir()
        .unwrap_or_else(|e| panic!("{e}"));
    let mode = std::fs::metadata(&dir)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    assert_eq!(mode, 0o700);
    let sockets: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_socket()).unwrap_or(false))
        .collect();
    assert_eq!(sockets.len(), 1, "one master socket in {}", dir.display());
    // The master answers `-O check` for the same host.
    let check = Command::new("ssh")
        .arg("-F")
        .arg(&lab.sshd.ssh_config)
        .arg("-o")
        .arg(format!("ControlPath={}/%C", dir.display()))
        .args(["-O", "check", "lab"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(check.status.success(), "{check:?}");
    let second = lab.remote("echo two", Duration::from_secs(30)).await;
    assert_eq!(second.capped_output, "two\n");
    let _ = Command::new("ssh")
        .arg("-F")
        .arg(&lab.sshd.ssh_config)
        .arg("-o")
        .arg(format!("ControlPath={}/%C", dir.display()))
        .args(["-O", "exit", "lab"])
        .output();
}

#[test]
fn doctor_reports_each_host() {
    let sshd = TestSshd::start();
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config_dir = root.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "{}\n[llm]\nprovider = \"ollama\"\nbase_url = \"http://127.0.0.1:1\"\nmax_retries = 0\n",
            sshd.config_toml()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .arg("doctor")
        .env("OPSASSIST_CONFIG_DIR", &config_dir)
        .env("OPSASSIST_DATA_DIR", root.path().join("data"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "stranger must fail:\n{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok  lab (lab) ") && l.ends_with(" ms")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("FAIL stranger: ") && l.to_lowercase().contains("host key")),
        "{stdout}"
    );
}
