//! Remote execution through the operator's own `ssh` binary: the ssh command line (BatchMode,
//! connect timeout, strict host keys, ControlMaster reuse in a private 0700 directory), the
//! remote command wrapped in `timeout -k`, and telling ssh's failures from the command's.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::config::{HostEntry, SshConfig};
use crate::tools::{Program, shell_join, shell_quote};

/// Seconds between the remote TERM and KILL (`timeout -k`).
pub const REMOTE_KILL_AFTER_SECS: u64 = 5;
/// Longest unix socket path (macOS/BSD limit; Linux allows 108).
const SOCKET_PATH_MAX: usize = 104;
/// `%C` expands to 40 hex chars; ssh adds a 17-char random suffix while creating the socket.
const SOCKET_NAME_LEN: usize = 1 + 40 + 17 + 1;

/// How ssh is invoked, from `[ssh]` in config.toml.
#[derive(Debug, Clone)]
pub struct SshClient {
    settings: SshConfig,
    /// Preferred ControlMaster socket directory.
    control_dir: PathBuf,
}

impl SshClient {
    /// ssh settings and `data_dir/ssh-control` as the preferred socket directory.
    pub fn new(settings: &SshConfig, data_dir: &Path) -> SshClient {
        SshClient {
            settings: settings.clone(),
            control_dir: data_dir.join("ssh-control"),
        }
    }

    /// The private directory for ControlMaster sockets, created 0700 if needed. Falls back to
    /// `$XDG_RUNTIME_DIR/opsassist-ssh` or `/tmp/opsassist-ssh-UID` when the preferred path is
    /// too long for a unix socket.
    pub fn control_dir(&self) -> Result<PathBuf, String> {
        let uid = nix::unistd::geteuid().as_raw();
        let mut candidates = vec![self.control_dir.clone()];
        if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
            candidates.push(PathBuf::from(run).join("opsassist-ssh"));
        }
        candidates.push(PathBuf::from(format!("/tmp/opsassist-ssh-{uid}")));
        let dir = candidates
            .into_iter()
            .find(|d| d.as_os_str().len() + SOCKET_NAME_LEN <= SOCKET_PATH_MAX)
            .ok_or_else(|| "no short enough directory for ssh control sockets".to_string())?;
        ensure_private_dir(&dir, uid)?;
        Ok(dir)
    }

    /// `ConnectTimeout` in seconds.
    pub fn connect_timeout_secs(&self) -> u64 {
        self.settings.connect_timeout_secs.max(1)
    }

    fn strict_host_key_checking(&self) -> Result<&str, String> {
        match self.settings.strict_host_key_checking.as_str() {
            "" | "yes" => Ok("yes"),
            "accept-new" => Ok("accept-new"),
            other => Err(format!(
                "[ssh] strict_host_key_checking = \"{other}\" is not allowed (use \"yes\" or \"accept-new\")"
            )),
        }
    }

    /// The arguments after `ssh` that run `remote` on `host`. `control_dir` enables
    /// connection reuse; `None` opens a fresh connection (`ControlPath=none`).
    pub fn args(
        &self,
        host: &HostEntry,
        control_dir: Option<&Path>,
        remote: &str,
    ) -> Result<Vec<String>, String> {
        let mut args: Vec<String> = Vec::new();
        if let Some(file) = &self.settings.config_file {
            args.push("-F".into());
            args.push(file.display().to_string());
        }
        // First value wins in ssh: BatchMode comes before the user's options so it always holds.
        args.extend(["-o".into(), "BatchMode=yes".into()]);
        args.extend(self.settings.options.iter().cloned());
        let opt = |s: String| ["-o".to_string(), s];
        args.extend(opt(format!(
            "ConnectTimeout={}",
            self.settings.connect_timeout_secs.max(1)
        )));
        args.extend(opt(format!(
            "StrictHostKeyChecking={}",
            self.strict_host_key_checking()?
        )));
        args.extend(opt("LogLevel=ERROR".into()));
        match control_dir {
            Some(dir) => {
                args.extend(opt("ControlMaster=auto".into()));
                args.extend(opt(format!("ControlPath={}/%C", dir.display())));
                args.extend(opt(format!(
                    "ControlPersist={}",
                    self.settings.control_persist_secs.max(1)
                )));
            }
            None => {
                args.extend(opt("ControlMaster=no".into()));
                args.extend(opt("ControlPath=none".into()));
            }
        }
        if let Some(port) = host.port {
            args.push("-p".into());
            args.push(port.to_string());
        }
        args.push("-T".into());
        args.push("--".into());
        args.push(host.destination.clone());
        args.push(remote.to_string());
        Ok(args)
    }

    /// A ready `ssh` command (with connection reuse) for `remote` on `host`.
    pub fn command(&self, host: &HostEntry, remote: &str) -> Result<Command, String> {
        let dir = self.control_dir()?;
        let mut cmd = Command::new("ssh");
        cmd.args(self.args(host, Some(&dir), remote)?);
        Ok(cmd)
    }

    /// Connect with BatchMode and run `true`: the round trip time, or why it failed.
    pub async fn probe(&self, host: &HostEntry) -> Result<Duration, String> {
        let mut cmd = self.command(host, "true")?;
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let limit = Duration::from_secs(self.settings.connect_timeout_secs.max(1) + 10);
        let start = Instant::now();
        let out = tokio::time::timeout(limit, cmd.output())
            .await
            .map_err(|_| format!("no answer after {} s", limit.as_secs()))?
            .map_err(|e| format!("cannot run ssh: {e}"))?;
        if out.status.success() {
            return Ok(start.elapsed());
        }
        let detail = connection_error(&out.stderr);
        Err(match out.status.code() {
            Some(255) => detail,
            Some(code) => format!("`true` exited {code}: {detail}"),
            None => format!("ssh was killed: {detail}"),
        })
    }
}

