//! The real binary's `opsassist policy explain` output and `opsassist policy check` exit
//! codes, with a temporary config dir holding config.toml and rules files.

use std::path::Path;
use std::process::Command;

const CONFIG: &str = r#"
[hosts.web01]
destination = "web01.example"
tags = ["prod"]

[hosts.stage01]
destination = "stage01.example"

[policy]
rules = ["team-rules.toml"]
"#;

const RULES: &str = r#"[[rule]]
name = "systemctl-status"
action = "allow"
prefix = "systemctl status"
reason = "status only reads"
match = ["systemctl status nginx"]
not_match = ["systemctl restart nginx"]
"#;

const TEAM: &str = r#"
[[rule]]
name = "no-reboot-prod"
action = "forbid"
prefix = "reboot"
targets = ["tag:prod"]
reason = "never reboot prod from a console"
match = ["sudo reboot"]

[[rule]]
name = "ask-status-sshd"
action = "ask"
prefix = "systemctl status sshd"
match = ["systemctl status sshd"]
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "config.toml", CONFIG);
    write(dir.path(), "rules.toml", RULES);
    write(dir.path(), "team-rules.toml", TEAM);
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

fn opsassist(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_CONFIG_DIR", dir)
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .output()
        .expect("run opsassist");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explain_an_allowed_read_only_command() {
    let dir = setup();
    let (code, out, err) = opsassist(
        dir.path(),
        &["policy", "explain", "--", "systemctl", "status", "nginx"],
    );
    assert_eq!(code, Some(0), "{err}");
    for want in [
        "class:   read-only (",
        "prefix:  `systemctl status` (read-only)",
        "allow  rule `systemctl-status` (rules.toml:1): status only reads   <- wins",
        "heal   run without asking (rule `systemctl-status` (rules.toml:1))",
        "check  run without asking (rule `systemctl-status` (rules.toml:1))",
    ] {
        assert!(out.contains(want), "`{want}` missing:\n{out}");
    }
}

#[test]
fn explain_shows_every_matching_rule_and_the_winner() {
    let dir = setup();
    let (code, out, err) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--target",
            "web01",
            "--",
            "systemctl status sshd",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("allow  rule `systemctl-status` (rules.toml:1)")
            && out.contains("ask    rule `ask-status-sshd` (team-rules.toml:10)   <- wins")
            && out.contains("heal   ask\n"),
        "{out}"
    );
}

#[test]
fn explain_a_forbidden_chain_on_a_prod_tag_and_not_elsewhere() {
    let dir = setup();
    let (code, out, _) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--target",
            "web01",
            "--",
            "uptime; reboot",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(out.contains("class:   destructive"), "{out}");
    assert!(out.contains("prefix:  none"), "{out}");
    for mode in ["heal", "check"] {
        let want = format!(
            "{mode:6} refuse: forbidden by rule `no-reboot-prod` (team-rules.toml:2): never reboot prod from a console"
        );
        assert!(out.contains(&want), "`{want}` missing:\n{out}");
    }
    let (_, out, _) = opsassist(
        dir.path(),
        &["policy", "explain", "--target", "stage01", "--", "reboot"],
    );
    assert!(out.contains("rules:   none match (3 loaded)"), "{out}");
    assert!(
        out.contains("heal   ask, approval needs the typed word `yes`"),
        "{out}"
    );
    assert!(
        out.contains("check  refuse: refused: the session is in check mode"),
        "{out}"
    );
}

