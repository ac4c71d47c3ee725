//! The gate's decisions that let a call run without a person, each stated as the behaviour an
//! operator relies on: an ask rule is never overridden by auto-approve or a remembered prefix,
//! an allow rule never auto-runs a destructive call whatever made it destructive, a "for good"
//! approval writes only a scope the gate offered, and the texts an operator reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::llm::ToolCall;
use crate::session::edit::classify_call;
use crate::session::rules::PERSONAL_FILE;
use crate::tools::ToolRegistry;

fn tags() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        ("web01".to_string(), vec!["prod".into(), "web".into()]),
        ("stage01".to_string(), vec!["staging".into()]),
        ("db01".to_string(), vec!["db".into()]),
    ])
}

fn rules(text: &str) -> Arc<RuleSet> {
    let mut set = RuleSet::new(tags());
    set.add_text("rules.toml", text)
        .unwrap_or_else(|e| panic!("rules must load: {e}"));
    Arc::new(set)
}

fn web01() -> Target {
    Target::Ssh {
        host: "web01".into(),
    }
}

fn docker(container: &str) -> Target {
    Target::Docker {
        container: container.into(),
    }
}

const ASK_SSHD: &str = r#"
[[rule]]
name = "ask-sshd-status"
action = "ask"
prefix = "systemctl status sshd"
reason = "sshd is looked at by a person"
match = ["systemctl status sshd"]

[[rule]]
name = "ask-nginx-restart"
action = "ask"
prefix = "systemctl restart nginx"
match = ["systemctl restart nginx"]
"#;

#[test]
fn an_ask_rule_beats_auto_approve_read_only() {
    let command = "systemctl status sshd";
    assert_eq!(policy::classify(command).class, Class::ReadOnly);
    // Without the rule, auto-approve runs this read-only command...
    let plain = Gate::new(Mode::Heal, true);
    assert_eq!(
        plain.screen_call(
            Class::ReadOnly,
            Some("local_shell"),
            &Target::Local,
            command
        ),
        Screen::Auto("auto-approve read-only".into())
    );
    // ...with an ask rule covering it, a person is asked, on every target and tool.
    let gate = Gate::new(Mode::Heal, true).with_rules(rules(ASK_SSHD));
    for target in [Target::Local, web01(), docker("web")] {
        for tool in [Some("local_shell"), Some("remote_shell"), None] {
            assert_eq!(
                gate.screen_call(Class::ReadOnly, tool, &target, command),
                Screen::Ask,
                "{tool:?} on {target}"
            );
        }
    }
    // Read-only commands the rule does not cover are still auto-approved.
    assert!(matches!(
        gate.screen_call(
            Class::ReadOnly,
            Some("local_shell"),
            &Target::Local,
            "uptime"
        ),
        Screen::Auto(_)
    ));
}

#[test]
fn an_ask_rule_beats_a_remembered_prefix() {
    let command = "systemctl restart nginx";
    let class = policy::classify(command).class;
    assert_eq!(class, Class::Change);
    // Without the rule, the prefix approved earlier in the incident runs it again...
    let mut plain = Gate::new(Mode::Heal, false);
    assert_eq!(
        plain.approve(class, &web01(), command, None, true),
        Ruling::Run { note: None }
    );
    assert!(matches!(
        plain.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Auto(why) if why == "approved prefix `systemctl restart nginx` on ssh: web01"
    ));
    // ...with an ask rule covering it, every call is asked, the prefix notwithstanding.
    let mut gate = Gate::new(Mode::Heal, true).with_rules(rules(ASK_SSHD));
    assert_eq!(
        gate.approve(class, &web01(), command, None, true),
        Ruling::Run { note: None },
        "the operator's approval itself stands"
    );
    assert_eq!(gate.prefixes().len(), 1);
    assert_eq!(
        gate.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Ask
    );
    // A read-only prefix remembered for a command an ask rule covers asks too.
    let read = "systemctl status sshd";
    assert_eq!(
        gate.approve(Class::ReadOnly, &web01(), read, None, true),
        Ruling::Run { note: None }
    );
    assert_eq!(
        gate.screen_call(Class::ReadOnly, Some("remote_shell"), &web01(), read),
        Screen::Ask
    );
}

