//! Which rules match a call, stated as what an operator relies on: a `docker:X` target applies
//! to container X and only X; a forbid holds on commands the text scan alone can see (inside
//! interpreter strings, past wrappers, into nested shells); a command whose name is computed
//! at run time is asked when a forbid applies; the first rule of the highest action wins.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Action, RuleSet};
use crate::policy::{self, Class};
use crate::protocol::{Mode, Target};
use crate::session::gate::{Gate, Screen};

fn tags() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([("web01".to_string(), vec!["prod".to_string()])])
}

fn set(text: &str) -> RuleSet {
    let mut set = RuleSet::new(tags());
    set.add_text("rules.toml", text)
        .unwrap_or_else(|e| panic!("rules must load: {e}"));
    set
}

fn docker(container: &str) -> Target {
    Target::Docker {
        container: container.into(),
    }
}

fn ssh(host: &str) -> Target {
    Target::Ssh { host: host.into() }
}

/// The action of the winning rule and its name, as `forbid:name`, or `none`.
fn winner(set: &RuleSet, tool: Option<&str>, target: &Target, command: &str) -> String {
    match set.evaluate(tool, target, command).winner {
        Some(hit) => format!("{}:{}", hit.action.as_str(), hit.label),
        None => "none".into(),
    }
}

const DOCKER_RULES: &str = r#"
[[rule]]
name = "restart-web"
action = "allow"
prefix = "docker restart web"
targets = ["docker:web"]
match = ["docker restart web"]

[[rule]]
name = "no-stop-db"
action = "forbid"
prefix = "docker stop"
targets = ["docker:db"]
reason = "the database container stays up"
match = ["docker stop db"]

[[rule]]
name = "ask-logs-cache"
action = "ask"
prefix = "docker logs"
targets = ["docker:cache", "local"]
match = ["docker logs cache"]
"#;

#[test]
fn a_docker_target_applies_to_that_container_and_only_that_one() {
    let rules = set(DOCKER_RULES);
    let gate = Gate::new(Mode::Heal, false).with_rules(Arc::new(rules.clone()));
    let screen = |tool: &str, target: &Target, command: &str| {
        gate.screen_call(policy::classify(command).class, Some(tool), target, command)
    };
    // The allow rule for docker:web runs the restart on web...
    assert_eq!(
        screen("docker_restart", &docker("web"), "docker restart web"),
        Screen::Auto("rule `restart-web` (rules.toml:2)".into())
    );
    // ...and on no other container, nor locally, nor on an ssh host: those are asked.
    for target in [
        docker("db"),
        docker("webapp"),
        docker("we"),
        Target::Local,
        ssh("web01"),
    ] {
        assert_eq!(
            screen("docker_restart", &target, "docker restart web"),
            Screen::Ask,
            "{target}"
        );
    }
    // The forbid for docker:db refuses on db only.
    assert_eq!(
        screen("docker_stop", &docker("db"), "docker stop db"),
        Screen::Refuse(
            "forbidden by rule `no-stop-db` (rules.toml:9): the database container stays up".into()
        )
    );
    for target in [docker("web"), docker("db2"), Target::Local] {
        assert_eq!(
            winner(&rules, Some("docker_stop"), &target, "docker stop db"),
            "none",
            "{target}"
        );
    }
    // A rule listing a container and `local` applies to both, to nothing else.
    for target in [docker("cache"), Target::Local] {
        assert_eq!(
            winner(&rules, Some("docker_logs"), &target, "docker logs cache"),
            "ask:rule `ask-logs-cache` (rules.toml:17)",
            "{target}"
        );
    }
    for target in [docker("web"), docker("local"), ssh("web01")] {
        assert_eq!(
            winner(&rules, Some("docker_logs"), &target, "docker logs cache"),
            "none",
            "{target}"
        );
    }
}

