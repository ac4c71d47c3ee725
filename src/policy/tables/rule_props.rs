//! Property test of rule matching (issue 26 item 1): a rule's decision is unchanged by
//! inserting, before the subcommand, any global option that the tool's grammar table
//! accepts (with a value where it takes one, in every spelling getopt reads). Forbid and ask
//! rules hold for every option; an allow rule keeps covering a read-only command when the
//! option is safe and does not aim the tool elsewhere, and never covers it when the option
//! aims it at another host, machine or cluster (issue 25 item 5).

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::super::grammar::{Arg, Effect, Grammar, Style};
use super::super::reach;
use super::table_grammar;
use crate::policy::classify;
use crate::protocol::{Mode, Target};
use crate::session::gate::{Gate, Screen};
use crate::session::rules::RuleSet;

/// (grammar table, program, a command a forbid rule names, a read-only command).
const TOOLS: &[(&str, &str, &str, &str)] = &[
    ("systemctl", "systemctl", "stop nginx", "status nginx"),
    ("kubectl", "kubectl", "delete pod x", "get pods"),
    ("docker", "docker", "rm c1", "ps"),
    ("docker", "nerdctl", "rm c1", "ps"),
    ("podman", "podman", "rm c1", "ps"),
    ("crictl", "crictl", "rmp x", "ps"),
    ("helm", "helm", "uninstall x", "list"),
    (
        "systemd-ctl",
        "loginctl",
        "terminate-session 3",
        "list-sessions",
    ),
    ("terraform", "terraform", "destroy", "show"),
];

const VALUES: &[&str] = &["prod", "stop", "delete", "/tmp/f"];

fn rules(program: &str, forbid: &str, read: &str) -> RuleSet {
    let first = |s: &str| s.split_whitespace().next().unwrap_or_default().to_string();
    let text = format!(
        "[[rule]]\nname = \"f\"\naction = \"forbid\"\nprefix = \"{program} {}\"\n\
         match = [\"{program} {forbid}\"]\n\n[[rule]]\nname = \"a\"\naction = \"ask\"\n\
         prefix = \"{program} {}\"\nmatch = [\"{program} {read}\"]\n",
        first(forbid),
        first(read),
    );
    let mut set = RuleSet::new(BTreeMap::new());
    if let Err(e) = set.add_text("rules.toml", &text) {
        panic!("rules must load: {e}\n{text}");
    }
    set
}

fn allow_rules(program: &str, read: &str) -> RuleSet {
    let first = read.split_whitespace().next().unwrap_or_default();
    let text = format!(
        "[[rule]]\nname = \"ok\"\naction = \"allow\"\nprefix = \"{program} {first}\"\n\
         match = [\"{program} {read}\"]\n"
    );
    let mut set = RuleSet::new(BTreeMap::new());
    if let Err(e) = set.add_text("rules.toml", &text) {
        panic!("rules must load: {e}\n{text}");
    }
    set
}

fn decide(set: &RuleSet, auto: bool, command: &str) -> String {
    let gate = Gate::new(Mode::Heal, auto).with_rules(Arc::new(set.clone()));
    let class = classify(command).class;
    match gate.screen_call(class, Some("local_shell"), &Target::Local, command) {
        Screen::Auto(rule) => format!("auto:{rule}"),
        Screen::Ask => "ask".into(),
        Screen::Refuse(reason) => format!("refuse:{reason}"),
    }
}

/// The words of option `def` of `g`, spelled one of the ways the tool reads it.
fn spell(g: &Grammar, def: usize, choice: usize, value: &str) -> Vec<String> {
    let d = &g.defs[def];
    let exact = g.style == Style::Exact;
    let use_long = d.short.is_none() || (!d.long.is_empty() && choice.is_multiple_of(2));
    if use_long {
        let name = &d.long[(choice / 2) % d.long.len()];
        let dash = if exact && choice.is_multiple_of(3) {
            "-"
        } else {
            "--"
        };
        match d.arg {
            Arg::No => vec![format!("{dash}{name}")],
            Arg::Optional => vec![format!("{dash}{name}={value}")],
            Arg::Required if choice % 3 == 1 => vec![format!("{dash}{name}={value}")],
            Arg::Required => vec![format!("{dash}{name}"), value.to_string()],
        }
    } else {
        let c = d.short.unwrap_or('x');
        match d.arg {
            Arg::No => vec![format!("-{c}")],
            Arg::Optional => vec![format!("-{c}{value}")],
            Arg::Required if choice.is_multiple_of(3) => vec![format!("-{c}{value}")],
            Arg::Required => vec![format!("-{c}"), value.to_string()],
        }
    }
}

fn with_option(program: &str, option: &[String], rest: &str) -> String {
    format!("{program} {} {rest}", option.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_global_option_before_the_subcommand_never_changes_a_rule(
        tool in 0..TOOLS.len(),
        def_seed in any::<usize>(),
        choice in any::<usize>(),
        value in 0..VALUES.len(),
    ) {
        let (key, program, forbid, read) = TOOLS[tool];
        let Some(g) = table_grammar(key) else {
            panic!("no grammar table `{key}`");
        };
        let def = def_seed % g.defs.len();
        let d = &g.defs[def];
        if d.is_numeric() {
            return Ok(());
        }
        let option = spell(g, def, choice, VALUES[value]);
        let set = rules(program, forbid, read);
        for base in [forbid, read] {
            let plain = format!("{program} {base}");
            let opted = with_option(program, &option, base);
            prop_assert_eq!(
                decide(&set, true, &plain),
                decide(&set, true, &opted),
                "forbid/ask: `{}` vs `{}`", plain, opted
            );
        }
        let allow = allow_rules(program, read);
        let plain = format!("{program} {read}");
        let opted = with_option(program, &option, read);
        let reaches = !reach::reach_options(program, &option).is_empty();
        if reaches {
            prop_assert!(
                !decide(&allow, false, &opted).starts_with("auto:"),
                "an allow rule made for this host must not cover `{}`", opted
            );
        } else if d.effect == Effect::Safe && classify(&opted).class == classify(&plain).class {
            prop_assert_eq!(
                decide(&allow, false, &plain),
                decide(&allow, false, &opted),
                "allow: `{}` vs `{}`", plain, opted
            );
        }
    }
}
