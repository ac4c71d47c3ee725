//! Where opsassist keeps its files: the config dir (config.toml, tools.toml, prompts/) and
//! the data dir (sessions, outputs, audit log). `OPSASSIST_DATA_DIR` and
//! `OPSASSIST_CONFIG_DIR` override the platform defaults, for tests and isolation. The data
//! dir holds incidents, transcripts and logs: it is created 0700 and its files 0600.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
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

    /// Create the data dir (0700) if it is missing. A warning when it lets group or others
    /// write in it: whoever can may plant files and links where opsassist writes.
    pub fn ensure_data_dir(&self) -> std::io::Result<Option<String>> {
        create_private_dir(&self.data_dir)?;
        let mode = std::fs::metadata(&self.data_dir)?.mode() & 0o777;
        Ok((mode & 0o022 != 0).then(|| {
            format!(
                "the data dir {} is writable by group or others (mode {mode:04o}); run `chmod 700 {}`",
                self.data_dir.display(),
                self.data_dir.display()
            )
        }))
    }
}

/// Create `dir` and any missing parents, each new one 0700 (existing ones are left as they
/// are).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Open `path` to append, creating it 0600; a file left looser by an older version is
/// tightened to 0600, and a symlink at `path` is refused rather than followed.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)?;
    if file.metadata()?.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_dir_and_its_appended_files_are_private() {
        let root = tempfile::tempdir().expect("tempdir");
        let paths = Paths::in_dir(root.path());
        assert_eq!(paths.ensure_data_dir().expect("create"), None);
        let mode = std::fs::metadata(&paths.data_dir).expect("meta").mode();
        assert_eq!(mode & 0o777, 0o700);
        let log = paths.log_file();
        std::fs::write(&log, "old\n").expect("write");
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        open_private_append(&log).expect("open");
        assert_eq!(std::fs::metadata(&log).expect("meta").mode() & 0o777, 0o600);
        let link = paths.data_dir.join("notify.jsonl");
        std::os::unix::fs::symlink(root.path().join("elsewhere"), &link).expect("symlink");
        assert!(open_private_append(&link).is_err());
        assert!(!root.path().join("elsewhere").exists());
        std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
        let warning = paths.ensure_data_dir().expect("exists").unwrap_or_default();
        assert!(warning.contains("mode 0777"), "{warning}");
    }
}