const ALLOW_DOCKER_AND_STATUS: &str = r#"
[[rule]]
name = "stop-web"
action = "allow"
prefix = "docker stop web"
targets = ["docker:web"]
match = ["docker stop web"]

[[rule]]
name = "restart-web"
action = "allow"
prefix = "docker restart web"
targets = ["docker:web"]
match = ["docker restart web"]

[[rule]]
name = "systemctl-status"
action = "allow"
prefix = "systemctl status"
match = ["systemctl status nginx"]
"#;

/// The repository's own tools.toml, watching the container `web`.
fn registry() -> ToolRegistry {
    let text = include_str!("../../tools.toml");
    let mut registry =
        ToolRegistry::parse(text, "tools.toml").unwrap_or_else(|e| panic!("tools.toml: {e}"));
    registry.set_watched_containers(vec!["web".into()]);
    registry
}

#[test]
fn an_allow_rule_never_auto_runs_a_call_tools_toml_makes_destructive() {
    let registry = registry();
    let call = |tool: &str| ToolCall {
        id: "c1".into(),
        name: tool.into(),
        arguments: r#"{"container":"web"}"#.into(),
    };
    let stop = registry
        .resolve(&call("docker_stop"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("resolve: {e}"));
    assert_eq!(stop.command, "docker stop web");
    assert_eq!(stop.target, docker("web"));
    // The text alone is a change the allow rule covers; tools.toml's floor makes it destructive.
    assert_eq!(policy::classify(&stop.command).class, Class::Change);
    let class = classify_call(&stop);
    assert_eq!(class.class, Class::Destructive);
    assert!(
        class
            .reason
            .starts_with("tools.toml declares docker_stop destructive"),
        "{}",
        class.reason
    );
    let gate = Gate::new(Mode::Heal, true).with_rules(rules(ALLOW_DOCKER_AND_STATUS));
    assert_eq!(
        gate.screen_call(
            class.class,
            Some("docker_stop"),
            &stop.target,
            &stop.command
        ),
        Screen::Ask,
        "a destructive call is asked (with the typed word), whatever an allow rule says"
    );
    // The same rule runs the restart, which tools.toml leaves a change.
    let restart = registry
        .resolve(&call("docker_restart"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("resolve: {e}"));
    assert_eq!(
        gate.screen_call(
            classify_call(&restart).class,
            Some("docker_restart"),
            &restart.target,
            &restart.command
        ),
        Screen::Auto("rule `restart-web` (rules.toml:9)".into())
    );
}

#[test]
fn an_allow_rule_never_auto_runs_a_destructive_class_whatever_its_source() {
    // However the gate came to receive `destructive` (a tool's floor, a structured tool's own
    // classification, an edit), text an allow rule covers is asked, even with auto-approve on
    // and the same text's prefix remembered.
    let mut gate = Gate::new(Mode::Heal, true).with_rules(rules(ALLOW_DOCKER_AND_STATUS));
    let command = "systemctl status nginx";
    assert!(matches!(
        gate.screen_call(Class::ReadOnly, Some("local_shell"), &Target::Local, command),
        Screen::Auto(rule) if rule.starts_with("rule `systemctl-status`")
    ));
    assert_eq!(
        gate.approve(Class::ReadOnly, &Target::Local, command, None, true),
        Ruling::Run { note: None }
    );
    for tool in [Some("local_shell"), Some("service_status"), None] {
        assert_eq!(
            gate.screen_call(Class::Destructive, tool, &Target::Local, command),
            Screen::Ask,
            "{tool:?}"
        );
    }
    assert_eq!(
        gate.screen_call(
            Class::Destructive,
            Some("docker_stop"),
            &docker("web"),
            "docker stop web"
        ),
        Screen::Ask
    );
}

/// A gate whose rules live in a config dir, so "for good" rules can be written there.
fn gate_with_personal_file(dir: &std::path::Path) -> Gate {
    let set = RuleSet::load(dir, &[], tags()).unwrap_or_else(|e| panic!("load: {e}"));
    Gate::new(Mode::Heal, false).with_rules(Arc::new(set))
}

#[test]
fn approve_for_good_writes_only_a_scope_the_gate_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gate = gate_with_personal_file(dir.path());
    let command = "systemctl restart nginx";
    let class = policy::classify(command).class;
    let offered = gate.scopes(class, "remote_shell", &web01(), command);
    let host = |h: &str| RuleScope::Host { host: h.into() };
    let tag = |t: &str| RuleScope::Tag { tag: t.into() };
    assert_eq!(
        offered,
        vec![RuleScope::Incident, host("web01"), tag("prod"), tag("web")]
    );
    // Scopes the call was not offered on web01: another host's, another tag's, the incident
    // (remembered, never written) and a container's. Each would load as a personal rule.
    for scope in [
        host("stage01"),
        tag("db"),
        tag("staging"),
        host("local"),
        host("docker:web"),
    ] {
        assert!(
            gate.rules
                .personal_rule_text(&scope, "remote_shell", command)
                .is_ok(),
            "{scope:?} is a rule the file would take"
        );
        assert_eq!(
            gate.approve_for_good(class, "remote_shell", &web01(), command, &scope),
            Err(Ruling::AskAgain(format!(
                "`{}` is not offered for this command: approve it once or for this incident",
                scope.label()
            ))),
            "{scope:?}"
        );
    }
    assert_eq!(
        gate.approve_for_good(
            class,
            "remote_shell",
            &web01(),
            command,
            &RuleScope::Incident
        ),
        Err(Ruling::AskAgain(
            "`this incident` is not offered for this command: approve it once or for this \
             incident"
                .into()
        ))
    );
    assert!(
        !dir.path().join(PERSONAL_FILE).exists(),
        "nothing was written"
    );
    assert!(gate.rules.all().is_empty());
    assert_eq!(
        gate.screen_call(
            class,
            Some("remote_shell"),
            &host_target("stage01"),
            command
        ),
        Screen::Ask
    );
    // An offered scope is written, and covers that host from the next call on.
    let rule = gate
        .approve_for_good(class, "remote_shell", &web01(), command, &host("web01"))
        .unwrap_or_else(|e| panic!("offered scope refused: {e:?}"));
    assert_eq!(rule.targets, vec!["web01".to_string()]);
    let written = std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("written");
    assert!(written.contains("targets = [\"web01\"]"), "{written}");
    assert!(matches!(
        gate.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Auto(_)
    ));
    assert_eq!(
        gate.screen_call(
            class,
            Some("remote_shell"),
            &host_target("stage01"),
            command
        ),
        Screen::Ask
    );
}

fn host_target(host: &str) -> Target {
    Target::Ssh { host: host.into() }
}

#[test]
fn approve_for_good_refuses_and_asks_like_a_plain_approval_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[rule]]\nname = \"no-restart\"\naction = \"forbid\"\nprefix = \"systemctl restart\"\n\
         reason = \"restarts go through the change board\"\nmatch = [\"systemctl restart x\"]\n",
    )
    .expect("rules");
    let mut gate = gate_with_personal_file(dir.path());
    let command = "systemctl restart nginx";
    assert_eq!(
        gate.approve_for_good(
            Class::Change,
            "remote_shell",
            &web01(),
            command,
            &RuleScope::Host {
                host: "web01".into()
            }
        ),
        Err(Ruling::Refuse(
            "forbidden by rule `no-restart` (rules.toml:1): restarts go through the change board"
                .into()
        ))
    );
    // Check mode refuses a change for good as it refuses it once.
    let mut check = Gate::new(Mode::Check, false).with_rules(Arc::clone(&gate.rules));
    assert!(matches!(
        check.approve_for_good(
            Class::Change,
            "remote_shell",
            &web01(),
            "touch /tmp/x",
            &RuleScope::Host {
                host: "web01".into()
            }
        ),
        Err(Ruling::Refuse(reason)) if reason.contains("check mode")
    ));
    assert!(!dir.path().join(PERSONAL_FILE).exists());
}

