//! Writing an export to the data dir (`exports/ID.md`, mode 0600), for the console's export key.

use std::io::Write;
use std::path::PathBuf;

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
    let write = |path: &PathBuf| -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut file = crate::exec::output::private_file(path)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    let path = dir.join(format!("{id}.{}", extension(format)));
    write(&path).map_err(|e| ExportError::Write {
        path: path.clone(),
        source: e,
    })?;
    Ok(path)
}
