//! A real sshd on 127.0.0.1 with generated keys and a pinned known_hosts.
//!
//! [`TestSshd::start`] runs `/usr/sbin/sshd -D -e` as the current user on a free port with a
//! generated ed25519 host key and client key, and writes an ssh_config with two aliases:
//! `lab` (pinned host key: connects) and `lab-unknown` (empty known_hosts: must be refused).
//! Tests reach it the way operators do: an inventory entry whose destination is an alias from
//! the `-F` ssh config.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use opsassist::config::{Config, HostEntry, SshConfig};

const SSHD: &str = "/usr/sbin/sshd";

/// A running sshd; killed on drop.
pub struct TestSshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub user: String,
    /// ssh_config with `Host lab` and `Host lab-unknown`.
    pub ssh_config: PathBuf,
    pub known_hosts: PathBuf,
    child: Child,
}

fn run(cmd: &mut Command, what: &str) {
    match cmd.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!("{what}: cannot run: {e}"),
    }
}

fn current_user() -> String {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .unwrap_or_else(|e| panic!("id -un: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn free_port() -> u16 {
    let listener =
        TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"))
        .port()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

impl TestSshd {
    /// Start sshd and wait until it accepts connections. Panics with a pointer to
    /// `tests/run.sh` when openssh-server is missing.
    pub fn start() -> TestSshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} not found: the ssh tests need openssh-server; run tests/run.sh \
             (it installs openssh-server) or `apt-get install openssh-server`"
        );
        // Privilege separation directory, required by sshd even when not root.
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = tempfile::Builder::new()
            .prefix("sshd")
            .tempdir()
            .unwrap_or_else(|e| panic!("tempdir: {e}"));
        let d = dir.path();
        let host_key = d.join("host_ed25519");
        let client_key = d.join("client_ed25519");
        for key in [&host_key, &client_key] {
            run(
                Command::new("ssh-keygen")
                    .args([
                        "-q",
                        "-t",
                        "ed25519",
                        "-N",
                        "",
                        "-C",
                        "opsassist-test",
                        "-f",
                    ])
                    .arg(key),
                "ssh-keygen",
            );
        }
        let pub_of = |key: &Path| {
            std::fs::read_to_string(key.with_extension("pub"))
                .unwrap_or_else(|e| panic!("read public key: {e}"))
        };
        write(&d.join("authorized_keys"), &pub_of(&client_key));
        let user = current_user();
        for _attempt in 0..5 {
            let port = free_port();
            let host_pub = pub_of(&host_key);
            let mut fields = host_pub.split_whitespace();
            let (kind, key) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
            let known_hosts = d.join("known_hosts");
            write(&known_hosts, &format!("[127.0.0.1]:{port} {kind} {key}\n"));
            write(&d.join("known_hosts_empty"), "");
            let sshd_config = d.join("sshd_config");
            write(
                &sshd_config,
                &format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\n\
                     AuthorizedKeysFile {ak}\nPidFile {pid}\nStrictModes no\nUsePAM no\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
                     AllowUsers {user}\nMaxStartups 100:30:200\nMaxSessions 100\n\
                     LogLevel VERBOSE\n",
                    hk = host_key.display(),
                    ak = d.join("authorized_keys").display(),
                    pid = d.join("sshd.pid").display(),
                ),
            );
            let ssh_config = d.join("ssh_config");
            let alias = |name: &str, kh: &Path| {
                format!(
                    "Host {name}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  \
                     IdentityFile {id}\n  IdentitiesOnly yes\n  IdentityAgent none\n  \
                     UserKnownHostsFile {kh}\n  GlobalKnownHostsFile /dev/null\n",
                    id = client_key.display(),
                    kh = kh.display(),
                )
            };
            write(
                &ssh_config,
                &format!(
                    "{}{}",
                    alias("lab", &known_hosts),
                    alias("lab-unknown", &d.join("known_hosts_empty"))
                ),
            );
            let log = std::fs::File::create(d.join("sshd.log"))
                .unwrap_or_else(|e| panic!("sshd.log: {e}"));
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(&sshd_config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"));
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return TestSshd {
                        dir,
                        port,
                        user,
                        ssh_config,
                        known_hosts,
                        child,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken meanwhile, or a config problem: retry, then report
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let mut log = String::new();
        let _ = std::fs::File::open(d.join("sshd.log")).map(|mut f| f.read_to_string(&mut log));
        panic!("sshd did not start after 5 attempts; last log:\n{log}");
    }

    /// An ssh config for opsassist: `-F` our ssh_config, short ControlPersist.
    pub fn ssh_settings(&self) -> SshConfig {
        SshConfig {
            config_file: Some(self.ssh_config.clone()),
            connect_timeout_secs: 5,
            control_persist_secs: 10,
            ..SshConfig::default()
        }
    }

    /// Inventory: `lab` (reachable alias) and `stranger` (alias with an unknown host key).
    pub fn inventory(&self) -> BTreeMap<String, HostEntry> {
        let mut hosts = BTreeMap::new();
        for (name, destination) in [("lab", "lab"), ("stranger", "lab-unknown")] {
            hosts.insert(
                name.to_string(),
                HostEntry {
                    destination: destination.to_string(),
                    port: None,
                    tags: vec!["test".into()],
                },
            );
        }
        hosts
    }

    /// A config with [`Self::ssh_settings`] and [`Self::inventory`].
    pub fn config(&self) -> Config {
        Config {
            ssh: self.ssh_settings(),
            hosts: self.inventory(),
            ..Config::default()
        }
    }

    /// The same config as config.toml text.
    pub fn config_toml(&self) -> String {
        format!(
            "[ssh]\nconfig_file = \"{}\"\nconnect_timeout_secs = 5\ncontrol_persist_secs = 10\n\n\
             [hosts.lab]\ndestination = \"lab\"\n\n[hosts.stranger]\ndestination = \"lab-unknown\"\n",
            self.ssh_config.display()
        )
    }

    /// Run a command on the far side with a plain ssh (no reuse), for checks from the test.
    pub fn ssh_output(&self, command: &str) -> std::process::Output {
        Command::new("ssh")
            .arg("-F")
            .arg(&self.ssh_config)
            .args(["-o", "BatchMode=yes", "-o", "ControlPath=none", "-T", "lab"])
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("ssh: {e}"))
    }
}

impl Drop for TestSshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