#[test]
fn a_host_or_tag_target_never_applies_to_a_container_of_the_same_name() {
    let rules = set(r#"
[[rule]]
name = "no-reboot-prod"
action = "forbid"
prefix = "reboot"
targets = ["tag:prod", "web01"]
match = ["reboot"]
"#);
    assert_eq!(
        winner(&rules, None, &ssh("web01"), "reboot"),
        "forbid:rule `no-reboot-prod` (rules.toml:2)"
    );
    for target in [docker("web01"), docker("prod"), Target::Local] {
        assert_eq!(winner(&rules, None, &target, "reboot"), "none", "{target}");
    }
}

const NO_REBOOT: &str = r#"
[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
reason = "never from a console"
match = ["reboot"]

[[rule]]
name = "no-systemctl-stop"
action = "forbid"
prefix = "systemctl stop"
match = ["systemctl stop nginx"]
"#;

#[test]
fn a_forbid_holds_inside_interpreter_strings() {
    // The classifier does not read a program's source; the rule's text scan finds the
    // command it hands to the system.
    let rules = set(NO_REBOOT);
    let gate = Gate::new(Mode::Heal, true).with_rules(Arc::new(rules.clone()));
    for command in [
        r#"python3 -c 'import os; os.system("reboot")'"#,
        r#"perl -e 'system("reboot")'"#,
        r#"awk 'BEGIN{system("reboot")}'"#,
        r#"ruby -e 'system("reboot")'"#,
        r#"node -e 'require("child_process").execSync("reboot")'"#,
        r#"python3 -c 'import os; os.system("/sbin/reboot")'"#,
    ] {
        assert_eq!(
            gate.screen_call(
                policy::classify(command).class,
                Some("local_shell"),
                &Target::Local,
                command
            ),
            Screen::Refuse(
                "forbidden by rule `no-reboot` (rules.toml:2): never from a console".into()
            ),
            "{command}"
        );
    }
}

#[test]
fn inside_interpreter_strings_a_forbid_sees_past_wrappers_and_nested_shells() {
    let rules = set(NO_REBOOT);
    let forbid = "forbid:rule `no-reboot` (rules.toml:2)";
    for command in [
        r#"python3 -c 'import os; os.system("sudo reboot")'"#,
        r#"python3 -c 'import os; os.system("sudo -n reboot")'"#,
        r#"perl -e 'system("FORCE=1 reboot")'"#,
        r#"perl -e 'system("LC_ALL=C reboot")'"#,
        r#"perl -e 'system("env FORCE=1 TERM=dumb reboot")'"#,
        r#"perl -e 'system("nice -n 5 reboot")'"#,
        r#"perl -e 'system("timeout 5s reboot")'"#,
        r#"perl -e 'system("sudo timeout 30 /usr/sbin/reboot")'"#,
        r#"perl -e 'system("sh -c reboot")'"#,
        r#"perl -e 'system("bash -lc \"reboot now\"")'"#,
        r#"perl -e 'system("sudo sh -c \"bash -c reboot\"")'"#,
        r#"ruby -e 'system("nohup setsid reboot")'"#,
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            forbid,
            "{command}"
        );
    }
    // A multi-word prefix needs all its words, in order, at the start of the command.
    let stop = "forbid:rule `no-systemctl-stop` (rules.toml:9)";
    for command in [
        r#"perl -e 'system("systemctl stop nginx")'"#,
        r#"perl -e 'system("sudo systemctl stop")'"#,
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            stop,
            "{command}"
        );
    }
    for command in [
        r#"perl -e 'system("systemctl status nginx")'"#,
        r#"perl -e 'system("systemctl")'"#,
        r#"perl -e 'system("systemctl nginx stop")'"#,
        r#"python3 -c 'print("rebooting is for later")'"#,
        r#"perl -e 'system("logger reboot")'"#,
        r#"perl -e 'system("sh -x reboot.log")'"#,
        r#"perl -e 'system("5 reboot")'"#,
        // A shell given a script (no `-c`) runs that script, with `reboot` as an argument.
        r#"perl -e 'system("bash check reboot")'"#,
        // Not an assignment (a name has no `-`): the shell runs a command named `a-b=1`.
        r#"perl -e 'system("a-b=1 reboot")'"#,
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            "none",
            "{command}"
        );
    }
}

