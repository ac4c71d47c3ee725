//! `tool = "…"` rules, as an operator relies on them: they match MCP (and other) calls by
//! tool name or `*` glob whatever the arguments, prefix rules never read an MCP call's JSON,
//! a forbid holds over `yes`, and bad tool rules fail to load with one line naming them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::RuleSet;
use super::matching::glob_matches;
use crate::policy::Class;
use crate::protocol::{Mode, Target};
use crate::session::gate::{Gate, Ruling, Screen};

fn set(text: &str) -> RuleSet {
    let mut set = RuleSet::new(BTreeMap::new());
    set.add_text("rules.toml", text)
        .unwrap_or_else(|e| panic!("rules must load: {e}"));
    set
}

fn load_error(text: &str) -> String {
    let mut set = RuleSet::new(BTreeMap::new());
    set.add_text("rules.toml", text)
        .expect_err("must be refused")
        .to_string()
}

fn fs() -> Target {
    Target::Mcp {
        server: "fs".into(),
    }
}

const WRITE: &str = "mcp__fs__write_file";
const CALL: &str = r#"mcp__fs__write_file {"path":"/tmp/x","content":"rm -rf /"}"#;

#[test]
fn globs_match_whole_names() {
    assert!(glob_matches("mcp__fs__*", "mcp__fs__write_file"));
    assert!(glob_matches("mcp__*__write_*", "mcp__fs__write_file"));
    assert!(glob_matches("*", "anything"));
    assert!(glob_matches("mcp__fs__write_file", "mcp__fs__write_file"));
    assert!(!glob_matches("mcp__fs__write_file", "mcp__fs__write_file2"));
    assert!(!glob_matches("mcp__fs__*", "mcp__fsx__read"));
    assert!(!glob_matches("*_file", "mcp__fs__write_files"));
    assert!(!glob_matches("mcp__*__x", "mcp__x"));
    assert!(!glob_matches("a*b*c", "acb"));
}

#[test]
fn a_forbid_tool_rule_holds_against_yes_and_names_itself() {
    let rules = Arc::new(set(
        "[[rule]]\nname = \"no-writes\"\naction = \"forbid\"\ntool = \"mcp__fs__write_file\"\n\
         reason = \"the share is read-only\"\nmatch = ['{\"path\": \"/x\"}']\n",
    ));
    let mut gate = Gate::new(Mode::Heal, true).with_rules(rules);
    let screen = gate.screen_call(Class::Destructive, Some(WRITE), &fs(), CALL);
    assert!(
        matches!(&screen, Screen::Refuse(r) if r.contains("rule `no-writes` (rules.toml:1)") && r.contains("read-only")),
        "{screen:?}"
    );
    let ruling = gate.approve_call(
        Class::Destructive,
        Some(WRITE),
        &fs(),
        CALL,
        Some("yes"),
        false,
    );
    assert!(matches!(ruling, Ruling::Refuse(r) if r.contains("no-writes")));
    // Another tool of the same server is not covered.
    assert_eq!(
        gate.screen_call(
            Class::Change,
            Some("mcp__fs__create_directory"),
            &fs(),
            "mcp__fs__create_directory {}"
        ),
        Screen::Ask
    );
}

#[test]
fn ask_and_allow_tool_rules_by_glob_and_target() {
    let rules = Arc::new(set(
        "[[rule]]\nname = \"ask-fs\"\naction = \"ask\"\ntool = \"mcp__fs__*\"\n\
         targets = [\"mcp:fs\"]\n\n\
         [[rule]]\nname = \"prom-reads\"\naction = \"allow\"\ntool = \"mcp__prom__query*\"\n\
         match = ['{\"query\": \"up\"}']\n",
    ));
    let gate = Gate::new(Mode::Heal, true).with_rules(rules);
    // Ask beats auto-approve read-only.
    assert_eq!(
        gate.screen_call(
            Class::ReadOnly,
            Some("mcp__fs__read_text_file"),
            &fs(),
            "x {}"
        ),
        Screen::Ask
    );
    let prom = Target::Mcp {
        server: "prom".into(),
    };
    assert!(matches!(
        gate.screen_call(Class::Change, Some("mcp__prom__query_range"), &prom, "q {}"),
        Screen::Auto(rule) if rule.contains("prom-reads")
    ));
    // An allow rule never runs a destructive call unasked.
    assert_eq!(
        gate.screen_call(Class::Destructive, Some("mcp__prom__query"), &prom, "q {}"),
        Screen::Ask
    );
    // The ask rule is scoped to mcp:fs: the same tool name on another server is not asked
    // by it.
    let other = Target::Mcp {
        server: "other".into(),
    };
    assert!(matches!(
        gate.screen_call(
            Class::ReadOnly,
            Some("mcp__fs__read_text_file"),
            &other,
            "x {}"
        ),
        Screen::Auto(_)
    ));
}

