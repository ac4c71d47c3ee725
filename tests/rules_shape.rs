//! Issue 26 items 1 and 2, issue 31 item 2: rules match what runs, not words at positions.
//! A forbid or ask rule holds through options before the subcommand, the tool's own aliases
//! and case rules, brace and glob words, deferred runners (`at`, `batch`, `crontab -`),
//! detached runners (`tmux`, `screen`, `setsid -f`, `nohup … &`, `systemd-run`), a script
//! written then run on the same line, and interpreter one-liners that call a command with a
//! literal. A program that builds its command from variables is at least `change`, asked
//! under a forbid rule and never covered by an allow rule.

use std::collections::BTreeMap;
use std::sync::Arc;

use opsassist::policy::{self, Class};
use opsassist::protocol::{Mode, Target};
use opsassist::session::gate::{Gate, Screen};
use opsassist::session::rules::RuleSet;

const RULES: &str = r#"
[[rule]]
name = "no-reboot"
action = "forbid"
prefix = "reboot"
match = ["reboot"]

[[rule]]
name = "no-kubectl-delete"
action = "forbid"
prefix = "kubectl delete"
match = ["kubectl delete pod x"]

[[rule]]
name = "no-systemctl-stop"
action = "forbid"
prefix = "systemctl stop"
match = ["systemctl stop nginx"]

[[rule]]
name = "no-docker-rm"
action = "forbid"
prefix = "docker rm"
match = ["docker rm x"]

[[rule]]
name = "no-redis-flushall"
action = "forbid"
prefix = "redis-cli flushall"
match = ["redis-cli flushall"]

[[rule]]
name = "ask-secrets"
action = "ask"
prefix = "kubectl get secrets"
match = ["kubectl get secrets"]

[[rule]]
name = "ask-journal"
action = "ask"
prefix = "journalctl"
match = ["journalctl -n 5"]

[[rule]]
name = "allow-echo"
action = "allow"
prefix = "echo"
match = ["echo hi"]
"#;

fn gate() -> Gate {
    let mut set = RuleSet::new(BTreeMap::new());
    if let Err(e) = set.add_text("rules.toml", RULES) {
        panic!("rules must load: {e}");
    }
    // Auto-approve read-only is on: an ask rule must still ask.
    Gate::new(Mode::Heal, true).with_rules(Arc::new(set))
}

fn decide(gate: &Gate, command: &str) -> String {
    let class = policy::classify(command).class;
    match gate.screen_call(class, Some("local_shell"), &Target::Local, command) {
        Screen::Auto(rule) => format!("auto:{rule}"),
        Screen::Ask => "ask".into(),
        Screen::Refuse(reason) => format!("refuse:{reason}"),
    }
}

