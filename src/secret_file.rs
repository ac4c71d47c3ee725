//! Files that hold a secret (`[audit] key_file`, `[intake] token_file` and
//! `pagerduty_secrets_file`, `[store] password_file`, `[notify.*] password_file`,
//! `webhook_url_file`, `token_file`): one rule for all of them, a regular file that neither
//! group nor others may read or write. A looser file is refused, not read.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Why a secret file was not read.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a regular file")]
    NotAFile { path: PathBuf },
    /// The file's mode lets group or others at it.
    #[error("{path}: {}", exposed_message(.path, *.mode))]
    Exposed { path: PathBuf, mode: u32 },
}

impl SecretFileError {
    /// The reason alone, without the path in front (for errors that name the path already).
    pub fn reason(&self) -> String {
        match self {
            SecretFileError::Read { source, .. } => source.to_string(),
            SecretFileError::NotAFile { .. } => "not a regular file".to_string(),
            SecretFileError::Exposed { path, mode } => exposed_message(path, *mode),
        }
    }
}

fn exposed_message(path: &Path, mode: u32) -> String {
    format!(
        "is accessible by group or others (mode {mode:04o}); run `chmod 600 {}`",
        path.display()
    )
}

/// Refuse `path` unless it is a regular file (a symlink to one counts) with no permission
/// bit for group or others.
pub fn check_private(path: &Path) -> Result<(), SecretFileError> {
    let meta = std::fs::metadata(path).map_err(|source| SecretFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(SecretFileError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretFileError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// The text of a private secret file, after [`check_private`].
pub fn read_private(path: &Path) -> Result<String, SecretFileError> {
    check_private(path)?;
    std::fs::read_to_string(path).map_err(|source| SecretFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_an_owner_only_regular_file_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret\n").expect("write");
        for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let err = read_private(&path).expect_err("exposed");
            assert!(
                err.to_string().contains(&format!("mode {mode:04o}")),
                "{err}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(read_private(&path).expect("private"), "s3cret\n");
        assert!(matches!(
            read_private(dir.path()),
            Err(SecretFileError::NotAFile { .. })
        ));
    }
}
