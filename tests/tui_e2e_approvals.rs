//! End-to-end approvals in the real `opsassist tui` binary (tmux, scripted fake model): every
//! call is visible whatever the gate did with it, a key never approves a call that was not on
//! screen, the class follows an edit, small terminals keep the command visible, and a command
//! killed at quit tells the truth after a restart.

mod support;

use std::time::Duration;

use serde_json::json;
use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{GUARD, Opts, Pane, nonce, tool_call};

fn calls(commands: &[&str]) -> Reply {
    Reply::ToolCalls(
        commands
            .iter()
            .map(|c| ("local_shell".to_string(), json!({ "command": c })))
            .collect(),
    )
}

/// The line after the one holding ▶ (the marked call's command).
fn marked_command(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains('▶') && l.contains("$ local_shell"))?;
    lines.get(i + 1).map(|l| l.to_string())
}

/// A directory holding a `systemctl` stand-in that logs its arguments to `calls.log` and
/// echoes them; returns PATH with it first.
fn systemctl_shim(dir: &std::path::Path) -> String {
    let shim = dir.join("systemctl");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\necho \"$*\" >> {}\necho \"shim $*\"\n",
            dir.join("calls.log").display()
        ),
    )
    .expect("write shim");
    let status = std::process::Command::new("chmod")
        .args(["+x", &shim.display().to_string()])
        .status()
        .expect("chmod");
    assert!(status.success());
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn a_prefix_approved_call_is_visible_with_its_command_and_rule() {
    let n = nonce();
    let shims = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&format!("systemctl status first-{n}")),
        tool_call(&format!("systemctl status second-{n}")),
        Reply::Text(format!("Both ran. final-{n}")),
    ]);
    let pane = Pane::start_with(
        "prefix",
        &fake,
        Opts {
            env: vec![("PATH".into(), systemctl_shim(shims.path()))],
            ..Opts::default()
        },
    );
    pane.open_incident(&n);
    pane.wait_for("approval panel with what A remembers", |s| {
        s.contains(&format!("systemctl status first-{n}"))
            && s.contains("A remembers: `systemctl status`")
    });
    pane.decide(&["A"]);
    // `A` asks for how long; the first scope is this incident.
    pane.wait_for("scope prompt", |s| s.contains("1 this incident"));
    pane.keys(&["1"]);
    let screen = pane.wait_for("second call and answer", |s| {
        s.contains(&format!("final-{n}"))
    });
    assert!(
        screen.contains(&format!("    systemctl status second-{n}")),
        "the prefix-approved call's command is in the transcript:\n{screen}"
    );
    assert!(
        screen.contains("⟳ auto (approved prefix `systemctl status` on local)"),
        "with the rule that approved it:\n{screen}"
    );
    assert!(
        screen.contains(&format!("│ shim status second-{n}")),
        "{screen}"
    );
    pane.quit();
}

#[test]
fn auto_approved_and_check_mode_refused_calls_are_visible() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let touched = dir.path().join(format!("touched-{n}"));
    let fake = FakeLlm::spawn_blocking_openai(vec![
        calls(&[
            &format!("echo auto-{n}"),
            &format!("touch {}", touched.display()),
        ]),
        Reply::Text(format!("Diagnosed. final-{n}")),
    ]);
    let pane = Pane::start_with(
        "autocheck",
        &fake,
        Opts {
            args: vec!["--mode check".into(), "--auto-approve read-only".into()],
            ..Opts::default()
        },
    );
    pane.open_incident(&n);
    let screen = pane.wait_for("answer", |s| s.contains(&format!("final-{n}")));
    assert!(
        screen.contains(&format!("    echo auto-{n}")),
        "auto-approved call shown:\n{screen}"
    );
    assert!(
        screen.contains("⟳ auto (auto-approve read-only)"),
        "{screen}"
    );
    assert!(screen.contains(&format!("│ auto-{n}")), "{screen}");
    assert!(
        screen.contains(&format!("touch {}", touched.display())),
        "refused call shown:\n{screen}"
    );
    assert!(
        screen.contains("⊘ refused: the session is in check mode"),
        "{screen}"
    );
    assert!(
        !screen.contains("refused: refused"),
        "doubled word:\n{screen}"
    );
    assert!(!touched.exists(), "a refused call never runs");
    pane.quit();
}

