//! Rules made "for good" from a console, through the core: which scopes the gate offers, the
//! rule the core appends to the personal rules file (comments kept, the same load checks,
//! refused when it would not load), the rule in force for the next call of every gate sharing
//! the set, revocation (personal only) and its effect on the next call; and the whole loop in
//! a session with the fake model: `ApproveRule` writes the rule, the next incident runs the
//! command without asking and names it.

mod session_harness;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use opsassist::policy::{self, Class};
use opsassist::protocol::{Decision, Event, Mode, RuleScope, Target, Verdict};
use opsassist::session::Core;
use opsassist::session::gate::{Gate, Ruling, Screen};
use opsassist::session::rules::{PERSONAL_FILE, RuleSet};
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

const TEAM: &str = "# the team's rules\n[[rule]]\nname = \"no-reboot-prod\"\naction = \"forbid\"\nprefix = \"reboot\"\ntargets = [\"tag:prod\"]\nmatch = [\"reboot\"]\n";
const MINE: &str = "# my own rules; keep this comment\n\n[[rule]]\nname = \"uptime-anywhere\"\naction = \"allow\"\nprefix = \"uptime\"\nmatch = [\"uptime\"] # trailing comment\n";

fn tags() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([("web01".to_string(), vec!["prod".to_string()])])
}

fn setup(dir: &Path) -> Arc<RuleSet> {
    std::fs::write(dir.join("rules.toml"), TEAM).expect("team");
    std::fs::write(dir.join(PERSONAL_FILE), MINE).expect("mine");
    Arc::new(RuleSet::load(dir, &[], tags()).unwrap_or_else(|e| panic!("load: {e}")))
}

fn web() -> Target {
    Target::Ssh {
        host: "web01".into(),
    }
}

fn screen(gate: &Gate, target: &Target, command: &str) -> Screen {
    gate.screen_call(
        policy::classify(command).class,
        Some("remote_shell"),
        target,
        command,
    )
}

#[test]
fn the_gate_offers_for_good_scopes_only_for_plain_prefixable_calls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::new(Mode::Heal, false).with_rules(setup(dir.path()));
    let scopes = |command: &str, target: &Target| {
        gate.scopes(
            policy::classify(command).class,
            "remote_shell",
            target,
            command,
        )
    };
    assert_eq!(
        scopes("systemctl status nginx", &web()),
        vec![
            RuleScope::Incident,
            RuleScope::Host {
                host: "web01".into()
            },
            RuleScope::Tag { tag: "prod".into() },
        ]
    );
    assert_eq!(
        scopes("df -h", &Target::Local),
        vec![
            RuleScope::Incident,
            RuleScope::Host {
                host: "local".into()
            }
        ]
    );
    for never in [
        "rm -rf /srv/x",
        "uptime; touch /tmp/x",
        "echo $(id)",
        "ls > /tmp/x",
    ] {
        assert_eq!(scopes(never, &web()), Vec::new(), "{never}");
    }
    // Without a config dir nothing can be written: only the incident.
    let bare = Gate::new(Mode::Heal, false).with_rules(Arc::new(RuleSet::new(tags())));
    assert_eq!(
        bare.scopes(Class::ReadOnly, "remote_shell", &web(), "df -h"),
        vec![RuleScope::Incident]
    );
}

#[test]
fn a_rule_for_good_is_appended_checked_and_in_force_for_every_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = setup(dir.path());
    let mut gate = Gate::new(Mode::Heal, false).with_rules(Arc::clone(&rules));
    let other = Gate::new(Mode::Heal, false).with_rules(Arc::clone(&rules));
    let command = "systemctl status nginx";
    assert_eq!(screen(&other, &web(), command), Screen::Ask);
    let host = RuleScope::Host {
        host: "web01".into(),
    };
    let rule = gate
        .approve_for_good(Class::ReadOnly, "remote_shell", &web(), command, &host)
        .unwrap_or_else(|r| panic!("not written: {r:?}"));
    assert_eq!(rule.name, "systemctl-status-web01");
    assert_eq!(rule.origin, "personal-rules.toml:10");
    let text = std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("read");
    assert!(
        text.starts_with(MINE),
        "the operator's text and comments stay:\n{text}"
    );
    assert!(
        text.contains("match = [\"systemctl status nginx\"]"),
        "{text}"
    );
    // Another gate (another session) sees it from its next call on.
    assert_eq!(
        screen(&other, &web(), "systemctl status sshd"),
        Screen::Auto("rule `systemctl-status-web01` (personal-rules.toml:10)".into())
    );
    // Only on that host.
    assert_eq!(
        screen(&other, &Target::Local, "systemctl status sshd"),
        Screen::Ask
    );
    // It loads at the next startup exactly as written.
    let reloaded = RuleSet::load(dir.path(), &[], tags()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        reloaded
            .all()
            .iter()
            .any(|r| r.name == "systemctl-status-web01")
    );
    // The same approval again gets its own name.
    let again = gate
        .approve_for_good(Class::ReadOnly, "remote_shell", &web(), command, &host)
        .unwrap_or_else(|r| panic!("{r:?}"));
    assert_eq!(again.name, "systemctl-status-web01-2");
}