#[test]
fn the_scopes_offered_follow_the_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = gate_with_personal_file(dir.path());
    let command = "systemctl restart nginx";
    let host = |h: &str| RuleScope::Host { host: h.into() };
    assert_eq!(
        gate.scopes(Class::Change, "local_shell", &Target::Local, command),
        vec![RuleScope::Incident, host("local")]
    );
    assert_eq!(
        gate.scopes(Class::Change, "docker_restart", &docker("web"), command),
        vec![RuleScope::Incident, host("docker:web")]
    );
    assert_eq!(
        gate.scopes(Class::Change, "remote_shell", &host_target("db01"), command),
        vec![
            RuleScope::Incident,
            host("db01"),
            RuleScope::Tag { tag: "db".into() }
        ]
    );
    // Nothing for a destructive call or one no prefix describes.
    assert!(
        gate.scopes(
            Class::Destructive,
            "remote_shell",
            &web01(),
            "rm -rf /tmp/x"
        )
        .is_empty()
    );
    assert!(
        gate.scopes(
            Class::Change,
            "remote_shell",
            &web01(),
            "uptime; touch /tmp/x"
        )
        .is_empty()
    );
    // Without a config dir nothing can be written: only the incident.
    let bare = Gate::new(Mode::Heal, false);
    assert_eq!(
        bare.scopes(Class::Change, "local_shell", &Target::Local, command),
        vec![RuleScope::Incident]
    );
}

