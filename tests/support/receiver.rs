//! A real `opsassist serve` on a free loopback port, in its own temp data and config dirs;
//! killed on drop. Tests post to it with a plain HTTP client and read the store back through
//! `opsassist incidents list --json`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The bearer token written to every receiver's token file.
pub const TOKEN: &str = "test-token-0123456789";

/// A running receiver.
pub struct Served {
    pub root: PathBuf,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    child: Child,
}

/// Make a secret file owner-only, as opsassist requires of every secret file.
pub fn private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Write `config.toml` (with `[intake] token_file` pointing at a file holding [`TOKEN`] when
/// `extra` has no `token_file`) under `root`.
pub fn write_config(root: &Path, extra: &str) {
    let config_dir = root.join("config");
    std::fs::create_dir_all(&config_dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let token = root.join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap_or_else(|e| panic!("token: {e}"));
    private(&token);
    let mut text = String::from("[intake]\n");
    if !extra.contains("token_file") {
        text.push_str(&format!("token_file = {:?}\n", token.display().to_string()));
    }
    text.push_str(extra);
    std::fs::write(config_dir.join("config.toml"), text).unwrap_or_else(|e| panic!("config: {e}"));
}

/// `opsassist ARGS` in `root`'s data and config dirs.
pub fn opsassist(root: &Path) -> Command {
    opsassist_program(root, env!("CARGO_BIN_EXE_opsassist").as_ref())
}

/// `program ARGS` (an `opsassist` binary) in `root`'s data and config dirs.
pub fn opsassist_program(root: &Path, program: &std::ffi::OsStr) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .env_remove("OPSASSIST_LOG");
    cmd
}

impl Served {
    /// Start `opsassist serve --listen 127.0.0.1:0` in `root` (config already written).
    pub fn start(root: &Path) -> Served {
        Served::start_program(root, env!("CARGO_BIN_EXE_opsassist").as_ref())
    }

    /// [`Served::start`] with another `opsassist` binary (a benchmark's saved baseline).
    pub fn start_program(root: &Path, program: &std::ffi::OsStr) -> Served {
        let mut child = opsassist_program(root, program)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn opsassist serve: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("opsassist serve did not start: {line:?}"))
            .to_string();
        Served {
            root: root.to_path_buf(),
            addr,
            child,
        }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// SIGKILL the receiver and reap it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Every incident in `root`'s store, from `opsassist incidents list --json`.
pub fn incidents(root: &Path) -> Vec<serde_json::Value> {
    let out = opsassist(root)
        .args(["incidents", "list", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("incidents list: {e}"));
    assert!(
        out.status.success(),
        "incidents list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad json {l}: {e}")))
        .collect()
}

/// Session logs in `root` (none should exist: the receiver never starts a session).
pub fn session_count(root: &Path) -> usize {
    std::fs::read_dir(root.join("data/sessions"))
        .map(|d| d.count())
        .unwrap_or(0)
}