fn check(rows: &[(&str, &str)]) {
    let g = gate();
    let mut failures = Vec::new();
    for (command, want) in rows {
        let got = decide(&g, command);
        let ok = match want.split_once(':') {
            Some(("refuse", rule)) => {
                got.starts_with("refuse:") && got.contains(&format!("rule `{rule}`"))
            }
            _ => got == *want,
        };
        if !ok {
            failures.push(format!("`{command}`: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn options_before_the_subcommand_never_escape_a_rule() {
    check(&[
        ("kubectl -n prod delete pod x", "refuse:no-kubectl-delete"),
        (
            "kubectl --context X delete pod x",
            "refuse:no-kubectl-delete",
        ),
        (
            "kubectl --namespace=X delete pod x",
            "refuse:no-kubectl-delete",
        ),
        ("kubectl -v 1 delete pod x", "refuse:no-kubectl-delete"),
        (
            "kubectl --kubeconfig F delete pod x",
            "refuse:no-kubectl-delete",
        ),
        (
            "kubectl --request-timeout 5s delete po/x",
            "refuse:no-kubectl-delete",
        ),
        (
            "systemctl --no-block stop nginx",
            "refuse:no-systemctl-stop",
        ),
        ("systemctl -q stop nginx", "refuse:no-systemctl-stop"),
        ("systemctl --now stop nginx", "refuse:no-systemctl-stop"),
        ("systemctl -T stop nginx", "refuse:no-systemctl-stop"),
        (
            "systemctl --job-mode=replace stop nginx",
            "refuse:no-systemctl-stop",
        ),
        (
            "systemctl --job-mode replace stop nginx",
            "refuse:no-systemctl-stop",
        ),
        ("systemctl -- stop nginx", "refuse:no-systemctl-stop"),
        (
            "sudo systemctl -H prod stop nginx",
            "refuse:no-systemctl-stop",
        ),
        ("redis-cli -d X flushall", "refuse:no-redis-flushall"),
        (
            "redis-cli -h db -p 6380 flushall",
            "refuse:no-redis-flushall",
        ),
        ("docker -H ssh://x rm c1", "refuse:no-docker-rm"),
        // What is not the forbidden subcommand still is not.
        ("kubectl -n delete get pods", "auto:auto-approve read-only"),
        (
            "systemctl --no-pager status stop",
            "auto:auto-approve read-only",
        ),
    ]);
}

#[test]
fn names_match_as_the_tool_reads_them() {
    check(&[
        ("kubectl get SECRETS", "ask"),
        ("kubectl get sEcReTs", "ask"),
        ("kubectl get secrets.v1.", "ask"),
        ("kubectl get secret/db -o yaml", "ask"),
        ("kubectl -n x get pods,secret", "ask"),
        ("docker remove c1", "refuse:no-docker-rm"),
        ("docker container rm c1", "refuse:no-docker-rm"),
        ("docker container remove -f c1", "refuse:no-docker-rm"),
    ]);
}

#[test]
fn an_ask_rule_beats_auto_approve_in_every_spelling() {
    check(&[
        ("journalctl -n 5", "ask"),
        ("journalctl --no-pager -u nginx", "ask"),
        ("/usr/bin/journalctl -b", "ask"),
        ("sudo journalctl -k", "ask"),
        ("kubectl --context prod get secrets", "ask"),
        ("kubectl get --namespace kube-system SECRETS", "ask"),
        ("uptime", "auto:auto-approve read-only"),
    ]);
}

#[test]
fn a_forbid_holds_through_brace_and_glob_words() {
    check(&[
        ("{reboot,}", "refuse:no-reboot"),
        ("{reboot,} -f", "refuse:no-reboot"),
        ("uptime; {reboot,}", "refuse:no-reboot"),
        ("/sbin/{reboot,}", "refuse:no-reboot"),
        ("/sbin/rebo?t", "refuse:no-reboot"),
        ("/sbin/reb*t", "refuse:no-reboot"),
        ("/sbin/reboo[t]", "refuse:no-reboot"),
        ("sudo /sbin/reb*t -f", "refuse:no-reboot"),
    ]);
    for command in ["{reboot,}", "/sbin/rebo?t", "/usr/bin/x*", "{uptime,}"] {
        assert!(
            policy::classify(command).class >= Class::Change,
            "`{command}` is a brace or glob word in command position: at least change"
        );
    }
    assert_eq!(policy::classify("{reboot,}").class, Class::Destructive);
    assert_eq!(policy::classify("/sbin/reb*t").class, Class::Destructive);
}

#[test]
fn a_forbid_holds_through_deferred_runners() {
    check(&[
        ("at now <<< reboot", "refuse:no-reboot"),
        (
            "at now + 1 minute <<< 'sleep 1; reboot'",
            "refuse:no-reboot",
        ),
        ("echo reboot | at now", "refuse:no-reboot"),
        ("printf 'reboot\\n' | batch", "refuse:no-reboot"),
        ("at -q b now <<EOF\nreboot\nEOF", "refuse:no-reboot"),
        (
            "echo '* * * * * /sbin/reboot' | crontab -",
            "refuse:no-reboot",
        ),
        ("crontab - <<< '@reboot reboot'", "refuse:no-reboot"),
        (
            "echo '0 3 * * * kubectl -n x delete pod y' | crontab -",
            "refuse:no-kubectl-delete",
        ),
    ]);
    assert_eq!(
        policy::classify("at now <<< reboot").class,
        Class::Destructive
    );
    assert_eq!(
        policy::classify("echo uptime | at now").class,
        Class::Change
    );
    assert_eq!(policy::classify("at -l").class, Class::ReadOnly);
}

#[test]
fn a_forbid_holds_through_detached_runners() {
    check(&[
        ("tmux new -d reboot", "refuse:no-reboot"),
        (
            "tmux new-session -d -s x 'sleep 5; reboot'",
            "refuse:no-reboot",
        ),
        ("tmux -L sock new-window -t x reboot", "refuse:no-reboot"),
        ("tmux run-shell -b reboot", "refuse:no-reboot"),
        ("tmux send-keys -t x reboot Enter", "refuse:no-reboot"),
        ("screen -dm reboot", "refuse:no-reboot"),
        ("screen -dmS job /sbin/reboot", "refuse:no-reboot"),
        ("screen -S job -X stuff 'reboot\\n'", "refuse:no-reboot"),
        ("setsid -f reboot", "refuse:no-reboot"),
        ("nohup reboot &", "refuse:no-reboot"),
        (
            "nohup sh -c 'sleep 9; reboot' > /dev/null 2>&1 &",
            "refuse:no-reboot",
        ),
        ("at now <<< reboot", "refuse:no-reboot"),
        ("systemd-run --on-active=30 reboot", "refuse:no-reboot"),
        (
            "systemd-run -p X=1 --unit x systemctl stop nginx",
            "refuse:no-systemctl-stop",
        ),
        ("echo reboot > /tmp/x; sh /tmp/x", "refuse:no-reboot"),
        (
            "printf 'reboot\\n' > /tmp/x && bash /tmp/x",
            "refuse:no-reboot",
        ),
        (
            "cat > /tmp/x <<EOF\nreboot\nEOF\nchmod +x /tmp/x; /tmp/x",
            "refuse:no-reboot",
        ),
        ("echo reboot | tee /tmp/x; . /tmp/x", "refuse:no-reboot"),
    ]);
    assert_eq!(
        policy::classify("tmux new -d reboot").class,
        Class::Destructive
    );
    assert_eq!(
        policy::classify("screen -dm reboot").class,
        Class::Destructive
    );
    assert_eq!(
        policy::classify("echo reboot > /tmp/x; sh /tmp/x").class,
        Class::Destructive
    );
}

#[test]
fn a_forbid_holds_through_interpreter_strings() {
    check(&[
        (
            "python3 -c 'import os; os.system(\"reboot\")'",
            "refuse:no-reboot",
        ),
        (
            "python -c 'import subprocess; subprocess.run([\"reboot\"])'",
            "refuse:no-reboot",
        ),
        (
            "python3 -Ic 'import os; os.popen(\"reboot\")'",
            "refuse:no-reboot",
        ),
        ("perl -e 'system(\"reboot\")'", "refuse:no-reboot"),
        ("perl -le 'exec \"reboot\"'", "refuse:no-reboot"),
        ("perl -e 'print `reboot`'", "refuse:no-reboot"),
        ("ruby -e 'system(\"reboot\")'", "refuse:no-reboot"),
        ("ruby -e '%x(reboot)'", "refuse:no-reboot"),
        (
            "node -e 'require(\"child_process\").execSync(\"reboot\")'",
            "refuse:no-reboot",
        ),
        ("awk 'BEGIN{system(\"reboot\")}'", "refuse:no-reboot"),
        ("awk 'BEGIN{print | \"reboot\"}'", "refuse:no-reboot"),
        ("awk 'BEGIN{\"reboot\" | getline x}'", "refuse:no-reboot"),
        (
            "python3 -c 'import os; os.system(\"kubectl --context p delete ns x\")'",
            "refuse:no-kubectl-delete",
        ),
        // Built from variables: cannot be seen through, so the forbid rule asks.
        ("python3 -c 'import os,sys; os.system(sys.argv[1])'", "ask"),
        ("perl -e '$c=\"re\".\"boot\"; system($c)'", "ask"),
    ]);
    assert_eq!(
        policy::classify("python3 -c 'import os; os.system(\"reboot\")'").class,
        Class::Destructive
    );
    let built = "python3 -c 'import os; os.system(\"ech\" + \"o hi\")'";
    assert!(policy::classify(built).class >= Class::Change);
    assert!(
        policy::approval_prefix_for(built).is_none(),
        "an interpreter program is never covered by a prefix or an allow rule"
    );
    let g = gate();
    assert_eq!(
        decide(&g, built),
        "ask",
        "the allow rule on `echo` must not cover it"
    );
}
