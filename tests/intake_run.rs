//! `opsassist run` goes through the intake module: running the same alert twice in one data
//! dir leaves one incident with count 2 (both sessions recorded on it), and the second run
//! says which incident it counted on.

#[path = "support/receiver.rs"]
mod receiver;
mod support;

use std::path::Path;
use std::process::Command;

use support::fake_llm::{FakeLlm, Reply};

fn run(root: &Path, fake: &FakeLlm, alert: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .arg("run")
        .arg("--alert")
        .arg(alert)
        .args([
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ])
        .env("OPSASSIST_DATA_DIR", root.join("data"))
        .env("OPSASSIST_CONFIG_DIR", root.join("config"))
        .env("OPENAI_API_KEY", "sk-fake")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn running_the_same_alert_twice_counts_on_one_incident() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let root = dir.path();
    std::fs::create_dir_all(root.join("config")).unwrap_or_else(|e| panic!("{e}"));
    let alert = root.join("alert.json");
    std::fs::write(
        &alert,
        r#"{"title":"Disk almost full (run intake)","severity":"critical","host":"web01","description":"/var at 97%"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::Text("Nothing to do. first".into()),
        Reply::Text("Nothing to do. second".into()),
    ]);
    let (ok, stderr) = run(root, &fake, &alert);
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("matches open incident"), "{stderr}");
    let (ok, stderr) = run(root, &fake, &alert);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("matches open incident") && stderr.contains("count 2"),
        "{stderr}"
    );
    let listed = receiver::incidents(root);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["count"], 2, "{listed:#?}");
    assert_eq!(
        listed[0]["sessions"].as_array().map(Vec::len),
        Some(2),
        "both runs are recorded on the one incident: {listed:#?}"
    );
}