#[test]
fn a_forbid_refuses_the_command_wherever_it_starts_in_the_line() {
    let rules = set(NO_REBOOT);
    let forbid = "forbid:rule `no-reboot` (rules.toml:2)";
    for command in [
        "reboot",
        "uptime; reboot",
        "uptime && reboot",
        "uptime || reboot",
        "uptime | reboot",
        "uptime & reboot",
        "(reboot)",
        "{ reboot; }",
        "echo `reboot`",
        "uptime\nreboot",
        "sudo reboot",
        "env A=1 reboot",
        "nice -n 5 reboot",
        "sh -c 'reboot'",
        "bash -c 'sudo reboot now'",
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            forbid,
            "{command:?}"
        );
    }
    // A multi-word prefix the same way, through the classifier's reading of the runner.
    let stop = "forbid:rule `no-systemctl-stop` (rules.toml:9)";
    assert_eq!(
        winner(
            &rules,
            Some("local_shell"),
            &Target::Local,
            "timeout -s KILL 5 systemctl stop nginx"
        ),
        stop
    );
    for command in [
        "timeout -s KILL 5 systemctl status nginx",
        "timeout -s KILL 5 systemctl",
        "timeout -s KILL 5 /usr/bin/systemctl nginx stop",
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            "none",
            "{command:?}"
        );
    }
    // Where the words alone do not show it, the classifier's reading of the runner does.
    for command in [
        "timeout -s KILL 5 reboot",
        "find /tmp -maxdepth 0 -exec reboot \\;",
        "uptime | sudo -u root timeout -k 5 10 reboot",
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            forbid,
            "{command:?}"
        );
    }
    for command in [
        "echo reboot",
        "grep reboot /var/log/syslog",
        "rebooted",
        "uptime",
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            "none",
            "{command:?}"
        );
    }
}

