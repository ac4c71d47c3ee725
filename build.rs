//! Embeds the shipped eval scenarios (`assets/scenarios/*/`) in the binary: writes
//! `$OUT_DIR/scenarios.rs`, a list of `(relative path, bytes)` that `src/eval/embedded.rs`
//! includes, so `opsassist eval` works outside the source tree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("assets/scenarios");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files)?;
    files.sort();
    let mut out =
        String::from("/// `(path under assets/scenarios, contents)` of every scenario file.\n");
    out.push_str("pub const FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_bytes!({abs:?})),")?;
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("scenarios.rs");
    std::fs::write(dest, out)?;
    Ok(())
}

/// Every file in the scenario directories under `root` (not the top-level README).
fn collect(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, String)>,
) -> Result<(), Box<dyn std::error::Error>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if path.parent() != Some(root) {
            let rel = path.strip_prefix(root)?.to_string_lossy().into_owned();
            files.push((rel, path.to_string_lossy().into_owned()));
        }
    }
    Ok(())
}