fn three_calls(n: &str, dir: &std::path::Path) -> Reply {
    calls(&[
        &format!("echo one-{n}"),
        &format!("touch {}", dir.join(format!("two-{n}")).display()),
        &format!("rm -f {}", dir.join(format!("three-{n}")).display()),
    ])
}

#[test]
fn the_marker_sits_on_the_call_the_panel_asks_about() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![three_calls(&n, dir.path())]);
    let pane = Pane::start("marker", &fake);
    pane.open_incident(&n);
    let screen = pane.wait_for("three calls and the panel", |s| {
        s.contains("call 1 of 3") && s.contains(&format!("three-{n}"))
    });
    let marked = marked_command(&screen).unwrap_or_default();
    assert!(
        marked.contains(&format!("echo one-{n}")),
        "▶ must mark the call the panel asks about (echo one), not `{marked}`:\n{screen}"
    );
    pane.decide(&["a"]);
    let screen = pane.wait_for("second call asked", |s| s.contains("call 2 of 3"));
    let marked = marked_command(&screen).unwrap_or_default();
    assert!(marked.contains(&format!("two-{n}")), "{marked}\n{screen}");
    pane.quit();
}

#[test]
fn a_double_a_on_three_calls_runs_only_the_first() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![three_calls(&n, dir.path())]);
    let pane = Pane::start("double", &fake);
    pane.open_incident(&n);
    pane.wait_for("three calls", |s| s.contains("call 1 of 3"));
    std::thread::sleep(GUARD);
    // Two presses a person makes in quick succession (one send-keys would be a paste).
    pane.keys(&["a"]);
    pane.keys(&["a"]);
    let screen = pane.wait_for("first call ran, second asked", |s| {
        s.contains(&format!("│ one-{n}")) && s.contains("call 2 of 3")
    });
    std::thread::sleep(Duration::from_millis(1500));
    let screen_after = pane.capture();
    assert!(
        !dir.path().join(format!("two-{n}")).exists(),
        "the second a approved a call the operator never saw:\n{screen}\n{screen_after}"
    );
    assert!(screen_after.contains("call 2 of 3"), "{screen_after}");
    pane.quit();
}

#[test]
fn a_prefix_on_a_restart_does_not_cover_another_unit() {
    let n = nonce();
    let shims = tempfile::tempdir().expect("tempdir");
    let log = shims.path().join("calls.log");
    let path = systemctl_shim(shims.path());
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call("systemctl restart cron"),
        tool_call("systemctl restart postgresql"),
        Reply::Text(format!("Done. final-{n}")),
    ]);
    let pane = Pane::start_with(
        "shim",
        &fake,
        Opts {
            env: vec![("PATH".into(), path)],
            ..Opts::default()
        },
    );
    pane.open_incident(&n);
    pane.wait_for("panel says what A remembers", |s| {
        s.contains("A remembers: `systemctl restart cron`")
    });
    pane.decide(&["A"]);
    // `A` asks for how long; the first scope is this incident.
    pane.wait_for("scope prompt", |s| s.contains("1 this incident"));
    pane.keys(&["1"]);
    let screen = pane.wait_for("second restart asked, not auto-approved", |s| {
        s.contains("Approve?") && s.contains("$ systemctl restart postgresql")
    });
    assert!(!screen.contains("⟳ auto"), "{screen}");
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!ran.contains("postgresql"), "{ran}");
    pane.quit();
}

#[test]
fn an_edit_to_a_destructive_command_shows_its_class_and_asks_for_yes() {
    let n = nonce();
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join(format!("victim-{n}"));
    std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&format!("ls {}", victim.display())),
        Reply::Text(format!("Removed. final-{n}")),
    ]);
    let pane = Pane::start("editdestr", &fake);
    pane.open_incident(&n);
    pane.wait_for("read-only proposal", |s| s.contains("class read-only"));
    pane.decide(&["e"]);
    pane.wait_for("edit editor", |s| s.contains("Edit command"));
    pane.keys(&["C-a", "C-k"]);
    pane.literal(&format!("rm -rf {}", victim.display()));
    pane.keys(&["C-s"]);
    let screen = pane.wait_for("the core asks for yes for the edit", |s| {
        s.contains("class destructive") && s.contains("Your edit is DESTRUCTIVE")
    });
    assert!(victim.exists(), "nothing runs before yes:\n{screen}");
    pane.literal("yes");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("edit ran", |s| s.contains(&format!("final-{n}")));
    assert!(
        screen.contains("✎ edited, ran instead [destructive]"),
        "{screen}"
    );
    assert!(!victim.exists());
    pane.quit();
}

