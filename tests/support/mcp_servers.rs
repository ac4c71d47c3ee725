//! Real MCP servers for the tests: the reference filesystem server from the npm registry,
//! installed once into `target/mcp-servers/npm` when missing (tests/run.sh installs it first).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The npm package of the reference filesystem server.
pub const FS_PACKAGE: &str = "@modelcontextprotocol/server-filesystem";

static INSTALL: Mutex<()> = Mutex::new(());

fn cache_dir() -> PathBuf {
    std::env::var_os("OPSASSIST_TEST_MCP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/mcp-servers"))
}

/// The filesystem server's entry script (`node <it> <root>…` runs it over stdio).
pub fn fs_server() -> PathBuf {
    let prefix = cache_dir().join("npm");
    let script = prefix
        .join("node_modules")
        .join(FS_PACKAGE)
        .join("dist/index.js");
    let _held = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !script.exists() {
        std::fs::create_dir_all(&prefix).expect("mcp cache dir");
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(FS_PACKAGE)
            .status()
            .expect("npm must be installed (tests/run.sh installs nodejs and npm)");
        assert!(status.success(), "npm install {FS_PACKAGE} failed");
    }
    assert!(
        script.exists(),
        "{} missing after npm install",
        script.display()
    );
    script
}

/// The Prometheus MCP server from the Python package registry.
pub const PROMETHEUS_PACKAGE: &str = "prometheus-mcp-server";

/// The Prometheus MCP server's program (in a venv under the cache dir; installed with pip
/// when missing). It reads `PROMETHEUS_URL` and speaks MCP over stdio.
pub fn prometheus_server() -> PathBuf {
    let venv = cache_dir().join("prometheus-venv");
    let program = venv.join("bin").join(PROMETHEUS_PACKAGE);
    let _held = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !program.exists() {
        std::fs::create_dir_all(cache_dir()).expect("mcp cache dir");
        let made = Command::new("/usr/bin/python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv (tests/run.sh installs python3-venv)");
        assert!(made.success(), "python3 -m venv failed");
        let status = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", PROMETHEUS_PACKAGE])
            .status()
            .expect("pip");
        assert!(status.success(), "pip install {PROMETHEUS_PACKAGE} failed");
    }
    assert!(
        program.exists(),
        "{} missing after pip install",
        program.display()
    );
    program
}
