//! Rules made from the console, end to end in the real `opsassist tui` (tmux, scripted fake
//! model): `A` with the scope "host … for good" writes an allow rule to the personal rules
//! file; a later incident on that host runs the same command without asking and names the
//! rule; revoking it from the rules view (`P`, `r`, `y`) makes the next one ask again, without
//! a restart. The host is `local` (the fake model's calls run through `local_shell`).

mod support;

use support::fake_llm::{FakeLlm, Reply};
use support::tmux::{Opts, Pane, nonce, tool_call};

/// A `systemctl` stand-in that echoes its arguments; returns PATH with it first.
fn systemctl_shim(dir: &std::path::Path) -> String {
    let shim = dir.join("systemctl");
    std::fs::write(&shim, "#!/bin/sh\necho \"shim $*\"\n").expect("write shim");
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
fn a_host_rule_written_from_the_console_holds_until_revoked() {
    let n = nonce();
    let command = format!("systemctl status web-{n}");
    let shims = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        tool_call(&command),
        Reply::Text(format!("Checked. first-{n}")),
        tool_call(&command),
        Reply::Text(format!("Checked again. second-{n}")),
        tool_call(&command),
        Reply::Text(format!("Checked once more. third-{n}")),
    ]);
    let pane = Pane::start_with(
        "rules",
        &fake,
        Opts {
            env: vec![("PATH".into(), systemctl_shim(shims.path()))],
            ..Opts::default()
        },
    );
    let personal = pane.dir.path().join("config").join("personal-rules.toml");

    // 1. `A` offers the scopes the core decided; "host local for good" writes the rule.
    pane.open_incident(&format!("{n}-1"));
    pane.wait_for("approval panel", |s| {
        s.contains("Approve?") && s.contains(&command)
    });
    pane.decide(&["A"]);
    pane.wait_for("scope prompt", |s| {
        s.contains("Approve for how long?")
            && s.contains("1 this incident")
            && s.contains("2 host local for good")
    });
    pane.keys(&["2"]);
    let screen = pane.wait_for("first answer", |s| s.contains(&format!("first-{n}")));
    assert!(
        screen.contains("rule `systemctl-status-local` (personal-rules.toml:"),
        "the written rule is named in the transcript:\n{screen}"
    );
    let written = std::fs::read_to_string(&personal).unwrap_or_default();
    for want in [
        "name = \"systemctl-status-local\"",
        "action = \"allow\"",
        "prefix = \"systemctl status\"",
        "targets = [\"local\"]",
        "tools = [\"local_shell\"]",
        &format!("match = [\"{command}\"]"),
    ] {
        assert!(written.contains(want), "`{want}` missing:\n{written}");
    }

    // 2. A later incident on the same host runs it without asking, naming the rule.
    pane.open_incident(&format!("{n}-2"));
    let screen = pane.wait_for("second answer", |s| s.contains(&format!("second-{n}")));
    assert!(
        screen.contains("⟳ auto (rule `systemctl-status-local` (personal-rules.toml:"),
        "run by the rule, not asked:\n{screen}"
    );
    assert!(!screen.contains("Approve?"), "{screen}");

    // 3. The rules view lists it with its origin; revoking it removes it from the file.
    pane.keys(&["P"]);
    pane.wait_for("rules view", |s| {
        s.contains("Approval rules in force") && s.contains("systemctl-status-local")
    });
    pane.keys(&["G"]);
    pane.keys(&["r"]);
    pane.wait_for("revoke question", |s| s.contains("y revokes"));
    pane.keys(&["y"]);
    // The notice is on screen for a few seconds at most (less when the next notice replaces
    // it): wait for it to have been drawn, then for the table the core lists after the revoke.
    pane.wait_drawn(
        "revoked notice",
        "revoked rule `systemctl-status-local` (personal-rules.toml:",
    );
    pane.wait_for("revoked", |s| s.contains("no rules are loaded"));
    pane.keys(&["Escape"]);
    let left = std::fs::read_to_string(&personal).unwrap_or_default();
    assert!(!left.contains("systemctl-status-local"), "{left}");

    // 4. The next incident asks again.
    pane.open_incident(&format!("{n}-3"));
    let screen = pane.wait_for("asked again", |s| {
        s.contains("Approve?") && s.contains(&command)
    });
    assert!(
        screen.contains("A remembers: `systemctl status`"),
        "{screen}"
    );
    pane.decide(&["a"]);
    pane.wait_for("third answer", |s| s.contains(&format!("third-{n}")));
    pane.quit();
}
