//! A real `dockerd` per test binary, on its own socket in a temp dir, with a busybox image
//! imported from Debian's `busybox-static` (no registry needed). Stopped at process exit: its
//! whole process group gets SIGTERM then SIGKILL (and the kernel sends it SIGTERM if the test
//! process dies first).
#![allow(dead_code)]
// Test-only process control: PR_SET_PDEATHSIG in pre_exec, atexit and killpg have no safe
// std equivalent. The program itself has no unsafe code (Cargo.toml [lints] denies it).
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HealthConfig, HostConfig};
use bollard::query_parameters::{CreateContainerOptionsBuilder, StartContainerOptions};

/// The image every test container uses.
pub const IMAGE: &str = "opsassist-bb:test";

const DOCKERD: &str = "/usr/sbin/dockerd";
/// The Debian client matching the daemon; only used to import the image (test setup).
const DOCKER_CLI: &str = "/usr/bin/docker";

/// A running test daemon.
pub struct TestDockerd {
    pub dir: PathBuf,
    pub socket: PathBuf,
    pub pid: i32,
}

impl TestDockerd {
    /// `unix://…` for DOCKER_HOST / `[watch.docker] host`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A bollard client for test setup.
    pub async fn client(&self) -> Docker {
        Docker::connect_with_unix(
            &self.socket.to_string_lossy(),
            60,
            bollard::API_DEFAULT_VERSION,
        )
        .unwrap_or_else(|e| panic!("connect to test dockerd: {e}"))
        .negotiate_version()
        .await
        .unwrap_or_else(|e| panic!("negotiate with test dockerd: {e}"))
    }
}

static DAEMON: OnceLock<Result<TestDockerd, String>> = OnceLock::new();
static STOP_PGID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);
static STOP_DIR: OnceLock<PathBuf> = OnceLock::new();