#[test]
fn the_core_refuses_to_write_a_rule_it_would_not_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = setup(dir.path());
    let mut gate = Gate::new(Mode::Heal, false).with_rules(Arc::clone(&rules));
    let before = std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("read");
    // Not an inventory host: the loader refuses the target, so nothing is written.
    let unknown = RuleScope::Host {
        host: "db99".into(),
    };
    assert!(
        rules
            .personal_rule_text(&unknown, "remote_shell", "df -h")
            .is_err()
    );
    let err = rules
        .add_personal(&unknown, "remote_shell", "df -h")
        .expect_err("refused");
    assert!(err.to_string().contains("db99"), "{err}");
    // A destructive or chained command is never offered and never written.
    for command in ["rm -rf /srv/x", "uptime && touch /tmp/x"] {
        let class = policy::classify(command).class;
        let ruling = gate
            .approve_for_good(
                class,
                "remote_shell",
                &web(),
                command,
                &RuleScope::Host {
                    host: "web01".into(),
                },
            )
            .expect_err("refused");
        assert!(matches!(ruling, Ruling::AskAgain(_)), "{ruling:?}");
    }
    // A forbid rule still refuses, and nothing is written.
    let ruling = gate
        .approve_for_good(
            Class::Change,
            "remote_shell",
            &web(),
            "reboot",
            &RuleScope::Host {
                host: "web01".into(),
            },
        )
        .expect_err("refused");
    assert!(
        matches!(ruling, Ruling::Refuse(ref r) if r.contains("no-reboot-prod")),
        "{ruling:?}"
    );
    // A file someone broke on disk is not made worse: the write is refused.
    std::fs::write(dir.path().join(PERSONAL_FILE), "[[rule]]\nname = 3\n").expect("break");
    assert!(
        rules
            .add_personal(
                &RuleScope::Host {
                    host: "web01".into()
                },
                "remote_shell",
                "df -h"
            )
            .is_err()
    );
    std::fs::write(dir.path().join(PERSONAL_FILE), &before).expect("restore");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("read"),
        before
    );
}

#[test]
fn revoking_removes_only_a_personal_rule_and_holds_from_the_next_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = setup(dir.path());
    let mut gate = Gate::new(Mode::Heal, false).with_rules(Arc::clone(&rules));
    let host = RuleScope::Host {
        host: "web01".into(),
    };
    gate.approve_for_good(Class::ReadOnly, "remote_shell", &web(), "df -h", &host)
        .unwrap_or_else(|r| panic!("{r:?}"));
    assert!(matches!(
        screen(&gate, &web(), "df -h /var"),
        Screen::Auto(_)
    ));
    let infos = rules.infos();
    let revocable: Vec<(&str, bool)> = infos
        .iter()
        .map(|i| (i.name.as_str(), i.revocable))
        .collect();
    assert_eq!(
        revocable,
        vec![
            ("no-reboot-prod", false),
            ("uptime-anywhere", true),
            ("df-web01", true)
        ]
    );
    let err = rules.revoke_personal("no-reboot-prod").expect_err("team");
    assert!(err.to_string().contains("team rule"), "{err}");
    rules
        .revoke_personal("df-web01")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(screen(&gate, &web(), "df -h /var"), Screen::Ask);
    let text = std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("read");
    assert_eq!(
        text.trim_end(),
        MINE.trim_end(),
        "back to the operator's own text"
    );
    let reloaded = RuleSet::load(dir.path(), &[], tags()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!reloaded.all().iter().any(|r| r.name == "df-web01"));
    // The operator's own rule (with its comments) can be revoked too.
    rules
        .revoke_personal("uptime-anywhere")
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(dir.path().join(PERSONAL_FILE)).expect("read");
    assert!(text.contains("# my own rules; keep this comment"), "{text}");
    assert!(!text.contains("uptime-anywhere"), "{text}");
}

fn shell(command: &str) -> Reply {
    Reply::ToolCalls(vec![(
        "local_shell".into(),
        json!({"command": command, "reason": "look"}),
    )])
}

/// The harness core with rules loaded from its (empty) config dir, so a personal file exists.
fn with_rules(core: Arc<Core>) -> Arc<Core> {
    let Ok(mut core) = Arc::try_unwrap(core) else {
        panic!("the core is shared");
    };
    let set = RuleSet::load(&core.paths.config_dir, &[], Default::default())
        .unwrap_or_else(|e| panic!("rules: {e}"));
    core.config.rules = Arc::new(set);
    Arc::new(core)
}

#[tokio::test]
async fn approve_rule_writes_the_rule_and_the_next_incident_runs_without_asking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            shell("echo for-good"),
            Reply::Text("done".into()),
            shell("echo for-good again"),
            Reply::Text("done".into()),
        ],
    )
    .await;
    let core = with_rules(core(dir.path(), &fake, &Setup::default()));
    let local = RuleScope::Host {
        host: "local".into(),
    };
    let (_h, _rx, events) = run_session(core.clone(), alert("t", "d"), |p| {
        assert!(p.scopes.contains(&local), "{:?}", p.scopes);
        Some(Decision::ApproveRule {
            scope: local.clone(),
        })
    })
    .await;
    let written = events.iter().any(|e| {
        matches!(&e.event, Event::Note { message }
            if message.contains("rule `echo-local` (personal-rules.toml:3) written"))
    });
    assert!(written, "{events:#?}");
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::Decided {
            verdict: Verdict::Approved,
            ..
        }
    )));
    let audit = std::fs::read_to_string(core.paths.audit_log()).unwrap_or_default();
    assert!(
        audit.contains("approved for good: rule `echo-local` (personal-rules.toml:3)"),
        "{audit}"
    );

    let mut asked = 0;
    let (_h, _rx, events) = run_session(core.clone(), alert("t2", "d"), |_| {
        asked += 1;
        None
    })
    .await;
    assert_eq!(asked, 0, "the second incident ran it without asking");
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::Decided { verdict: Verdict::AutoApproved { rule }, .. }
            if rule == "rule `echo-local` (personal-rules.toml:3)"
    )));
}
