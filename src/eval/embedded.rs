//! The shipped scenarios, embedded in the binary by `build.rs`: `opsassist eval` writes them
//! to a directory of its work dir and runs them from there, so it needs no source tree.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// Write every embedded scenario under `dir` (`dir/NAME/scenario.toml`, its scripts).
pub fn write_to(dir: &Path) -> std::io::Result<()> {
    for (rel, bytes) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_scenarios_are_the_shipped_ones_byte_for_byte() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
        let dir = tempfile::tempdir().expect("tempdir");
        write_to(dir.path()).expect("write");
        let shipped = super::super::Scenario::load_all(&root).expect("shipped");
        let embedded = super::super::Scenario::load_all(dir.path()).expect("embedded");
        assert_eq!(shipped.len(), embedded.len());
        for s in &shipped {
            for file in ["scenario.toml", "setup.sh", "check.sh", "teardown.sh"] {
                let a = std::fs::read(s.dir.join(file)).expect("shipped file");
                let b = std::fs::read(dir.path().join(&s.name).join(file)).expect("embedded file");
                assert_eq!(a, b, "{}/{file}", s.name);
            }
        }
    }
}
