//! Approval rules through the core's gate: precedence (forbid over allow, over an operator's
//! approval and edit), targets and tags, tools, and the load-time checks of examples and of
//! unsafe allow rules, with their one-line errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use opsassist::policy::{self, Class};
use opsassist::protocol::{Mode, Target};
use opsassist::session::gate::{Gate, Ruling, Screen};
use opsassist::session::rules::RuleSet;

fn tags() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        (
            "web01".to_string(),
            vec!["prod".to_string(), "web".to_string()],
        ),
        ("stage01".to_string(), vec!["staging".to_string()]),
    ])
}

fn load(text: &str) -> Result<RuleSet, String> {
    let mut set = RuleSet::new(tags());
    set.add_text("rules.toml", text)
        .map_err(|e| e.to_string())?;
    Ok(set)
}

fn gate(text: &str, mode: Mode) -> Gate {
    let set = load(text).unwrap_or_else(|e| panic!("rules must load: {e}"));
    Gate::new(mode, false).with_rules(Arc::new(set))
}

fn ssh(host: &str) -> Target {
    Target::Ssh { host: host.into() }
}

fn screen(gate: &Gate, tool: &str, target: &Target, command: &str) -> Screen {
    gate.screen_call(policy::classify(command).class, Some(tool), target, command)
}

const TEAM: &str = r#"
[[rule]]
name = "systemctl-status"
action = "allow"
prefix = "systemctl status"
match = ["systemctl status nginx"]
not_match = ["systemctl restart nginx", "systemctl status nginx; reboot"]

[[rule]]
name = "restart-nginx-web"
action = "allow"
prefix = "systemctl restart nginx"
targets = ["tag:web"]
tools = ["ssh_shell"]
match = ["systemctl restart nginx"]

[[rule]]
name = "no-restart-on-prod-local"
action = "ask"
prefix = "systemctl status sshd"
targets = ["tag:prod"]
reason = "sshd status on prod is asked"
match = ["systemctl status sshd"]

[[rule]]
name = "no-reboot-prod"
action = "forbid"
prefix = "reboot"
targets = ["tag:prod"]
reason = "never reboot prod from a console"
match = ["reboot", "sudo reboot", "uptime && reboot", "bash -c 'reboot now'"]
not_match = ["uptime", "grep reboot /var/log/syslog"]

[[rule]]
name = "no-status-mysql"
action = "forbid"
prefix = "systemctl status mysql"
reason = "ask the DBA"
match = ["systemctl status mysql"]
"#;

#[test]
fn precedence_table() {
    let g = gate(TEAM, Mode::Heal);
    let web = ssh("web01");
    let stage = ssh("stage01");
    // (tool, target, command, expected): "auto:<rule>", "ask", "refuse:<rule>".
    let rows: &[(&str, &Target, &str, &str)] = &[
        (
            "local_shell",
            &Target::Local,
            "systemctl status nginx",
            "auto:systemctl-status",
        ),
        (
            "ssh_shell",
            &web,
            "systemctl status cron",
            "auto:systemctl-status",
        ),
        (
            "local_shell",
            &Target::Local,
            "systemctl restart nginx",
            "ask",
        ),
        (
            "local_shell",
            &Target::Local,
            "systemctl status nginx; reboot",
            "ask",
        ),
        (
            "local_shell",
            &Target::Local,
            "systemctl status nginx > /tmp/x",
            "ask",
        ),
        (
            "ssh_shell",
            &web,
            "systemctl restart nginx",
            "auto:restart-nginx-web",
        ),
        ("local_shell", &web, "systemctl restart nginx", "ask"),
        ("ssh_shell", &stage, "systemctl restart nginx", "ask"),
        ("ssh_shell", &web, "systemctl restart nginx mysql", "ask"),
        // ask beats allow on prod hosts only.
        ("ssh_shell", &web, "systemctl status sshd", "ask"),
        (
            "ssh_shell",
            &stage,
            "systemctl status sshd",
            "auto:systemctl-status",
        ),
        // forbid beats allow, on every target.
        (
            "local_shell",
            &Target::Local,
            "systemctl status mysql",
            "refuse:no-status-mysql",
        ),
        ("ssh_shell", &web, "reboot", "refuse:no-reboot-prod"),
        (
            "ssh_shell",
            &web,
            "uptime; sudo reboot",
            "refuse:no-reboot-prod",
        ),
        (
            "ssh_shell",
            &web,
            "timeout 5s /sbin/reboot",
            "refuse:no-reboot-prod",
        ),
        (
            "ssh_shell",
            &web,
            "nice -n 5 reboot",
            "refuse:no-reboot-prod",
        ),
        ("ssh_shell", &web, "echo reboot", "ask"),
        ("ssh_shell", &stage, "reboot", "ask"),
        ("local_shell", &Target::Local, "reboot", "ask"),
    ];
    for (tool, target, command, want) in rows {
        let got = match screen(&g, tool, target, command) {
            Screen::Auto(rule) => format!("auto:{rule}"),
            Screen::Ask => "ask".into(),
            Screen::Refuse(reason) => format!("refuse:{reason}"),
        };
        let ok = match want.split_once(':') {
            Some((kind, name)) => {
                got.starts_with(kind) && got.contains(&format!("rule `{name}` (rules.toml:"))
            }
            None => got == *want,
        };
        assert!(
            ok,
            "{tool} on {target}: `{command}`: want {want}, got {got}"
        );
    }
}

