//! The shape the brief keeps: front ends are thin. The console (`src/tui/`) and the headless
//! runner (`src/headless*`) render what the core sends and send it the operator's words; they
//! never open the store or the intake, and never start, recover, resume or materialize a
//! session themselves (the desk does, `src/desk/`). This test reads their sources and names
//! every line that reaches past the protocol.

use std::path::{Path, PathBuf};

/// What a front end may not name, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    ("crate::store", "the store belongs to the desk"),
    ("crate::intake", "the intake belongs to the desk"),
    ("session::start", "sessions are started by the desk"),
    ("session::recover", "sessions are recovered by the desk"),
    ("session::resume", "sessions are resumed by the desk"),
    (
        "session::materialize",
        "sessions are materialized by the desk",
    ),
    (
        "Desk::open",
        "the desk is opened at the binary's edge (src/cli), not in a front end",
    ),
    (
        "room::start",
        "the room is started at the binary's edge (src/cli)",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            // Unit tests of the console may build fixtures from the core.
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn front_end_files() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("tui"), &mut files);
    rust_files(&src.join("headless"), &mut files);
    files.push(src.join("headless.rs"));
    files
}

/// Lines of `text` that name a forbidden path (comments and doc comments aside).
fn violations(text: &str) -> Vec<(usize, &'static str, &'static str)> {
    let mut found = Vec::new();
    let mut in_tests = false;
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        // `#[cfg(test)] mod tests { … }` at the end of a file: fixtures, not the front end.
        if code.starts_with("#[cfg(test)]") {
            in_tests = true;
        }
        if in_tests {
            continue;
        }
        let code = code.split("//").next().unwrap_or(code);
        for (path, why) in FORBIDDEN {
            if code.contains(path) {
                found.push((n + 1, *path, *why));
            }
        }
    }
    found
}

#[test]
fn front_ends_reach_the_core_only_through_the_protocol() {
    let files = front_end_files();
    assert!(
        files.len() > 20,
        "found only {} front-end files: is the layout unchanged?",
        files.len()
    );
    let mut report = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (line, path, why) in violations(&text) {
            report.push(format!("{}:{line}: names {path} ({why})", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "front ends past the protocol:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    let text = "use crate::store::Store;\n// crate::intake in a comment\nfn f() { session::resume(x) }\n#[cfg(test)]\nmod tests { use crate::store::X; }\n";
    let found = violations(text);
    assert_eq!(
        found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
        vec![(1, "crate::store"), (3, "session::resume")]
    );
}