/// The remote command line: `program` exactly as approved, under `timeout -k` so the remote
/// side stops it even if the connection is lost, inside a small `sh` wrapper that stops it
/// when the channel closes (the operator cancelled, or the local ssh died): the wrapper
/// watches its stdin (which opsassist holds open) and on EOF sends TERM to `timeout`, which
/// passes it to the command's process group and sends KILL after the grace. The command
/// itself reads /dev/null, as before.
pub fn remote_command(program: &Program, timeout: Duration) -> String {
    remote_command_with(program, timeout, REMOTE_KILL_AFTER_SECS)
}

/// [`remote_command`] with `kill_after` seconds between the remote TERM and KILL
/// (`[limits] cancel_grace_secs`).
pub fn remote_command_with(program: &Program, timeout: Duration, kill_after: u64) -> String {
    remote_command_gated(program, timeout, kill_after, false)
}

/// [`remote_command_with`]; when `gated`, the wrapper first waits for one line on the channel
/// (the session's go, sent once the run is recorded) and exits 125 at EOF without running
/// anything.
pub fn remote_command_gated(
    program: &Program,
    timeout: Duration,
    kill_after: u64,
    gated: bool,
) -> String {
    let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    let prefix = format!("timeout -k {} {}", kill_after.max(1), secs.max(1));
    let inner = match program {
        Program::Shell(command) => format!("{prefix} sh -c {}", shell_quote(command)),
        Program::Argv(argv) => format!("{prefix} {}", shell_join(argv)),
        // Never sent to a host (an MCP call runs over its connection): fail on the host.
        Program::Mcp(_) => "echo 'an MCP call does not run over ssh' >&2; exit 126".into(),
    };
    let gate = if gated {
        "IFS= read -r _go || exit 125; "
    } else {
        ""
    };
    let script = format!(
        "{gate}exec 3<&0; {inner} </dev/null & p=$!; \
         (cat >/dev/null <&3; kill -TERM $p) >/dev/null 2>&1 & w=$!; \
         exec 3<&-; wait $p; s=$?; kill $w 2>/dev/null; exit $s"
    );
    format!("sh -c {}", shell_quote(&script))
}