#[test]
fn the_verdict_names_the_rule_and_its_line() {
    let g = gate(TEAM, Mode::Heal);
    assert_eq!(
        screen(&g, "local_shell", &Target::Local, "systemctl status nginx"),
        Screen::Auto("rule `systemctl-status` (rules.toml:2)".into())
    );
    assert_eq!(
        screen(&g, "local_shell", &Target::Local, "systemctl status mysql"),
        Screen::Refuse("forbidden by rule `no-status-mysql` (rules.toml:34): ask the DBA".into())
    );
}

#[test]
fn forbid_holds_over_an_approval_an_edit_and_the_confirm_word() {
    let mut g = gate(TEAM, Mode::Heal);
    let web = ssh("web01");
    for (confirm, remember) in [(None, false), (Some("yes"), false), (None, true)] {
        let ruling = g.approve_call(
            policy::classify("sudo reboot").class,
            Some("ssh_shell"),
            &web,
            "sudo reboot",
            confirm,
            remember,
        );
        assert_eq!(
            ruling,
            Ruling::Refuse(
                "forbidden by rule `no-reboot-prod` (rules.toml:25): never reboot prod from a console"
                    .into()
            )
        );
    }
    // An edit is approved through the same call with the edited command.
    assert!(matches!(
        g.approve_call(Class::ReadOnly, Some("local_shell"), &Target::Local, "systemctl status mysql", None, false),
        Ruling::Refuse(reason) if reason.contains("no-status-mysql")
    ));
    // Without the rule the same approvals run.
    let mut plain = Gate::new(Mode::Heal, false);
    assert_eq!(
        plain.approve_call(
            Class::Destructive,
            Some("ssh_shell"),
            &web,
            "reboot",
            Some("yes"),
            false
        ),
        Ruling::Run { note: None }
    );
}

#[test]
fn check_mode_still_refuses_what_an_allow_rule_would_run() {
    let g = gate(TEAM, Mode::Check);
    assert!(matches!(
        screen(&g, "ssh_shell", &ssh("web01"), "systemctl restart nginx"),
        Screen::Refuse(reason) if reason.contains("check mode")
    ));
    assert!(matches!(
        screen(&g, "local_shell", &Target::Local, "systemctl status nginx"),
        Screen::Auto(_)
    ));
}

