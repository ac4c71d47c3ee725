//! Every JSON and text printer of the CLI leaves no terminal control raw: C1 controls
//! (U+009B, an 8-bit CSI; U+009D, an OSC), DEL and bidi overrides (U+202E) in an alert's
//! title come out as `\uXXXX` escapes in `--json` output, which still parses to the same
//! value, and visibly escaped in tables.

use std::path::Path;
use std::sync::Arc;

use opsassist::alert::{Alert, Source, Status};
use opsassist::paths::Paths;
use opsassist::store::{Change, DedupKey, InboxRecord, SqliteStore, Store};

const HOSTILE: &str = "Disk full \u{9b}2J\u{9d}0;pwned\u{7}\u{7f} on \u{202e}txt.exe\u{2066}";

fn hazard(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn plant_incident(root: &Path) {
    let paths = Paths::in_dir(root);
    let store = SqliteStore::open(&paths).unwrap_or_else(|e| panic!("store: {e}"));
    let alert = Alert {
        source: Source::Alertmanager,
        title: HOSTILE.into(),
        severity: Some("critical\u{9b}31m".into()),
        status: Status::Firing,
        host: Some("db-4\u{202e}".into()),
        description: Some(HOSTILE.into()),
        starts_at: None,
        url: None,
        labels: Default::default(),
        fingerprint: Some("c1".into()),
        raw: opsassist::alert::RawJson::null(),
    };
    store
        .append(&[InboxRecord {
            at: chrono::Utc::now(),
            incident: "inc-c1".into(),
            change: Change::Opened {
                key: DedupKey {
                    source: Source::Alertmanager,
                    fingerprint: "c1".into(),
                },
                alert: Arc::new(alert),
            },
        }])
        .unwrap_or_else(|e| panic!("append: {e}"));
}

fn run(root: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{args:?}: not UTF-8: {e}"))
}

#[test]
fn json_and_table_printers_escape_c1_and_bidi_controls() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    plant_incident(dir.path());
    for args in [
        &["incidents", "list", "--json"][..],
        &["sessions", "list", "--json"][..],
    ] {
        let out = run(dir.path(), args);
        assert!(
            !out.chars().any(hazard),
            "{args:?} printed raw controls: {out:?}"
        );
        let line = out.lines().next().unwrap_or_default();
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
        assert!(value.is_object(), "{args:?}: {line}");
    }
    // The incident record goes out whole: escaped in the JSON text, the same value parsed.
    let out = run(dir.path(), &["incidents", "list", "--json"]);
    assert!(out.contains("\\u009b") && out.contains("\\u202e"), "{out}");
    let value: serde_json::Value = serde_json::from_str(out.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(value["alert"]["title"], HOSTILE, "{out}");
    for args in [&["incidents", "list"][..], &["sessions", "list"][..]] {
        let out = run(dir.path(), args);
        assert!(
            !out.chars().any(hazard),
            "{args:?} printed raw controls: {out:?}"
        );
        assert!(out.contains("Disk full"), "{args:?}: {out}");
    }
}
