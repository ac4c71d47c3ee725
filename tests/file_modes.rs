//! The data dir is private: created 0700 with `sessions/` and `exports/` 0700 in it and every file 0600 (the SQLite store's `store.db` and its -wal and -shm files too),
//! whatever the umask; a data dir others may write in is warned about.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use opsassist::paths::Paths;
use opsassist::store::{Board, SqliteStore};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn sessions_and_their_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let paths = Paths::in_dir(dir.path());
    let log_path = paths.sessions_dir().join("20260101-000000-abcdef.jsonl");
    let log = opsassist::session::log::SessionLog::create(&log_path, "20260101-000000-abcdef")
        .unwrap_or_else(|e| panic!("session log: {e}"));
    drop(log);
    assert_eq!(mode(&paths.data_dir), 0o700, "data dir");
    assert_eq!(mode(&paths.sessions_dir()), 0o700, "sessions/");
    assert_eq!(mode(&log_path), 0o600, "session log");
}

#[test]
fn the_sqlite_store_and_its_wal_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let paths = Paths::in_dir(dir.path());
    // A permissive umask: the files must not take it.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o000));
    let store = SqliteStore::open(&paths);
    nix::sys::stat::umask(old);
    let store = store.unwrap_or_else(|e| panic!("store: {e}"));
    store
        .lease("inc-1", "alice", std::time::Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("lease: {e}"));
    assert_eq!(mode(&paths.data_dir), 0o700, "data dir");
    for name in ["store.db", "store.db-wal", "store.db-shm"] {
        assert_eq!(mode(&paths.data_dir.join(name)), 0o600, "{name}");
    }
}

#[test]
fn a_data_dir_others_may_write_in_is_warned_about() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "list"])
        .env("OPSASSIST_DATA_DIR", &data)
        .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writable by group or others (mode 0777)"),
        "{stderr}"
    );
    assert!(stderr.contains("chmod 700"), "{stderr}");
    let log = std::fs::read_to_string(data.join("opsassist.log")).unwrap_or_default();
    assert!(log.contains("writable by group or others"), "{log}");
    assert_eq!(mode(&data.join("opsassist.log")), 0o600);

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "list"])
        .env("OPSASSIST_DATA_DIR", &data)
        .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("writable"));
}
