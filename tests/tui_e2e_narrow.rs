//! Nothing runs unseen at any size (issue 25), in the real `opsassist tui` binary under tmux
//! with the scripted model: a long `echo … && rm -rf DIR` never runs before its tail was on
//! screen (every screen from the first key to the deletion is kept and checked), the yes
//! prompt repeats the exact command, and a paste without bracketed paste decides nothing.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{GUARD, Opts, Pane, nonce, tool_call};

/// An alert file for `--alert`, so the incident starts at the pane's own size.
fn alert_file(dir: &Path, n: &str) -> String {
    let file = dir.join("alert.json");
    let alert = json!({
        "title": format!("Disk full on web-e2e {n}"),
        "host": "web-e2e",
        "severity": "critical",
        "description": "the root filesystem is 97% full",
    });
    std::fs::write(&file, alert.to_string()).expect("write alert");
    file.display().to_string()
}

/// A screen's text without borders, blanks and wrap points: what could be read of a
/// wrapped command.
fn flat(screen: &str) -> String {
    screen
        .chars()
        .filter(|c| !c.is_whitespace() && !"│┃║─━═┌┐└┘┏┓┗┛".contains(*c))
        .collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn long_rm_is_decided_only_after_its_tail_was_seen(name: &str, size: (u16, u16)) {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk-dir");
    std::fs::create_dir_all(junk.join("sub")).expect("mkdir");
    let command = format!(
        "echo checking-the-disk-usage-of-the-web-servers-before-cleaning-up-the-old-release-directories-{n} && rm -rf {}",
        junk.display()
    );
    assert!(command.len() > 100);
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&command),
        Reply::Text(format!("Cleaned up. final-{n}")),
        Reply::Text(format!("Cleaned up. final-{n}")),
    ]);
    let pane = Pane::start_with(
        name,
        &fake,
        Opts {
            size,
            args: vec!["--alert".into(), alert_file(dir.path(), &n)],
            ..Opts::default()
        },
    );
    pane.wait_for("the call waits", |s| s.contains("Approve?"));
    std::thread::sleep(GUARD);
    // Every screen from the first key to the deletion.
    let mut screens: Vec<String> = Vec::new();
    let mut typed_yes = false;
    let start = Instant::now();
    while junk.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "{size:?}: never ran; screens:\n{}",
            screens.join("\n")
        );
        let screen = pane.capture();
        screens.push(screen.clone());
        if screen.contains("type yes and Enter") && !typed_yes {
            pane.literal("yes");
            screens.push(pane.capture());
            pane.keys(&["Enter"]);
            typed_yes = true;
        } else if !typed_yes {
            pane.keys(&["a"]);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let tail = squeeze(&format!("rm -rf {}", junk.display()));
    let head = squeeze(&format!("echo checking-the-disk-usage"));
    assert!(
        screens.iter().any(|s| flat(s).contains(&tail)),
        "{size:?}: the tail was never on screen before it ran:\n{}",
        screens.join("\n")
    );
    assert!(
        screens.iter().any(|s| flat(s).contains(&head)),
        "{size:?}: the head was never on screen:\n{}",
        screens.join("\n")
    );
    let prompt = screens
        .iter()
        .find(|s| s.contains("type yes and Enter"))
        .unwrap_or_else(|| panic!("{size:?}: no yes prompt:\n{}", screens.join("\n")));
    assert!(
        flat(prompt).contains(&squeeze(&command)),
        "{size:?}: the yes prompt must repeat the exact command:\n{prompt}"
    );
    pane.wait_for("the model's answer", |s| s.contains(&format!("final-{n}")));
    pane.quit();
}

#[test]
fn at_50x12_a_long_rm_runs_only_after_its_tail_was_on_screen() {
    long_rm_is_decided_only_after_its_tail_was_seen("n50", (50, 12));
}

#[test]
fn at_60x20_a_long_rm_runs_only_after_its_tail_was_on_screen() {
    long_rm_is_decided_only_after_its_tail_was_seen("n60", (60, 20));
}

#[test]
fn at_80x24_a_long_rm_runs_only_after_its_tail_was_on_screen() {
    long_rm_is_decided_only_after_its_tail_was_seen("n80", (80, 24));
}

#[test]
fn at_160x45_a_long_rm_runs_only_after_its_tail_was_on_screen() {
    long_rm_is_decided_only_after_its_tail_was_seen("n160", (160, 45));
}

#[test]
fn a_paste_without_bracketed_paste_decides_nothing() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let changed = dir.path().join("changed-file");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&format!("touch {}", changed.display())),
        Reply::Text(format!("Touched. final-{n}")),
        Reply::Text(format!("Touched. final-{n}")),
    ]);
    let pane = Pane::start_with(
        "pasteburst",
        &fake,
        Opts {
            size: (160, 45),
            args: vec!["--alert".into(), alert_file(dir.path(), &n)],
            ..Opts::default()
        },
    );
    pane.wait_for("the call waits", |s| s.contains("Approve?"));
    std::thread::sleep(GUARD);
    // An Alertmanager payload: its `a` of "alerts" and `n` of "alertname" are keys here.
    let payload = dir.path().join("paste.json");
    let body = json!({
        "alerts": [{
            "labels": {"alertname": "DiskFull", "instance": "web01", "severity": "critical"},
            "annotations": {"summary": "disk almost full, approve and run"},
        }]
    });
    std::fs::write(&payload, serde_json::to_string_pretty(&body).expect("json")).expect("write");
    pane.tmux(&["load-buffer", "-b", "burst", &payload.display().to_string()]);
    // No -p: the terminal gets the bytes as typed keys, without bracketed-paste markers.
    pane.tmux(&["paste-buffer", "-b", "burst"]);
    let screen = pane.wait_for("the paste is refused", |s| {
        s.contains("paste ignored: press n to paste an alert")
    });
    std::thread::sleep(Duration::from_millis(1500));
    let after = pane.capture();
    assert!(
        !changed.exists(),
        "a pasted key approved the call:\n{screen}\n{after}"
    );
    assert!(after.contains("Approve?"), "the call still waits:\n{after}");
    assert!(!after.contains("New alert"), "no editor opened:\n{after}");
    // The operator's own key still works.
    pane.keys(&["a"]);
    pane.wait_for("the operator's approval ran", |s| {
        s.contains(&format!("final-{n}"))
    });
    assert!(changed.exists());
    pane.quit();
}