#[test]
fn load_errors_are_one_line_with_file_line_rule_example_and_why() {
    // (rules text, what the error must contain)
    let rows: &[(&str, &[&str])] = &[
        (
            "\n[[rule]]\nname = \"s\"\naction = \"allow\"\nprefix = \"systemctl status\"\nmatch = [\"systemctl restart nginx\"]\n",
            &[
                "rules.toml:2",
                "rule `s`",
                "match example `systemctl restart nginx`",
                "not covered by the change prefix",
            ],
        ),
        (
            "[[rule]]\nname = \"s\"\naction = \"allow\"\nprefix = \"systemctl status\"\nmatch = [\"kubectl get pods\"]\n",
            &[
                "rules.toml:1",
                "rule `s`",
                "`kubectl get pods`",
                "not covered",
            ],
        ),
        (
            "[[rule]]\nname = \"s\"\naction = \"allow\"\nprefix = \"systemctl status\"\nmatch = [\"systemctl status x\"]\nnot_match = [\"systemctl status y\"]\n",
            &[
                "rule `s`",
                "not_match example `systemctl status y`",
                "matched",
            ],
        ),
        (
            "[[rule]]\nname = \"f\"\naction = \"forbid\"\nprefix = \"mkfs\"\nmatch = [\"mkfs.ext4 /dev/sda\"]\n",
            &[
                "rule `f`",
                "match example `mkfs.ext4 /dev/sda`",
                "does not start with `mkfs`",
            ],
        ),
        (
            "[[rule]]\nname = \"chain\"\naction = \"allow\"\nprefix = \"uptime\"\nmatch = [\"uptime && touch /tmp/x\"]\n",
            &["rule `chain`", "not a plain single command"],
        ),
        (
            "[[rule]]\nname = \"subst\"\naction = \"allow\"\nprefix = \"ls\"\nmatch = [\"ls $(cat /tmp/x)\"]\n",
            &["rule `subst`", "not a plain single command"],
        ),
        (
            "[[rule]]\nname = \"redir\"\naction = \"allow\"\nprefix = \"ls\"\nmatch = [\"ls > /tmp/x\"]\n",
            &["rule `redir`", "not a plain single command"],
        ),
        (
            "[[rule]]\nname = \"rm\"\naction = \"allow\"\nprefix = \"rm -rf /tmp/cache\"\nmatch = [\"rm -rf /tmp/cache\"]\n",
            &["rule `rm`", "destructive"],
        ),
        (
            "[[rule]]\nname = \"runner\"\naction = \"allow\"\nprefix = \"bash -c\"\nmatch = [\"bash -c uptime\"]\n",
            &["rule `runner`", "prefix `bash -c`", "allow refused"],
        ),
        (
            "[[rule]]\nname = \"bare\"\naction = \"allow\"\nprefix = \"uptime\"\n",
            &["rule `bare`", "at least one `match` example"],
        ),
        (
            "[[rule]]\nname = \"who\"\naction = \"forbid\"\nprefix = \"reboot\"\ntargets = [\"db99\"]\n",
            &["rule `who`", "target `db99`"],
        ),
        (
            "[[rule]]\nname = \"typo\"\naction = \"deny\"\nprefix = \"reboot\"\n",
            &["rules.toml:3"],
        ),
    ];
    for (text, wants) in rows {
        let err = match load(text) {
            Ok(_) => panic!("must not load:\n{text}"),
            Err(err) => err,
        };
        assert!(!err.contains('\n'), "one line: {err}");
        for want in *wants {
            assert!(err.contains(want), "`{want}` missing from: {err}");
        }
    }
}

#[test]
fn the_team_file_loads_and_keeps_the_class_of_its_examples() {
    let set = load(TEAM).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.rules.len(), 5);
    assert_eq!(set.rules[0].class, Class::ReadOnly);
    assert_eq!(set.rules[1].class, Class::Change);
}

#[test]
fn a_read_only_prefix_longer_than_program_and_subcommand_is_explained() {
    let err = load(
        "[[rule]]\nname = \"long\"\naction = \"allow\"\nprefix = \"systemctl status nginx\"\nmatch = [\"systemctl status nginx\"]\n",
    )
    .err()
    .unwrap_or_default();
    assert!(
        err.contains("not covered by the read-only prefix `systemctl status nginx` (its own prefix is `systemctl status`)"),
        "{err}"
    );
}
