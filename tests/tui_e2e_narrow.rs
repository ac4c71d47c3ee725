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

/// Whether every character of `command` was on some screen: each screen row that reads as a
/// piece of the command (borders, blanks and the `$` lead taken out) covers that piece.
fn read_whole(screens: &[String], command: &str) -> bool {
    let want: Vec<char> = squeeze(command).chars().collect();
    let text: String = want.iter().collect();
    let mut covered = vec![false; want.len()];
    for screen in screens {
        for row in screen.lines() {
            let piece: String = flat(row).trim_start_matches('$').to_string();
            if piece.chars().count() < 3 {
                continue;
            }
            let mut from = 0;
            while let Some(at) = text[from..].find(&piece) {
                let start = text[..from + at].chars().count();
                for c in covered.iter_mut().skip(start).take(piece.chars().count()) {
                    *c = true;
                }
                from += at + piece.len();
            }
        }
    }
    covered.iter().all(|c| *c)
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
    assert!(
        read_whole(&screens, &command),
        "{size:?}: part of the command was never on screen before it ran:\n{}",
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

/// A long change (no `yes` prompt to repeat it): at the minimum size the transcript shows one
/// row and the panel a line at most, so only the full view can show its tail before `a` runs.
#[test]
fn at_50x12_a_long_change_runs_only_after_its_tail_was_on_screen() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let made = dir.path().join("made-file");
    let command = format!(
        "echo checking-the-disk-usage-of-the-web-servers-before-cleaning-up-the-old-release-directories-{n} && touch {}",
        made.display()
    );
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&command),
        Reply::Text(format!("Done. final-{n}")),
        Reply::Text(format!("Done. final-{n}")),
    ]);
    let pane = Pane::start_with(
        "n50c",
        &fake,
        Opts {
            size: (50, 12),
            args: vec!["--alert".into(), alert_file(dir.path(), &n)],
            ..Opts::default()
        },
    );
    pane.wait_for("the call waits", |s| s.contains("Approve?"));
    std::thread::sleep(GUARD);
    let mut screens: Vec<String> = Vec::new();
    let start = Instant::now();
    while !made.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "never ran; screens:\n{}",
            screens.join("\n")
        );
        screens.push(pane.capture());
        pane.keys(&["a"]);
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        read_whole(&screens, &command),
        "part of the command was never on screen before it ran:\n{}",
        screens.join("\n")
    );
    pane.wait_for("the model's answer", |s| s.contains(&format!("final-{n}")));
    pane.quit();
}
