//! The optional audit key (`[audit] key_file`): an HMAC-SHA256 key in a private file outside
//! the data dir. With it every record carries `hmac` over its chain hash, so someone who can
//! rewrite `audit.jsonl` but cannot read the key cannot recompute a valid tail.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::AuditError;

/// Random bytes in a generated key.
const KEY_BYTES: usize = 32;
/// Shortest key accepted from a file.
const MIN_KEY_BYTES: usize = 16;

/// A loaded audit key. Its bytes never appear in `Debug` output.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Vec<u8>,
    path: PathBuf,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.path.display())
    }
}

fn key_error(path: &Path, message: impl Into<String>) -> AuditError {
    AuditError::Key {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// True when `path` is `dir` or lies under it (both resolved as far as they exist).
fn inside(path: &Path, dir: &Path) -> bool {
    let resolve = |p: &Path| {
        let mut existing = p.to_path_buf();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
        out.extend(rest.iter().rev());
        out
    };
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    resolve(&path).starts_with(resolve(dir))
}

impl AuditKey {
    /// Read the key at `path`. Refused when the file is readable or writable by group or
    /// others, is not a regular file, lies inside `data_dir` (next to the log it protects),
    /// or does not hold at least 16 hex-encoded bytes.
    pub fn load(path: &Path, data_dir: &Path) -> Result<AuditKey, AuditError> {
        if inside(path, data_dir) {
            return Err(key_error(
                path,
                format!(
                    "the key must live outside the data dir {} (whoever can rewrite the log must not read the key)",
                    data_dir.display()
                ),
            ));
        }
        crate::secret_file::check_private(path).map_err(|e| key_error(path, e.reason()))?;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| key_error(path, e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|_| {
            key_error(
                path,
                "is not a hex-encoded key (make one with `opsassist audit keygen --out PATH`)",
            )
        })?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(key_error(
                path,
                format!(
                    "key is too short ({} bytes, at least {MIN_KEY_BYTES})",
                    bytes.len()
                ),
            ));
        }
        Ok(AuditKey {
            bytes,
            path: path.to_path_buf(),
        })
    }

    /// Create a new random key at `path` (mode 0600). Never overwrites an existing file, and
    /// refuses a path inside `data_dir`.
    pub fn generate(path: &Path, data_dir: &Path) -> Result<(), AuditError> {
        if inside(path, data_dir) {
            return Err(key_error(
                path,
                format!(
                    "the key must live outside the data dir {}",
                    data_dir.display()
                ),
            ));
        }
        let mut bytes = [0u8; KEY_BYTES];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| key_error(path, format!("cannot read /dev/urandom: {e}")))?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    key_error(path, "already exists; refusing to overwrite a key")
                } else {
                    key_error(path, e.to_string())
                }
            })?;
        file.write_all(format!("{}\n", hex::encode(bytes)).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| key_error(path, e.to_string()))
    }

    /// The file the key came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hex HMAC-SHA256 of a record's chain hash (its `hash` field, as hex text).
    pub(crate) fn sign(&self, hash_hex: &str) -> String {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        match Hmac::<Sha256>::new_from_slice(&self.bytes) {
            Ok(mut mac) => {
                mac.update(hash_hex.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            Err(_) => String::new(),
        }
    }

    /// Whether `hmac` is this key's signature of `hash_hex` (compared in constant time).
    pub(crate) fn verifies(&self, hash_hex: &str, hmac: &str) -> bool {
        let Ok(expected) = hex::decode(hmac) else {
            return false;
        };
        match Hmac::<Sha256>::new_from_slice(&self.bytes) {
            Ok(mut mac) => {
                mac.update(hash_hex.as_bytes());
                mac.verify_slice(&expected).is_ok()
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_keys_are_private_unique_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let path = dir.path().join("audit.key");
        AuditKey::generate(&path, &data).expect("generate");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let err = AuditKey::generate(&path, &data).expect_err("overwrite");
        assert!(err.to_string().contains("refusing to overwrite"), "{err}");
        let key = AuditKey::load(&path, &data).expect("load");
        let other = dir.path().join("other.key");
        AuditKey::generate(&other, &data).expect("generate");
        let other = AuditKey::load(&other, &data).expect("load");
        let sig = key.sign("abc");
        assert!(key.verifies("abc", &sig));
        assert!(!other.verifies("abc", &sig));
        assert!(!key.verifies("abd", &sig));
        assert!(!format!("{key:?}").contains(&hex::encode(&key.bytes)));
    }

    #[test]
    fn loose_permissions_and_keys_in_the_data_dir_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let path = dir.path().join("audit.key");
        AuditKey::generate(&path, &data).expect("generate");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let err = AuditKey::load(&path, &data).expect_err("group readable");
        assert!(err.to_string().contains("mode 0640"), "{err}");
        std::fs::create_dir_all(&data).expect("data dir");
        let err = AuditKey::generate(&data.join("k"), &data).expect_err("inside");
        assert!(err.to_string().contains("outside the data dir"), "{err}");
    }
}
