//! Options that make a command reach another host, machine, cluster or runtime
//! (`systemctl -H host`, `journalctl -M machine`, `docker --context X`, `kubectl --context X`):
//! they belong to a read-only prefix, so a prefix or rule made for one target never covers
//! the same command aimed elsewhere. And the examples a scope prompt shows: two commands a
//! new prefix covers and two it does not, each checked with the core's own coverage test.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::grammar::Grammar;
use super::{containers, prefix, tables};

/// Per tool (or grammar table), the options (canonical names) that choose where it acts.
const REACH: &[(&str, &[&str])] = &[
    (
        "systemctl",
        &[
            "--host",
            "--machine",
            "--user",
            "--global",
            "--root",
            "--image",
        ],
    ),
    ("systemd-ctl", &["--host", "--machine", "--user"]),
    (
        "journalctl",
        &["--machine", "--directory", "--file", "--root", "--image"],
    ),
    (
        "kubectl",
        &[
            "--context",
            "--cluster",
            "--server",
            "--kubeconfig",
            "--user",
            "--token",
            "--as",
        ],
    ),
    (
        "docker",
        &[
            "--host",
            "--context",
            "--config",
            "--url",
            "--connection",
            "--remote",
            "--identity",
            "--address",
        ],
    ),
    (
        "crictl",
        &["--runtime-endpoint", "--image-endpoint", "--config"],
    ),
    (
        "helm",
        &[
            "--kube-context",
            "--kubeconfig",
            "--kube-apiserver",
            "--kube-token",
        ],
    ),
];

/// The table key of a tool's global options.
fn table_key(tool: &str) -> &str {
    match tool {
        "timedatectl" | "hostnamectl" | "loginctl" | "networkctl" | "resolvectl" | "localectl"
        | "busctl" => "systemd-ctl",
        "podman" | "nerdctl" => "docker",
        t => t,
    }
}

/// Each reach table's grammar read the way the tool reads it: options anywhere on the line
/// (systemd's tools and helm permute; docker's global options come before the subcommand).
static GRAMMARS: LazyLock<HashMap<&'static str, Grammar>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (key, _) in REACH {
        let grammar = match *key {
            "kubectl" => containers::kubectl_grammar().clone(),
            "docker" => containers::docker_grammar().clone(),
            k => match tables::table_grammar(k) {
                Some(g) => {
                    let mut g = g.clone();
                    g.stop_at_operand = false;
                    g
                }
                None => continue,
            },
        };
        map.insert(*key, grammar);
    }
    map
});

/// The options of `tool args…` that aim it at another host, machine, cluster or runtime, as
/// `--name=value` (or `--name` for a flag), in command-line order.
pub(crate) fn reach_options(tool: &str, args: &[String]) -> Vec<String> {
    let key = table_key(tool);
    let (Some((_, names)), Some(grammar)) =
        (REACH.iter().find(|(k, _)| *k == key), GRAMMARS.get(key))
    else {
        return Vec::new();
    };
    grammar
        .parse(args)
        .opts()
        .filter(|(d, _, _)| names.contains(&d.canonical().as_str()))
        .map(|(d, _, v)| match v {
            Some(v) => format!("{}={v}", d.canonical()),
            None => d.canonical(),
        })
        .collect()
}

/// Two commands a prefix made from a command covers, and two it does not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopeExamples {
    /// The prefix every example is checked against.
    pub prefix: String,
    /// Commands the prefix covers (the approved command first).
    pub covered: Vec<String>,
    /// Commands it does not cover: the same command aimed at another host, machine or
    /// cluster where the tool can be, a changed argument, a chained command.
    pub not_covered: Vec<String>,
}

/// The examples for the prefix an approval of `command` would remember (None when no prefix
/// is offered). Every example is checked with [`prefix::prefix_covers`], so the prompt never
/// shows a claim the gate would not keep.
pub(crate) fn scope_examples(command: &str) -> Option<ScopeExamples> {
    let prefix = prefix::approval_prefix(command)?;
    let words: Vec<&str> = command.split_whitespace().collect();
    let (program, rest) = words.split_first()?;
    let base = program.rsplit('/').next().unwrap_or(program);
    let mut covered_candidates = vec![command.to_string(), prefix.text.clone()];
    covered_candidates.push(format!("{} other", prefix.text));
    if let Some((_, head)) = words.split_last() {
        covered_candidates.push(format!("{} other", head.join(" ")));
    }
    let mut not_candidates = Vec::new();
    let key = table_key(base);
    if let Some((_, names)) = REACH.iter().find(|(k, _)| *k == key)
        && let Some(grammar) = GRAMMARS.get(key)
    {
        for name in names.iter() {
            let Some(def) = grammar.defs.iter().find(|d| d.canonical() == *name) else {
                continue;
            };
            let spelled = match def.short {
                Some(s) => format!("-{s}"),
                None => name.to_string(),
            };
            let value = match def.arg {
                super::grammar::Arg::No => String::new(),
                _ => format!(" other-{}", name.trim_start_matches('-')),
            };
            not_candidates.push(format!("{program} {spelled}{value} {}", rest.join(" ")));
        }
    }
    if let Some((_, head)) = words.split_last() {
        not_candidates.push(format!("{} other", head.join(" ")));
    }
    not_candidates.push(format!("{command} && reboot"));
    not_candidates.push(format!("sudo {command}"));
    let mut covered = Vec::new();
    for c in covered_candidates {
        if covered.len() < 2 && !covered.contains(&c) && prefix::prefix_covers(&prefix, &c) {
            covered.push(c);
        }
    }
    let mut not_covered = Vec::new();
    for c in not_candidates {
        if not_covered.len() < 2 && !not_covered.contains(&c) && !prefix::prefix_covers(&prefix, &c)
        {
            not_covered.push(c);
        }
    }
    Some(ScopeExamples {
        prefix: prefix.text,
        covered,
        not_covered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reach_options_are_read_wherever_the_tool_reads_them() {
        assert_eq!(
            reach_options("systemctl", &v("-H prod-db status cron")),
            ["--host=prod-db"]
        );
        assert_eq!(
            reach_options("loginctl", &v("list-sessions --host prod")),
            ["--host=prod"]
        );
        assert_eq!(
            reach_options("kubectl", &v("get pods --context=prod")),
            ["--context=prod"]
        );
        assert_eq!(
            reach_options("docker", &v("-H ssh://x ps")),
            ["--host=ssh://x"]
        );
        assert_eq!(
            reach_options("journalctl", &v("-M other -n 5")),
            ["--machine=other"]
        );
        assert!(reach_options("systemctl", &v("status cron")).is_empty());
    }

    #[test]
    fn scope_examples_show_what_a_prefix_covers_and_not() {
        let ex = scope_examples("systemctl status cron").expect("a prefix");
        assert_eq!(ex.prefix, "systemctl status");
        assert_eq!(ex.covered.len(), 2);
        assert_eq!(ex.covered[0], "systemctl status cron");
        assert_eq!(
            ex.not_covered,
            [
                "systemctl -H other-host status cron",
                "systemctl -M other-machine status cron"
            ]
        );
        let ex = scope_examples("systemctl restart cron").expect("a prefix");
        assert_eq!(ex.covered, ["systemctl restart cron"]);
        assert_eq!(ex.not_covered.len(), 2);
        assert!(scope_examples("rm -rf /").is_none());
    }
}