#[test]
fn a_computed_command_name_is_asked_when_a_forbid_applies() {
    let rules = set(r#"
[[rule]]
name = "no-reboot-prod"
action = "forbid"
prefix = "reboot"
targets = ["tag:prod"]
match = ["reboot"]
"#);
    let outcome = rules.evaluate(Some("remote_shell"), &ssh("web01"), "$(echo reboot)");
    let hit = outcome.winner.expect("asked");
    assert_eq!(hit.action, Action::Ask);
    // An interpreter that builds its command from a variable hides it the same way.
    let built = "python3 -c 'import os; cmd = input(); os.system(cmd)'";
    let outcome = rules.evaluate(Some("remote_shell"), &ssh("web01"), built);
    assert_eq!(
        outcome.winner.map(|h| h.action),
        Some(Action::Ask),
        "a command built at run time is asked under a forbid"
    );
    assert_eq!(hit.label, "rule `no-reboot-prod` (rules.toml:2)");
    assert_eq!(
        hit.reason,
        "the command's name is computed at run time (`$(…)`, backticks or a variable), so \
         this forbid rule cannot see what it runs: asked"
    );
    // Where the forbid does not apply, or the name is plain, nothing is added.
    assert_eq!(
        winner(
            &rules,
            Some("remote_shell"),
            &ssh("stage01"),
            "$(echo reboot)"
        ),
        "none"
    );
    assert_eq!(
        winner(&rules, Some("remote_shell"), &ssh("web01"), "uptime"),
        "none"
    );
    // A forbid that matches is not weakened into an ask.
    assert_eq!(
        winner(
            &rules,
            Some("remote_shell"),
            &ssh("web01"),
            "reboot; $(echo x)"
        ),
        "forbid:rule `no-reboot-prod` (rules.toml:2)"
    );
}

#[test]
fn the_first_rule_of_the_highest_action_wins() {
    let rules = set(r#"
[[rule]]
name = "allow-status"
action = "allow"
prefix = "systemctl status"
match = ["systemctl status nginx"]

[[rule]]
name = "ask-status-1"
action = "ask"
prefix = "systemctl status"
match = ["systemctl status nginx"]

[[rule]]
name = "ask-status-2"
action = "ask"
prefix = "systemctl status nginx"
match = ["systemctl status nginx"]
"#);
    let outcome = rules.evaluate(
        Some("local_shell"),
        &Target::Local,
        "systemctl status nginx",
    );
    let names: Vec<&str> = outcome.hits.iter().map(|h| h.label.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "rule `allow-status` (rules.toml:2)",
            "rule `ask-status-1` (rules.toml:8)",
            "rule `ask-status-2` (rules.toml:14)",
        ]
    );
    assert_eq!(
        outcome.winner.map(|h| h.label),
        Some("rule `ask-status-1` (rules.toml:8)".to_string())
    );
}

#[test]
fn a_rule_scoped_to_tools_applies_to_those_tools_and_unknown_tools_only_for_forbid_and_ask() {
    let rules = set(r#"
[[rule]]
name = "allow-df"
action = "allow"
prefix = "df"
tools = ["local_shell"]
match = ["df -h"]

[[rule]]
name = "ask-du"
action = "ask"
prefix = "du"
tools = ["local_shell"]
match = ["du -sh /var"]
"#);
    assert_eq!(
        winner(&rules, Some("local_shell"), &Target::Local, "df -h"),
        "allow:rule `allow-df` (rules.toml:2)"
    );
    assert_eq!(
        winner(&rules, Some("disk_usage"), &Target::Local, "df -h"),
        "none"
    );
    assert_eq!(winner(&rules, None, &Target::Local, "df -h"), "none");
    assert_eq!(
        winner(&rules, None, &Target::Local, "du -sh /var"),
        "ask:rule `ask-du` (rules.toml:9)"
    );
    assert_eq!(
        winner(&rules, Some("remote_shell"), &Target::Local, "du -sh /var"),
        "none"
    );
}

#[test]
fn an_allow_rule_covers_only_what_its_class_and_prefix_allow() {
    let rules = set(r#"
[[rule]]
name = "allow-status"
action = "allow"
prefix = "systemctl status"
match = ["systemctl status nginx"]
"#);
    assert_eq!(rules.rules[0].class, Class::ReadOnly);
    for command in [
        "systemctl status nginx; reboot",
        "sudo systemctl status nginx",
        "systemctl status nginx > /tmp/x",
        "systemctl restart nginx",
        "echo systemctl status nginx",
    ] {
        assert_eq!(
            winner(&rules, Some("local_shell"), &Target::Local, command),
            "none",
            "{command}"
        );
    }
}

#[test]
fn a_computed_command_name_is_asked_in_the_name_of_the_forbid_and_only_under_one() {
    // An allow rule listed first that applies too: the ask still names the forbid.
    let rules = set(r#"
[[rule]]
name = "echo-ok"
action = "allow"
prefix = "echo"
match = ["echo hi"]

[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
match = ["reboot"]
"#);
    assert_eq!(
        winner(
            &rules,
            Some("local_shell"),
            &Target::Local,
            "$(echo reboot)"
        ),
        "ask:rule `no-reboot` (rules.toml:8)"
    );
    // Without a forbid rule, a computed name adds nothing: allow and ask rules alone never
    // turn into an ask about what they cannot see.
    let rules = set(r#"
[[rule]]
name = "echo-ok"
action = "allow"
prefix = "echo"
match = ["echo hi"]
"#);
    assert_eq!(
        winner(
            &rules,
            Some("local_shell"),
            &Target::Local,
            "$(echo reboot)"
        ),
        "none"
    );
}

#[test]
fn a_rule_whose_not_match_examples_it_does_not_cover_loads() {
    // `not_match` examples are checked against the prefix: ones it does not cover load, one
    // it covers is refused with the example named.
    let mut ok = RuleSet::new(tags());
    ok.add_text(
        "rules.toml",
        r#"
[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
match = ["reboot", "sudo reboot"]
not_match = ["uptime", "echo rebooting later"]
"#,
    )
    .unwrap_or_else(|e| panic!("a rule with honest examples must load: {e}"));
    assert_eq!(ok.all().len(), 1);
    let mut bad = RuleSet::new(tags());
    let err = bad
        .add_text(
            "rules.toml",
            r#"
[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
not_match = ["sudo reboot now"]
"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("not_match example `sudo reboot now` is matched by the prefix `reboot`"),
        "{err}"
    );
}

#[test]
fn a_forbid_holds_inside_the_strings_of_languages_the_classifier_does_not_read() {
    // The classifier unwraps sh, python, perl, ruby, node, php and awk; for any other
    // language the rule's own text scan finds the command handed to the system.
    let rules = set(NO_REBOOT);
    for command in [
        r#"Rscript -e 'system("reboot")'"#,
        r#"lua -e 'os.execute("reboot")'"#,
        r#"tclsh <<< 'exec reboot'"#,
    ] {
        let outcome = rules.evaluate(Some("local_shell"), &Target::Local, command);
        assert_eq!(
            outcome.winner.map(|h| h.action),
            Some(Action::Forbid),
            "{command}"
        );
    }
}

#[test]
fn a_forbid_that_cannot_see_a_computed_name_says_so_even_when_another_rule_asks() {
    // `policy explain` and the approval panel list every rule that spoke: the forbid's "cannot
    // see what it runs" is there beside the ask rule that matched the plain part.
    let rules = set(r#"
[[rule]]
name = "ask-echo"
action = "ask"
prefix = "echo"
match = ["echo hi"]

[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
match = ["reboot"]
"#);
    let outcome = rules.evaluate(
        Some("local_shell"),
        &Target::Local,
        "echo start; $(cat /tmp/next-command)",
    );
    let spoke: Vec<String> = outcome
        .hits
        .iter()
        .map(|h| format!("{}:{}", h.action.as_str(), h.label))
        .collect();
    assert_eq!(
        spoke,
        vec![
            "ask:rule `ask-echo` (rules.toml:2)".to_string(),
            "ask:rule `no-reboot` (rules.toml:8)".to_string(),
        ]
    );
}

#[test]
fn in_strings_only_the_scan_reads_a_forbid_sees_past_assignments_wrapper_options_and_shells() {
    let rules = set(NO_REBOOT);
    let action = |command: &str| {
        rules
            .evaluate(Some("local_shell"), &Target::Local, command)
            .winner
            .map(|h| h.action)
    };
    // Lua strings are read by the rule's text scan alone (the classifier does not unwrap Lua).
    let six_shells = r#"lua -e 'os.execute("sh -c bash -c dash -c sh -c sh -c sh -c reboot")'"#;
    for command in [
        r#"lua -e 'os.execute("LC_ALL=C reboot")'"#,
        r#"lua -e 'os.execute("A1_B=2 C=3 reboot")'"#,
        r#"lua -e 'os.execute("sudo -n reboot")'"#,
        r#"lua -e 'os.execute("timeout 5 reboot")'"#,
        r#"lua -e 'os.execute("nice -n 5 sudo -E reboot")'"#,
        r#"lua -e 'os.execute("sh -c reboot")'"#,
        r#"lua -e 'os.execute("sudo sh -c reboot")'"#,
        six_shells,
    ] {
        assert_eq!(action(command), Some(Action::Forbid), "{command}");
    }
    // What is not the command: an option or a number of a command that is not a wrapper, a
    // word that only looks like an assignment, the text after `sh` without `-c`.
    for command in [
        r#"lua -e 'os.execute("echo -n reboot")'"#,
        r#"lua -e 'os.execute("echo 5 reboot")'"#,
        r#"lua -e 'os.execute("=x reboot")'"#,
        r#"lua -e 'os.execute("a-b=1 reboot")'"#,
        r#"lua -e 'os.execute("sh reboot")'"#,
    ] {
        assert_eq!(action(command), None, "{command}");
    }
}