#[test]
fn the_refusals_say_what_the_operator_and_model_read() {
    let gate = Gate::new(Mode::Heal, false).with_rules(rules(
        r#"
[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
reason = "  never from a console  "
match = ["reboot"]

[[rule]]
name = "no-halt"
action = "forbid"
prefix = "halt"
reason = "   "
match = ["halt"]
"#,
    ));
    assert_eq!(
        gate.screen(Class::Destructive, &Target::Local, "reboot"),
        Screen::Refuse("forbidden by rule `no-reboot` (rules.toml:2): never from a console".into())
    );
    assert_eq!(
        gate.screen(Class::Destructive, &Target::Local, "halt"),
        Screen::Refuse("forbidden by rule `no-halt` (rules.toml:9)".into())
    );
    let check = Gate::new(Mode::Check, false);
    assert_eq!(
        check.screen(Class::Change, &Target::Local, "touch /tmp/x"),
        Screen::Refuse(
            "refused: the session is in check mode (diagnose only) and this command is \
             classified `change`; only read-only commands may run. Propose a read-only \
             command, or hand back to the operator with your recommendation."
                .into()
        )
    );
    assert!(matches!(
        check.screen(Class::Destructive, &Target::Local, "rm -rf /tmp/x"),
        Screen::Refuse(reason) if reason.contains("classified `destructive`")
    ));
}

#[test]
fn a_forbid_rule_refuses_before_the_mode_and_every_approval() {
    let mut gate = Gate::new(Mode::Check, true).with_rules(rules(
        "[[rule]]\nname = \"no-df\"\naction = \"forbid\"\nprefix = \"df\"\nmatch = [\"df -h\"]\n",
    ));
    // A read-only command check mode would run, auto-approved, is refused by the rule.
    let refusal = "forbidden by rule `no-df` (rules.toml:1)".to_string();
    assert_eq!(
        gate.screen(Class::ReadOnly, &Target::Local, "df -h"),
        Screen::Refuse(refusal.clone())
    );
    for (confirm, remember) in [(None, false), (Some("yes"), false), (None, true)] {
        assert_eq!(
            gate.approve(Class::ReadOnly, &Target::Local, "df -h", confirm, remember),
            Ruling::Refuse(refusal.clone())
        );
    }
    assert!(gate.prefixes().is_empty());
}

#[test]
fn a_remembered_prefix_is_kept_once_and_never_covers_a_destructive_call() {
    let mut gate = Gate::new(Mode::Heal, false);
    let command = "systemctl restart nginx";
    for _ in 0..2 {
        assert_eq!(
            gate.approve(Class::Change, &Target::Local, command, None, true),
            Ruling::Run { note: None }
        );
    }
    assert_eq!(gate.prefixes().len(), 1, "approved twice, remembered once");
    assert_eq!(
        gate.screen(Class::Destructive, &Target::Local, command),
        Screen::Ask
    );
    assert_eq!(
        gate.screen(Class::Change, &Target::Local, command),
        Screen::Auto("approved prefix `systemctl restart nginx` on local".into())
    );
}

const ASK_RESTART_WEB: &str = r#"
[[rule]]
name = "ask-restart-web"
action = "ask"
prefix = "docker restart web"
targets = ["docker:web"]
match = ["docker restart web"]
"#;

#[test]
fn a_standing_approval_runs_a_change_under_its_own_name_unless_a_rule_or_the_class_says_ask() {
    let command = "docker restart web";
    let gate = Gate::new(Mode::Heal, false);
    // No rule, a change: the standing approval (auto_restart) runs it, named.
    assert_eq!(
        gate.screen_standing(
            Class::Change,
            Some("docker_restart"),
            &docker("web"),
            command,
            "auto_restart"
        ),
        Screen::Auto("auto_restart".into())
    );
    // A destructive class always needs a person.
    assert_eq!(
        gate.screen_standing(
            Class::Destructive,
            Some("docker_restart"),
            &docker("web"),
            command,
            "auto_restart"
        ),
        Screen::Ask
    );
    // An ask rule on that container needs a person; on another container it does not apply.
    let asked = Gate::new(Mode::Heal, false).with_rules(rules(ASK_RESTART_WEB));
    assert_eq!(
        asked.screen_standing(
            Class::Change,
            Some("docker_restart"),
            &docker("web"),
            command,
            "auto_restart"
        ),
        Screen::Ask
    );
    assert_eq!(
        asked.screen_standing(
            Class::Change,
            Some("docker_restart"),
            &docker("db"),
            "docker restart db",
            "auto_restart"
        ),
        Screen::Auto("auto_restart".into())
    );
    // Check mode refuses it as it would a model's call.
    let check = Gate::new(Mode::Check, false);
    assert!(matches!(
        check.screen_standing(
            Class::Change,
            Some("docker_restart"),
            &docker("web"),
            command,
            "auto_restart"
        ),
        Screen::Refuse(_)
    ));
}

#[test]
fn a_remembered_prefix_is_restored_once_and_forgotten_only_where_it_was_remembered() {
    let command = "systemctl restart nginx";
    let class = policy::classify(command).class;
    let prefix = policy::approval_prefix_for(command).unwrap_or_else(|| panic!("a prefix"));
    let mut gate = Gate::new(Mode::Heal, false);
    assert_eq!(
        gate.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Ask
    );
    gate.restore_prefix(web01(), prefix.clone());
    gate.restore_prefix(web01(), prefix.clone());
    assert_eq!(gate.prefixes().len(), 1, "restored once");
    assert!(matches!(
        gate.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Auto(_)
    ));
    // Another target or another prefix text: nothing is forgotten.
    assert!(!gate.forget_prefix(&docker("web"), &prefix.text));
    assert!(!gate.forget_prefix(&web01(), "systemctl restart"));
    assert_eq!(gate.prefixes().len(), 1);
    // The remembered one: forgotten, and the call is asked again.
    assert!(gate.forget_prefix(&web01(), &prefix.text));
    assert!(gate.prefixes().is_empty());
    assert!(
        !gate.forget_prefix(&web01(), &prefix.text),
        "already forgotten"
    );
    assert_eq!(
        gate.screen_call(class, Some("remote_shell"), &web01(), command),
        Screen::Ask
    );
}