#[test]
fn explain_refuses_an_unknown_target() {
    let dir = setup();
    let (code, _, err) = opsassist(
        dir.path(),
        &["policy", "explain", "--target", "db99", "--", "uptime"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("`db99`"), "{err}");
}

#[test]
fn check_passes_good_files_and_fails_bad_ones_with_one_line() {
    let dir = setup();
    let (code, out, err) = opsassist(dir.path(), &["policy", "check"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("3 rules, 4 examples pass"), "{out}");

    let bad = "[[rule]]\nname = \"sneaky\"\naction = \"allow\"\nprefix = \"uptime\"\nmatch = [\"uptime && rm -rf /srv\"]\n";
    write(dir.path(), "bad.toml", bad);
    let bad_path = dir.path().join("bad.toml");
    let (code, _, err) = opsassist(
        dir.path(),
        &["policy", "check", bad_path.to_str().expect("utf-8 path")],
    );
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.toml:1: rule `sneaky`: match example `uptime && rm -rf /srv`"),
        "{err}"
    );

    // The same failure in the team file stops every command that loads the config.
    write(
        dir.path(),
        "team-rules.toml",
        "[[rule]]\nname = \"r\"\naction = \"forbid\"\nprefix = \"reboot\"\nnot_match = [\"sudo reboot\"]\n",
    );
    let (code, _, err) = opsassist(dir.path(), &["policy", "check"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("team-rules.toml:1: rule `r`: not_match example `sudo reboot` is matched"),
        "{err}"
    );
    let (code, _, err) = opsassist(dir.path(), &["policy", "explain", "--", "uptime"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("team-rules.toml:1"), "{err}");
}

/// Unescape the body of a Rust string literal (the escapes the policy table uses).
fn unescape(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            _ => return None,
        }
    }
    Some(out)
}

/// `policy explain` agrees with the policy table's class for every row, and says what the
/// gate does by default: ask (with `yes` for destructive) in heal mode, and in check mode ask
/// for read-only and refuse anything else.
#[test]
fn explain_agrees_with_the_policy_table_corpus() {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = include_str!("policy_table.rs");
    let mut rows = 0;
    let mut wrong = Vec::new();
    for line in table.lines() {
        let Some(row) = line.trim().strip_prefix("(\"") else {
            continue;
        };
        let Some((body, class)) = row.rsplit_once("\", ") else {
            continue;
        };
        let class = match class {
            "R)," => "read-only",
            "C)," => "change",
            "D)," => "destructive",
            _ => continue,
        };
        let Some(command) = unescape(body) else {
            continue;
        };
        if command.trim().is_empty() {
            continue;
        }
        rows += 1;
        let (code, out, err) = opsassist(dir.path(), &["policy", "explain", "--", &command]);
        let heal = if class == "destructive" {
            "heal   ask, approval needs the typed word `yes`\n"
        } else {
            "heal   ask\n"
        };
        let check = if class == "read-only" {
            "check  ask\n".to_string()
        } else {
            format!(
                "check  refuse: refused: the session is in check mode (diagnose only) and this command is classified `{class}`"
            )
        };
        let ok = code == Some(0)
            && out.contains(&format!("class:   {class} ("))
            && out.contains(heal)
            && out.contains(&check);
        if !ok {
            wrong.push(format!("{command:?} want {class}: {out}{err}"));
        }
    }
    assert!(rows > 300, "the corpus was read ({rows} rows)");
    assert!(
        wrong.is_empty(),
        "{} rows disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `--json` prints the same verdict as the text, as one object with stable field names.
#[test]
fn explain_json_is_the_same_verdict_for_scripts() {
    let dir = setup();
    let (code, out, err) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--json",
            "--target",
            "web01",
            "--",
            "sudo -u root reboot",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "sudo -u root reboot");
    assert_eq!(v["target"], "ssh: web01");
    assert_eq!(v["tool"], "remote_shell");
    assert_eq!(v["class"], "destructive");
    assert!(v["prefix"].is_null(), "{out}");
    assert_eq!(v["rules_loaded"], 3);
    assert_eq!(v["rules"][0]["action"], "forbid");
    assert_eq!(
        v["rules"][0]["label"],
        "rule `no-reboot-prod` (team-rules.toml:2)"
    );
    assert_eq!(v["rules"][0]["wins"], true);
    for mode in ["heal", "check"] {
        assert_eq!(v[mode]["outcome"], "refuse", "{out}");
        assert!(
            v[mode]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("no-reboot-prod")),
            "{out}"
        );
    }

    let (_, out, _) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--json",
            "--",
            "systemctl status nginx",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    assert_eq!(v["class"], "read-only");
    assert_eq!(v["prefix"]["text"], "systemctl status");
    assert_eq!(v["prefix"]["class"], "read-only");
    assert_eq!(v["heal"]["outcome"], "run");
    assert_eq!(
        v["heal"]["detail"],
        "rule `systemctl-status` (rules.toml:1)"
    );
    assert_eq!(v["check"]["outcome"], "run");

    let (_, out, _) = opsassist(
        dir.path(),
        &[
            "policy", "explain", "--json", "--target", "stage01", "--", "reboot",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    assert_eq!(v["rules"], serde_json::json!([]));
    assert_eq!(v["heal"]["outcome"], "ask_confirm");
    assert_eq!(v["check"]["outcome"], "refuse");
}

/// Issue 25 item 5: a rule written by `A` → "host local for good" on `systemctl status cron`
/// covers that command here, and never the same command aimed at another host, machine or
/// user manager (`-H`, `--host`, `-M`, `--user`): explain does not answer `run` for them.
#[test]
fn a_rule_for_this_host_never_covers_a_command_aimed_elsewhere() {
    use opsassist::policy::Class;
    use opsassist::protocol::{Mode, RuleScope, Target};
    use opsassist::session::gate::Gate;
    use opsassist::session::rules::RuleSet;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    let dir = setup();
    let set = RuleSet::load(
        dir.path(),
        &[std::path::PathBuf::from("team-rules.toml")],
        BTreeMap::from([("web01".to_string(), vec!["prod".to_string()])]),
    )
    .unwrap_or_else(|e| panic!("rules load: {e}"));
    let mut gate = Gate::new(Mode::Heal, false).with_rules(Arc::new(set));
    let rule = gate
        .approve_for_good(
            Class::ReadOnly,
            "local_shell",
            &Target::Local,
            "systemctl status cron",
            &RuleScope::Host {
                host: "local".into(),
            },
        )
        .unwrap_or_else(|e| panic!("the rule is written: {e:?}"));
    assert_eq!(rule.prefix, "systemctl status");
    // Drop the team file's allow rule for `systemctl status`, so only the written rule acts.
    write(dir.path(), "rules.toml", "");
    let heal = |command: &[&str]| {
        let mut args = vec!["policy", "explain", "--json", "--"];
        args.extend_from_slice(command);
        let (code, out, err) = opsassist(dir.path(), &args);
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
        v["heal"]["outcome"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(heal(&["systemctl", "status", "cron"]), "run");
    for command in [
        &["systemctl", "-H", "prod-db", "status", "cron"][..],
        &["systemctl", "--host", "prod-db", "status", "cron"],
        &["systemctl", "--host=prod-db", "status", "cron"],
        &["systemctl", "-M", "other", "status", "cron"],
        &["systemctl", "status", "cron", "--machine=other"],
        &["systemctl", "--user", "status", "cron"],
    ] {
        assert_ne!(
            heal(command),
            "run",
            "`{}` reaches another host or manager",
            command.join(" ")
        );
    }
}

/// The scope prompt's examples: two commands a new prefix covers and two it does not, the
/// latter the same command aimed at another host.
#[test]
fn scope_examples_name_what_a_prefix_covers_and_not() {
    let ex = opsassist::policy::scope_examples("systemctl status cron").expect("a prefix");
    assert_eq!(ex.prefix, "systemctl status");
    assert_eq!(ex.covered.len(), 2);
    assert_eq!(
        ex.not_covered,
        [
            "systemctl -H other-host status cron",
            "systemctl -M other-machine status cron"
        ]
    );
    for c in &ex.covered {
        assert!(
            opsassist::policy::prefix_covers("systemctl status", c),
            "{c}"
        );
    }
    let ex = opsassist::policy::scope_examples("kubectl get pods").expect("a prefix");
    assert!(
        ex.not_covered.iter().any(|c| c.contains("--context")),
        "{:?}",
        ex.not_covered
    );
    assert!(opsassist::policy::scope_examples("rm -rf /").is_none());
}
