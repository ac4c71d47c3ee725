//! Forbid and ask rules match after the classifier's own unwrapping of runners (sudo, env,
//! timeout, nice, `sh -c` …), and a command whose name is computed at run time (`$(…)`) is
//! asked, not run, whenever a forbid rule applies to its target. Rows marked `N` failed on the
//! branch point; `S` rows already held ("stays as is").

use std::collections::BTreeMap;
use std::sync::Arc;

use opsassist::policy;
use opsassist::protocol::{Mode, Target};
use opsassist::session::gate::{Gate, Screen};
use opsassist::session::rules::{Action, RuleSet};

const RULES: &str = r#"
[[rule]]
name = "no-reboot-prod"
action = "forbid"
prefix = "reboot"
targets = ["tag:prod"]
reason = "never reboot prod from a console"
match = ["reboot"]

[[rule]]
name = "ask-iptables"
action = "ask"
prefix = "iptables -F"
match = ["iptables -F"]

[[rule]]
name = "status-ok"
action = "allow"
prefix = "systemctl status"
match = ["systemctl status nginx"]
"#;

fn set() -> RuleSet {
    let mut set = RuleSet::new(BTreeMap::from([
        ("web01".to_string(), vec!["prod".to_string()]),
        ("stage01".to_string(), vec!["staging".to_string()]),
    ]));
    if let Err(e) = set.add_text("rules.toml", RULES) {
        panic!("rules must load: {e}");
    }
    set
}

fn winner(command: &str, host: &str) -> Option<Action> {
    let target = Target::Ssh { host: host.into() };
    set()
        .evaluate(Some("remote_shell"), &target, command)
        .winner
        .map(|h| h.action)
}

const N: bool = true;
const S: bool = false;

/// (command, host, expected winner, fails on the branch point)
const ROWS: &[(&str, &str, Option<Action>, bool)] = &[
    ("reboot", "web01", Some(Action::Forbid), S),
    ("sudo reboot", "web01", Some(Action::Forbid), S),
    ("sudo -u root reboot", "web01", Some(Action::Forbid), N),
    ("sudo --user root reboot", "web01", Some(Action::Forbid), N),
    (
        "sudo -u root -g wheel reboot",
        "web01",
        Some(Action::Forbid),
        N,
    ),
    ("env FOO=1 reboot", "web01", Some(Action::Forbid), S),
    ("env -u HOME reboot", "web01", Some(Action::Forbid), N),
    ("env -C /tmp reboot", "web01", Some(Action::Forbid), N),
    ("timeout -s KILL 5 reboot", "web01", Some(Action::Forbid), N),
    (
        "timeout --signal KILL 5 reboot",
        "web01",
        Some(Action::Forbid),
        N,
    ),
    ("nice -n 5 reboot", "web01", Some(Action::Forbid), S),
    (
        "nice --adjustment 5 reboot",
        "web01",
        Some(Action::Forbid),
        S,
    ),
    (
        "sudo -u root timeout 5 nice reboot",
        "web01",
        Some(Action::Forbid),
        N,
    ),
    (
        "sh -c 'sudo -u root reboot'",
        "web01",
        Some(Action::Forbid),
        N,
    ),
    (
        "uptime && sudo -u root reboot",
        "web01",
        Some(Action::Forbid),
        N,
    ),
    ("sudo -u root iptables -F", "stage01", Some(Action::Ask), N),
    (
        "timeout -s KILL 5 iptables -F",
        "stage01",
        Some(Action::Ask),
        N,
    ),
    // Interpreter one-liners: the command their program runs is what the rules see, in the
    // argv form and through wrappers with options of their own (issue 31's leftovers).
    (
        r#"python3 -c 'import subprocess; subprocess.run(["reboot"])'"#,
        "web01",
        Some(Action::Forbid),
        S,
    ),
    (
        r#"perl -e 'system("sudo timeout -s KILL 30 reboot")'"#,
        "web01",
        Some(Action::Forbid),
        S,
    ),
    // A forbid on tag:prod does not reach a staging host.
    ("sudo -u root reboot", "stage01", None, S),
    // The forbid cannot see through a computed command name: asked, never run.
    ("$(echo reboot)", "web01", Some(Action::Ask), N),
    ("sudo $(echo reboot)", "web01", Some(Action::Ask), N),
    ("`echo reboot`", "web01", Some(Action::Ask), N),
    ("sh -c '$(printf reboot)'", "web01", Some(Action::Ask), N),
    // No forbid rule applies on stage01: nothing to escalate for.
    ("$(echo reboot)", "stage01", None, S),
    // A substitution in an argument is seen through: the inner `echo` is no forbidden word.
    ("echo $(date)", "web01", None, S),
    ("systemctl status nginx", "web01", Some(Action::Allow), S),
];

#[test]
fn forbid_and_ask_rules_match_after_the_classifiers_unwrapping() {
    let mut failures = Vec::new();
    for (command, host, want, _) in ROWS {
        let got = winner(command, host);
        if got != *want {
            failures.push(format!("{command} on {host}: want {want:?}, got {got:?}"));
        }
    }
    let must_fail = ROWS.iter().filter(|r| r.3).count();
    assert!(
        failures.is_empty(),
        "{must_fail} N rows; failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_gate_refuses_the_unwrapped_reboot_and_asks_for_the_computed_one() {
    let gate = Gate::new(Mode::Heal, true).with_rules(Arc::new(set()));
    let web = Target::Ssh {
        host: "web01".into(),
    };
    let screen = |command: &str| {
        gate.screen_call(
            policy::classify(command).class,
            Some("remote_shell"),
            &web,
            command,
        )
    };
    assert!(
        matches!(screen("sudo -u root reboot"), Screen::Refuse(ref r) if r.contains("no-reboot-prod")),
        "{:?}",
        screen("sudo -u root reboot")
    );
    assert_eq!(screen("$(echo reboot)"), Screen::Ask);
    let explained = set().evaluate(Some("remote_shell"), &web, "$(echo reboot)");
    let hit = explained.winner.unwrap_or_else(|| panic!("no winner"));
    assert!(hit.reason.contains("computed"), "{}", hit.reason);
    assert!(hit.label.contains("no-reboot-prod"), "{}", hit.label);
}