/// At process exit: remove every container (so no shim outlives the daemon), stop the
/// daemon's process group (TERM, then KILL after 10 s), unmount what is left, remove the dir.
extern "C" fn stop_at_exit() {
    let pgid = STOP_PGID.load(std::sync::atomic::Ordering::SeqCst);
    let Some(dir) = STOP_DIR.get() else { return };
    if pgid <= 0 {
        return;
    }
    let host = format!("unix://{}", dir.join("docker.sock").display());
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "timeout 30 {DOCKER_CLI} -H '{host}' ps -aq | xargs -r timeout 30 {DOCKER_CLI} -H '{host}' rm -f"
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    unsafe {
        libc::kill(-pgid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && unsafe { libc::kill(-pgid, 0) } == 0 {
        std::thread::sleep(Duration::from_millis(100));
    }
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    let prefix = dir.to_string_lossy().to_string();
    if let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") {
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split(' ').nth(1))
            .filter(|m| m.starts_with(&prefix))
            .collect();
        points.sort_unstable_by(|a, b| b.cmp(a));
        for m in points {
            let _ = Command::new("umount").args(["-l", m]).status();
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The shared daemon, or why it cannot run here (then the caller skips).
pub fn daemon() -> Result<&'static TestDockerd, String> {
    DAEMON.get_or_init(start).as_ref().map_err(|e| e.clone())
}

/// The daemon, or print a clear skip reason and return None.
pub fn daemon_or_skip(test: &str) -> Option<&'static TestDockerd> {
    match daemon() {
        Ok(d) => Some(d),
        Err(reason) => {
            eprintln!("SKIPPED {test}: no test dockerd: {reason}");
            None
        }
    }
}

fn start() -> Result<TestDockerd, String> {
    if !Path::new(DOCKERD).exists() {
        return Err(format!("{DOCKERD} is missing (apt-get install docker.io)"));
    }
    if unsafe { libc::geteuid() } != 0 {
        return Err("dockerd needs root".into());
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or("busybox is missing (apt-get install busybox-static)")?;
    // Short path: the socket path must fit in sun_path.
    let dir = PathBuf::from(format!("/tmp/oa-dockerd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    let socket = dir.join("docker.sock");
    let log = std::fs::File::create(dir.join("dockerd.log")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(DOCKERD);
    cmd.arg("--host")
        .arg(format!("unix://{}", socket.display()))
        .arg("--data-root")
        .arg(dir.join("root"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .arg("--pidfile")
        .arg(dir.join("pid"))
        .args(["--iptables=false", "--bridge=none"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .process_group(0);
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    // PR_SET_PDEATHSIG follows the spawning thread, so spawn from one that lives as long
    // as the test process.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = cmd.spawn().map(|mut child| {
            let pid = child.id() as i32;
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            pid
        });
        let _ = tx.send(result);
        loop {
            std::thread::park();
        }
    });
    let pid = rx
        .recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot start dockerd: {e}"))?;
    STOP_PGID.store(pid, std::sync::atomic::Ordering::SeqCst);
    let _ = STOP_DIR.set(dir.clone());
    unsafe {
        libc::atexit(stop_at_exit);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let host = format!("unix://{}", socket.display());
    loop {
        let ok = Command::new(DOCKER_CLI)
            .args(["-H", &host, "version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            break;
        }
        if unsafe { libc::kill(pid, 0) } != 0 || Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("dockerd.log")).unwrap_or_default();
            let tail: String = log.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
            return Err(format!("dockerd did not come up: {tail}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // The image: a root filesystem holding only busybox and its applets.
    let img = dir.join("img");
    std::fs::create_dir_all(img.join("bin")).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(img.join("tmp")).map_err(|e| e.to_string())?;
    std::fs::copy(busybox, img.join("bin/busybox")).map_err(|e| e.to_string())?;
    for applet in [
        "sh", "sleep", "echo", "true", "false", "touch", "cat", "test", "[",
    ] {
        std::os::unix::fs::symlink("busybox", img.join("bin").join(applet))
            .map_err(|e| e.to_string())?;
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "tar -C '{}' -c . | {DOCKER_CLI} -H '{host}' import - {IMAGE} >/dev/null",
            img.display()
        ))
        .status()
        .map_err(|e| format!("docker import: {e}"))?;
    if !status.success() {
        return Err("docker import of the busybox image failed".into());
    }
    Ok(TestDockerd { dir, socket, pid })
}

/// What a test container runs and carries.
pub struct Spec<'a> {
    pub name: &'a str,
    pub script: &'a str,
    pub labels: &'a [(&'a str, &'a str)],
    /// A health check command run by `sh -c` every 500 ms.
    pub health: Option<&'a str>,
}

/// Create and start a container (network none); returns its id.
pub async fn run_container(docker: &Docker, spec: Spec<'_>) -> String {
    let labels: HashMap<String, String> = spec
        .labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let healthcheck = spec.health.map(|cmd| HealthConfig {
        test: Some(vec!["CMD-SHELL".into(), cmd.into()]),
        interval: Some(500_000_000),
        timeout: Some(2_000_000_000),
        retries: Some(1),
        start_period: Some(0),
        ..Default::default()
    });
    let body = ContainerCreateBody {
        image: Some(IMAGE.into()),
        cmd: Some(vec!["/bin/sh".into(), "-c".into(), spec.script.into()]),
        labels: Some(labels),
        healthcheck,
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default()
        .name(spec.name)
        .build();
    let created = docker
        .create_container(Some(options), body)
        .await
        .unwrap_or_else(|e| panic!("create {}: {e}", spec.name));
    docker
        .start_container(&created.id, None::<StartContainerOptions>)
        .await
        .unwrap_or_else(|e| panic!("start {}: {e}", spec.name));
    created.id
}

/// StartedAt and RestartCount of a container (to prove nothing restarted it).
pub async fn started(docker: &Docker, name: &str) -> (String, i64) {
    let i = docker
        .inspect_container(
            name,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .unwrap_or_else(|e| panic!("inspect {name}: {e}"));
    (
        i.state.and_then(|s| s.started_at).unwrap_or_default(),
        i.restart_count.unwrap_or(0),
    )
}