/// ssh's own complaint as one line (from its stderr).
pub fn connection_error(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '\r' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return "ssh exited 255 without a message (connection failed)".into();
    }
    let joined = crate::text::neutralize_line(&lines.join("; "));
    if joined.chars().count() > 400 {
        let cut: String = joined.chars().take(400).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

fn ensure_private_dir(dir: &Path, uid: u32) -> Result<(), String> {
    let fail =
        |what: &str, e: std::io::Error| format!("ssh control dir {}: {what}: {e}", dir.display());
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| fail("cannot create", e))?;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| fail("cannot inspect", e))?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(format!(
            "ssh control dir {} is not a directory owned by uid {uid}; refusing to use it",
            dir.display()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| fail("cannot chmod 0700", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run `remote` as the remote login shell would, with stdin held open like the channel.
    fn run_remote(remote: &str) -> (std::process::Output, std::time::Duration) {
        let start = Instant::now();
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(remote)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        let held = child.stdin.take();
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("wait: {e}"));
        drop(held);
        (out, start.elapsed())
    }

    #[test]
    fn remote_command_carries_the_approved_string_verbatim() {
        let approved = "echo \"$HOME\" 'it'\\''s'; printf '%s\\n' a\nb; exit 3";
        let remote = remote_command(&Program::Shell(approved.into()), Duration::from_secs(30));
        assert!(remote.starts_with("sh -c '"), "{remote}");
        let expected = std::process::Command::new("sh")
            .arg("-c")
            .arg(approved)
            .output()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        let (out, _) = run_remote(&remote);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&expected.stdout)
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "the command's status comes back"
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&expected.stderr),
            "the wrapper adds nothing to stderr"
        );
    }

    #[test]
    fn the_remote_wrapper_stops_the_command_when_the_channel_closes() {
        let marker = format!("sleep 33.{}", std::process::id());
        let remote = remote_command(
            &Program::Shell(format!("trap '' HUP; {marker} & {marker}; wait")),
            Duration::from_secs(60),
        );
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&remote)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("sh: {e}"));
        std::thread::sleep(Duration::from_millis(500));
        let start = Instant::now();
        drop(child.stdin.take());
        let status = child.wait().unwrap_or_else(|e| panic!("wait: {e}"));
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert!(
            matches!(status.code(), Some(124 | 143)),
            "stopped by the TERM timeout passed on: {status:?}"
        );
        let left = std::process::Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        assert_eq!(left, "", "the command's processes survived");
    }

    #[test]
    fn args_put_batchmode_first_and_destination_after_double_dash() {
        let client = SshClient::new(
            &SshConfig {
                options: vec!["-o".into(), "BatchMode=no".into()],
                ..SshConfig::default()
            },
            Path::new("/tmp/x"),
        );
        let host = HostEntry {
            destination: "-oProxyCommand=evil".into(),
            port: Some(2222),
            tags: vec![],
        };
        let args = client
            .args(&host, Some(Path::new("/tmp/c")), "true")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(args[..2], ["-o", "BatchMode=yes"]);
        let dd = args.iter().position(|a| a == "--").unwrap_or(0);
        assert_eq!(args[dd + 1..], ["-oProxyCommand=evil", "true"]);
        assert!(args.contains(&"ControlPath=/tmp/c/%C".to_string()));
        assert!(args.windows(2).any(|w| w == ["-p", "2222"]));
    }

    #[test]
    fn long_data_dirs_fall_back_to_a_short_private_dir() {
        use std::os::unix::fs::PermissionsExt;
        let long = PathBuf::from(format!("/tmp/{}", "d".repeat(80)));
        let client = SshClient::new(&SshConfig::default(), &long);
        let dir = client.control_dir().unwrap_or_else(|e| panic!("{e}"));
        assert!(!dir.starts_with(&long));
        assert!(dir.as_os_str().len() + SOCKET_NAME_LEN <= SOCKET_PATH_MAX);
        let mode = std::fs::metadata(&dir).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o700));
        assert!(!long.exists());
    }

    #[test]
    fn only_yes_and_accept_new_host_key_checking_are_accepted() {
        let host = HostEntry {
            destination: "h".into(),
            port: None,
            tags: vec![],
        };
        let with = |v: &str| {
            SshClient::new(
                &SshConfig {
                    strict_host_key_checking: v.into(),
                    ..SshConfig::default()
                },
                Path::new("/tmp"),
            )
            .args(&host, None, "true")
        };
        assert!(
            with("accept-new")
                .is_ok_and(|a| a.contains(&"StrictHostKeyChecking=accept-new".to_string()))
        );
        assert!(with("no").is_err_and(|e| e.contains("not allowed")));
    }

    #[test]
    fn connection_errors_are_one_line() {
        let e = connection_error(b"No ED25519 host key is known for [127.0.0.1]:2222.\r\nHost key verification failed.\r\n");
        assert_eq!(
            e,
            "No ED25519 host key is known for [127.0.0.1]:2222.; Host key verification failed."
        );
    }
}