/// A command of `lines` lines whose first line names `n`.
fn long_command(n: &str, lines: usize) -> String {
    let mut parts = vec![format!("echo small-{n}")];
    parts.extend((2..=lines).map(|i| format!("echo line-{i}")));
    parts.join(" && \\\n  ")
}

fn small_terminal(name: &str, size: (u16, u16)) {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&long_command(&n, 72)),
        Reply::Text(format!("Fine. final-{n}")),
        // The core asks once to verify the unchecked change; the answer stays on screen.
        Reply::Text(format!("Fine. final-{n}")),
    ]);
    let pane = Pane::start_with(
        name,
        &fake,
        Opts {
            size,
            ..Opts::default()
        },
    );
    pane.open_incident(&n);
    let screen = pane.wait_for("panel", |s| s.contains("Approve?"));
    assert!(
        screen.contains(&format!("$ echo small-{n}")),
        "a full line of the command is visible before any approval:\n{screen}"
    );
    assert!(screen.contains("class change"), "{screen}");
    assert!(
        screen.contains("? help") && screen.contains("q quit"),
        "{screen}"
    );
    // Below the minimum size nothing is shown, so nothing can be approved.
    pane.tmux(&["resize-window", "-x", "40", "-y", "10"]);
    pane.wait_for("too small notice", |s| s.contains("terminal too small"));
    pane.decide(&["a"]);
    std::thread::sleep(Duration::from_millis(500));
    pane.tmux(&[
        "resize-window",
        "-x",
        &size.0.to_string(),
        "-y",
        &size.1.to_string(),
    ]);
    let screen = pane.wait_for("panel again", |s| s.contains("Approve?"));
    assert!(
        !screen.contains(&format!("│ small-{n}")),
        "nothing ran while the terminal was too small:\n{screen}"
    );
    // The panel cannot show all 72 lines: `a` opens the full view, and `a` there only reads
    // on until the last line was on screen.
    pane.decide(&["a"]);
    pane.wait_for("the full view", |s| s.contains("Call 1 of 1"));
    let start = std::time::Instant::now();
    loop {
        let screen = pane.capture();
        if screen.contains(&format!("final-{n}")) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never ran:\n{screen}"
        );
        pane.decide(&["a"]);
    }
    pane.quit();
}

#[test]
fn at_80x24_the_command_class_and_hints_stay_visible() {
    small_terminal("s80", (80, 24));
}

#[test]
fn at_60x15_no_approval_without_the_command_visible() {
    small_terminal("s60", (60, 15));
}

#[test]
fn a_command_killed_at_quit_shows_interrupted_with_its_bytes_after_restart() {
    let n = nonce();
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&format!("echo started-{n}; sleep 30")),
        Reply::Text(format!("It was interrupted. final-{n}")),
    ]);
    let first = Pane::start("interrupt", &fake);
    first.open_incident(&n);
    first.wait_for("panel", |s| s.contains("Approve?"));
    first.decide(&["a"]);
    first.wait_for("running with output", |s| {
        s.contains(&format!("┊ started-{n}")) && s.contains("⏳ running")
    });
    first.keys(&["q"]);
    let screen = first.wait_for("quit dialog", |s| s.contains("Quit opsassist?"));
    assert!(
        screen.contains("Quitting kills these running commands")
            && screen.contains(&format!("echo started-{n}")),
        "the quit dialog names the running command:\n{screen}"
    );
    first.keys(&["y"]);
    first.wait_for("exit", |s| s.contains("OPSASSIST-EXIT="));
    let dir = first.dir.clone();
    drop(first);

    let bytes = format!("started-{n}\n").len();
    let second = Pane::start_in("interrupt2", &fake, dir);
    let screen = second.wait_for("interrupted call with its bytes", |s| {
        s.contains(&format!(
            "interrupted: outcome unknown · {bytes} B in its output file"
        ))
    });
    assert!(!screen.contains("did not run"), "{screen}");
    second.keys(&["Enter"]);
    second.wait_for("expanded output read from the file", |s| {
        s.contains(&format!("│ started-{n}")) && s.contains("Enter to collapse]")
    });
    second.quit();
}
