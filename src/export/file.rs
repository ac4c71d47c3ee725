//! Writing an export where no planted link can redirect it: to the data dir
//! (`exports/ID.md`, for the console's export key) and to a path the operator names
//! (`sessions export --out`). The text goes into a new private temp file beside the target,
//! which is then linked or renamed into place: the target's name is replaced, never written
//! through, so a symlink planted there is refused (or, with `--force`, replaced), and its
//! target is untouched.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{ExportError, Format};
use crate::paths::Paths;
use crate::policy::Redactor;

fn extension(format: Format) -> &'static str {
    match format {
        Format::Md => "md",
        Format::Json => "json",
        Format::Html => "html",
    }
}

/// Export session `id` to `DATA_DIR/exports/ID.EXT` (0600, replacing an older export) and
/// return the path.
pub fn write_to_data_dir(
    paths: &Paths,
    id: &str,
    format: Format,
    redactor: &Redactor,
) -> Result<PathBuf, ExportError> {
    // Session ids are hex; anything else is refused rather than used as a file name.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ExportError::Encode(format!("not a session id: `{id}`")));
    }
    let text = super::export(paths, id, format, redactor)?;
    let dir = paths.data_dir.join("exports");
    let path = dir.join(format!("{id}.{}", extension(format)));
    crate::paths::create_private_dir(&dir)
        .and_then(|()| write_private(&path, text.as_bytes(), true))
        .map_err(|e| ExportError::Write {
            path: path.clone(),
            source: e,
        })?;
    Ok(path)
}

/// Write `bytes` to `path` as a new file, mode 0600, without following a link at `path`.
/// An existing regular file is replaced only when `replace` is set; a symlink, directory or
/// other non-regular entry is never replaced without `replace`, and never written through.
pub fn write_private(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() && !replace => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "is a symbolic link; refusing to write through it (pass --force to replace the link itself)",
            ));
        }
        Ok(meta) if meta.is_dir() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "is a directory",
            ));
        }
        Ok(meta) if !meta.file_type().is_symlink() && !meta.is_file() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "is not a regular file",
            ));
        }
        Ok(_) if !replace => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists (pass --force to replace it)",
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp, mut file) = temp_file(&dir, &name)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if replace {
                // rename replaces the name itself: a link there is replaced, not followed.
                std::fs::rename(&temp, path)
            } else {
                // link fails if anything (a link included) appeared at `path` meanwhile.
                match std::fs::hard_link(&temp, path) {
                    Ok(()) => {
                        let _ = std::fs::remove_file(&temp);
                        Ok(())
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
                    // A file system without hard links: create-new never follows a link.
                    Err(_) => {
                        let _ = std::fs::remove_file(&temp);
                        write_new(path, bytes)
                    }
                }
            }
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Write `bytes` to a new file at `path` (0600); an entry there, a dangling link included,
/// makes it fail.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A new private file beside the target (`.NAME.PID-N.tmp`, created new, never through a
/// link).
fn temp_file(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for n in 0..100u32 {
        let temp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temp name")))
}
