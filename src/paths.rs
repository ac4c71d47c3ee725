//! Where opsassist keeps its files: the config dir (config.toml, tools.toml, prompts/) and
//! the data dir (sessions, outputs, audit log). `OPSASSIST_DATA_DIR` and
//! `OPSASSIST_CONFIG_DIR` override the platform defaults, for tests and isolation.

use std::path::{Path, PathBuf};

/// Resolved directories for one run.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds user overrides: `config.toml`, `tools.toml`, `prompts/`.
    pub config_dir: PathBuf,
    /// The config file actually used (`--config` or `config_dir/config.toml`).
    pub config_file: PathBuf,
    /// True when the operator named the config file (`--config`): then it must exist.
    pub config_explicit: bool,
    /// Holds `sessions/`, `outputs/`, `audit.jsonl`, `opsassist.log`.
    pub data_dir: PathBuf,
}

/// Environment variable that overrides the data dir.
pub const DATA_DIR_ENV: &str = "OPSASSIST_DATA_DIR";
/// Environment variable that overrides the config dir.
pub const CONFIG_DIR_ENV: &str = "OPSASSIST_CONFIG_DIR";

impl Paths {
    /// Resolve from the environment and an optional `--config` path.
    pub fn resolve(config_override: Option<&Path>) -> Self {
        let project = directories::ProjectDirs::from("", "", "opsassist");
        let fallback = || {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        let config_dir = match std::env::var_os(CONFIG_DIR_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => project
                .as_ref()
                .map(|p| p.config_dir().to_path_buf())
                .unwrap_or_else(|| fallback().join(".config/opsassist")),
        };
        let data_dir = match std::env::var_os(DATA_DIR_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => project
                .as_ref()
                .map(|p| p.data_dir().to_path_buf())
                .unwrap_or_else(|| fallback().join(".local/share/opsassist")),
        };
        let config_file = config_override
            .map(Path::to_path_buf)
            .unwrap_or_else(|| config_dir.join("config.toml"));
        Paths {
            config_dir,
            config_file,
            config_explicit: config_override.is_some(),
            data_dir,
        }
    }

    /// Paths rooted in one directory; used by tests.
    pub fn in_dir(root: &Path) -> Self {
        Paths {
            config_dir: root.join("config"),
            config_file: root.join("config/config.toml"),
            config_explicit: false,
            data_dir: root.join("data"),
        }
    }

    /// Per-incident JSONL event logs.
    pub fn sessions_dir(&self) -> PathBuf {
        self.data_dir.join("sessions")
    }

    /// Full command outputs (mode 0600).
    pub fn outputs_dir(&self) -> PathBuf {
        self.data_dir.join("outputs")
    }

    /// The hash-chained audit log.
    pub fn audit_log(&self) -> PathBuf {
        self.data_dir.join("audit.jsonl")
    }

    /// The tracing log file (never the terminal).
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("opsassist.log")
    }
}