#[test]
fn prefix_rules_never_read_an_mcp_calls_json() {
    let rules = set(
        "[[rule]]\nname = \"no-rm\"\naction = \"forbid\"\nprefix = \"rm\"\n\
         match = [\"rm -rf /x\"]\n",
    );
    assert!(
        rules
            .evaluate(Some(WRITE), &fs(), "rm -rf /x")
            .winner
            .is_none()
    );
    assert!(
        rules
            .evaluate(Some("local_shell"), &Target::Local, "rm -rf /x")
            .winner
            .is_some()
    );
    // A tool rule applies to a shell tool by its name too.
    let by_name =
        set("[[rule]]\nname = \"no-shell\"\naction = \"forbid\"\ntool = \"local_shell\"\n");
    assert!(
        by_name
            .evaluate(Some("local_shell"), &Target::Local, "uptime")
            .winner
            .is_some()
    );
    assert!(
        by_name
            .evaluate(None, &Target::Local, "uptime")
            .winner
            .is_none()
    );
}

#[test]
fn bad_tool_rules_fail_with_one_line() {
    for (text, want) in [
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a\"\nprefix = \"rm\"\n",
            "not both",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a b\"\n",
            "not a tool name",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a\"\nmatch = [\"rm -rf\"]\n",
            "not a JSON object",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a\"\nnot_match = [\"{}\"]\n",
            "not_match",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a\"\ntools = [\"a\"]\n",
            "drop `tools`",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\ntool = \"a\"\ntargets = [\"web01\"]\n",
            "mcp:SERVER",
        ),
        (
            "[[rule]]\nname = \"x\"\naction = \"forbid\"\n",
            "non-empty `prefix`",
        ),
    ] {
        let err = load_error(text);
        assert!(err.contains(want), "{text}: {err}");
        assert!(err.starts_with("rules.toml:1: rule `x`"), "{err}");
        assert!(!err.contains('\n'));
    }
}

#[test]
fn an_mcp_approval_for_the_incident_remembers_the_tool_not_the_server() {
    let mut gate = Gate::new(Mode::Heal, false);
    let read = "mcp__fs__read_text_file";
    assert_eq!(
        gate.approve_call(Class::Change, Some(read), &fs(), "a {}", None, true),
        Ruling::Run { note: None }
    );
    assert!(matches!(
        gate.screen_call(Class::Change, Some(read), &fs(), r#"b {"path":"/y"}"#),
        Screen::Auto(_)
    ));
    // Not another tool of the server, not a higher class, not another server.
    assert_eq!(
        gate.screen_call(Class::Change, Some("mcp__fs__write_file"), &fs(), "a {}"),
        Screen::Ask
    );
    assert_eq!(
        gate.screen_call(Class::Destructive, Some(read), &fs(), "a {}"),
        Screen::Ask
    );
    let other = Target::Mcp {
        server: "other".into(),
    };
    assert_eq!(
        gate.screen_call(Class::Change, Some(read), &other, "a {}"),
        Screen::Ask
    );
    // Destructive MCP calls are never remembered.
    assert!(matches!(
        gate.approve_call(
            Class::Destructive,
            Some(WRITE),
            &fs(),
            "w {}",
            Some("yes"),
            true
        ),
        Ruling::AskAgain(_)
    ));
    assert_eq!(gate.prefixes().len(), 1);
    assert_eq!(
        gate.scopes(Class::Change, read, &fs(), "a {}"),
        vec![crate::protocol::RuleScope::Incident]
    );
    assert!(
        gate.scopes(Class::Destructive, WRITE, &fs(), "w {}")
            .is_empty()
    );
    let offer = crate::session::gate::offer_call(Class::Change, read, &fs(), "a {}");
    assert_eq!(offer.prefix.as_deref(), Some(read));
    let offer = crate::session::gate::offer_call(Class::Destructive, WRITE, &fs(), "w {}");
    assert!(offer.needs_confirm && offer.prefix.is_none());
}

#[test]
fn tool_rules_load_with_each_kind_of_target_and_list_their_tool() {
    let rules = set(
        "[[rule]]\nname = \"t\"\naction = \"ask\"\ntool = \"mcp__fs__*\"\n\
         targets = [\"mcp:fs\", \"local\", \"docker:web\"]\n\n\
         [[rule]]\nname = \"p\"\naction = \"forbid\"\nprefix = \"reboot\"\ntools = [\"local_shell\"]\n",
    );
    let infos = rules.infos();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].name, "t");
    assert_eq!(infos[0].tools, vec!["mcp__fs__*".to_string()]);
    assert_eq!(infos[0].prefix, "");
    assert_eq!(infos[0].targets.len(), 3);
    assert_eq!(infos[1].tools, vec!["local_shell".to_string()]);
    assert_eq!(infos[1].prefix, "reboot");
    for target in [
        Target::Local,
        Target::Docker {
            container: "web".into(),
        },
        fs(),
    ] {
        assert!(
            rules
                .evaluate(Some("mcp__fs__read"), &target, "x {}")
                .winner
                .is_some(),
            "{target}"
        );
    }
}
