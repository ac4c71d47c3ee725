//! Rule prefixes matched against what a command runs, read the way the tool reads it: the
//! program, its subcommand path and operands, and its options, with each tool's grammar table
//! (`tables/`) deciding which options take a value. So `kubectl -n prod delete pod x`,
//! `systemctl --no-block stop nginx` and `docker container remove x` are seen as
//! `kubectl delete pod`, `systemctl stop nginx` and `docker rm`. An option the table does not
//! know may or may not take the next word: both readings are tried, and a rule matches when
//! any reading does (forbid and ask rules err on the side of stopping). Names the tool treats
//! case-insensitively or by alias (kubectl resource kinds, docker's legacy verbs, systemd's
//! `.service` suffix) are compared as the tool would, and a glob word (`/sbin/reb*t`) matches
//! every name its pattern can match.

use std::collections::HashSet;

use super::containers;
use super::grammar::{Bad, Grammar, Item};
use super::tables;

/// True when `argv` (a command the classifier reached) runs what `prefix` names.
pub(crate) fn matches(prefix: &str, argv: &[String]) -> bool {
    let wanted: Vec<String> = prefix.split_whitespace().map(unquote).collect();
    let Some((p0, prest)) = wanted.split_first() else {
        return false;
    };
    let Some((name, args)) = argv.split_first() else {
        return false;
    };
    if !word_eq(basename(name), basename(p0)) {
        return false;
    }
    let tool = basename(p0);
    let grammar = grammar_for(tool);
    let (want, want_opts) = read_prefix(tool, grammar, prest);
    if !want_opts.iter().all(|o| has_option(grammar, args, o)) {
        return false;
    }
    Reader {
        tool,
        grammar,
        args,
        want: &want,
        failed: HashSet::new(),
    }
    .walk(0, 0, false)
}

fn unquote(w: &str) -> String {
    w.chars().filter(|c| !"'\"\\".contains(*c)).collect()
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The grammar a tool's options are read with, when a table has one.
pub(crate) fn grammar_for(tool: &str) -> Option<&'static Grammar> {
    match tool {
        "kubectl" => Some(containers::kubectl_grammar()),
        "docker" | "podman" | "nerdctl" => Some(containers::docker_grammar()),
        "timedatectl" | "hostnamectl" | "loginctl" | "networkctl" | "resolvectl" | "localectl"
        | "busctl" => tables::table_grammar("systemd-ctl"),
        _ => tables::table_grammar(tool),
    }
}

/// How many words an option word takes (itself, or itself and a value); several when the
/// grammar cannot tell.
fn option_widths(grammar: Option<&Grammar>, args: &[String], i: usize, in_sub: bool) -> Vec<usize> {
    let word = &args[i];
    let attached = word.starts_with("--") && word.contains('=');
    let has_next = i + 1 < args.len();
    let Some(grammar) = grammar else {
        return if attached || !has_next {
            vec![1]
        } else {
            vec![1, 2]
        };
    };
    let one = std::slice::from_ref(word);
    let parsed = grammar.parse(one);
    let mut missing = false;
    let mut unknown = false;
    for item in &parsed.items {
        if let Item::Bad { why, .. } = item {
            match why {
                Bad::MissingValue => missing = true,
                Bad::Unknown | Bad::Ambiguous(_) => unknown = true,
                Bad::UnexpectedValue => {}
            }
        }
    }
    if missing && has_next {
        vec![2]
    } else if missing || attached || !has_next {
        vec![1]
    } else if unknown || in_sub {
        // A subcommand's own option, or one the table lacks, may take the next word.
        vec![1, 2]
    } else {
        vec![1]
    }
}

struct Reader<'a> {
    tool: &'a str,
    grammar: Option<&'a Grammar>,
    args: &'a [String],
    want: &'a [String],
    /// (word, wanted operand, options ended) states already found not to match.
    failed: HashSet<(usize, usize, bool)>,
}

impl Reader<'_> {
    /// True when the words from `i` on can supply the wanted operands from `j` on.
    fn walk(&mut self, i: usize, j: usize, ended: bool) -> bool {
        if j >= self.want.len() {
            return true;
        }
        if i >= self.args.len() || !self.failed.insert((i, j, ended)) {
            return false;
        }
        let word = &self.args[i];
        if !ended && word == "--" {
            return self.walk(i + 1, j, true);
        }
        if !ended && word.starts_with('-') && word != "-" {
            // Past the subcommand of a tool whose table holds only global options (and for
            // a tool with no table), options belong to the subcommand and are not known.
            let in_sub = self.grammar.is_none_or(|g| g.stop_at_operand && j > 0);
            for width in option_widths(self.grammar, self.args, i, in_sub) {
                if self.walk(i + width, j, ended) {
                    return true;
                }
            }
            return false;
        }
        for form in operand_forms(self.tool, j == 0, word) {
            let mut k = j;
            let mut ok = true;
            for token in &form {
                let Some(w) = self.want.get(k) else {
                    break;
                };
                if !token_eq(token, w) {
                    ok = false;
                    break;
                }
                k += 1;
            }
            if ok && self.walk(i + 1, k, ended) {
                return true;
            }
        }
        false
    }
}

/// The prefix's own words read with the same grammar: its operands (normalized as the
/// command's are) and its options as written.
fn read_prefix(
    tool: &str,
    grammar: Option<&Grammar>,
    words: &[String],
) -> (Vec<String>, Vec<(String, Option<String>)>) {
    let mut operands = Vec::new();
    let mut opts = Vec::new();
    let mut i = 0;
    let mut ended = false;
    while let Some(w) = words.get(i) {
        if !ended && w == "--" {
            ended = true;
            i += 1;
            continue;
        }
        if !ended && w.starts_with('-') && w != "-" {
            let in_sub = grammar.is_none_or(|g| g.stop_at_operand && !operands.is_empty());
            let widths = option_widths(grammar, words, i, in_sub);
            let value = (widths == [2]).then(|| words[i + 1].clone());
            i += if value.is_some() { 2 } else { 1 };
            opts.push((w.clone(), value));
            continue;
        }
        let form = operand_forms(tool, operands.is_empty(), w)
            .into_iter()
            .next()
            .unwrap_or_default();
        operands.extend(form);
        i += 1;
    }
    (operands, opts)
}

/// True when the command gives the prefix's option `opt` (with its value, when the prefix
/// gives one): the same option of the grammar however spelled, or for a tool with no table
/// the same word, or every letter of a short cluster among the command's short options.
fn has_option(grammar: Option<&Grammar>, args: &[String], opt: &(String, Option<String>)) -> bool {
    let (word, value) = opt;
    if let Some(g) = grammar {
        let mine = g.parse(std::slice::from_ref(word));
        let defs: Vec<usize> = mine
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Opt { def, .. } => Some(*def),
                _ => None,
            })
            .collect();
        let known = !defs.is_empty() && mine.bad().is_none_or(|b| b.contains("missing"));
        if known {
            let theirs = g.parse(args);
            return defs.iter().all(|d| {
                theirs.items.iter().any(|i| match i {
                    Item::Opt { def, value: v, .. } => {
                        def == d && value.as_deref().is_none_or(|want| *v == Some(want))
                    }
                    _ => false,
                })
            });
        }
    }
    let raw = args.iter().enumerate().any(|(i, a)| {
        (a == word && value.as_ref().is_none_or(|v| args.get(i + 1) == Some(v)))
            || value
                .as_ref()
                .is_some_and(|v| *a == format!("{word}={v}") || *a == format!("{word}{v}"))
    });
    if raw || value.is_some() || word.starts_with("--") {
        return raw;
    }
    let letters = &word[1..];
    let shorts: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with('-') && !a.starts_with("--"))
        .map(|a| &a[1..])
        .collect();
    letters
        .chars()
        .all(|c| shorts.iter().any(|s| s.contains(c)))
}

/// The tokens an operand stands for, as the tool reads it (several alternatives when it
/// names several things, as a kubectl `pods,secrets` list does).
fn operand_forms(tool: &str, first: bool, word: &str) -> Vec<Vec<String>> {
    match tool {
        "docker" | "podman" | "nerdctl" => vec![docker_verb(first, word)],
        "kubectl" if !first => kubectl_resources(word),
        "systemctl" if !first => {
            vec![vec![
                word.strip_suffix(".service").unwrap_or(word).to_string(),
            ]]
        }
        _ => vec![vec![word.to_string()]],
    }
}

/// docker's legacy top-level verbs as the management command they alias
/// (`docker rm` is `docker container rm`), and `remove`/`list` as `rm`/`ls`.
fn docker_verb(first: bool, word: &str) -> Vec<String> {
    const CONTAINER: &[&str] = &[
        "attach", "commit", "cp", "create", "diff", "exec", "export", "kill", "logs", "pause",
        "port", "rename", "restart", "rm", "run", "start", "stats", "stop", "top", "unpause",
        "update", "wait",
    ];
    const IMAGE: &[&str] = &[
        "build", "history", "import", "load", "pull", "push", "save", "tag",
    ];
    let verb = match word {
        "remove" => "rm",
        "list" => "ls",
        w => w,
    };
    if !first {
        return vec![verb.to_string()];
    }
    let pair = |group: &str, v: &str| vec![group.to_string(), v.to_string()];
    match verb {
        "ps" => pair("container", "ls"),
        "rmi" => pair("image", "rm"),
        "images" => pair("image", "ls"),
        v if CONTAINER.contains(&v) => pair("container", v),
        v if IMAGE.contains(&v) => pair("image", v),
        v => vec![v.to_string()],
    }
}

/// A kubectl resource word: case-insensitive, with its API group (`secrets.v1.`), short name
/// (`po`) or singular form; `TYPE/NAME` is two words, `a,b` a list of alternatives.
fn kubectl_resources(word: &str) -> Vec<Vec<String>> {
    if word.contains(['*', '?', '[']) {
        return vec![vec![word.to_string()]];
    }
    if let Some((kind, name)) = word.split_once('/') {
        return vec![vec![kubectl_kind(kind), name.to_string()]];
    }
    word.split(',')
        .filter(|w| !w.is_empty())
        .map(|w| vec![kubectl_kind(w)])
        .collect()
}

/// The canonical plural of a kubectl resource kind.
pub(crate) fn kubectl_kind(word: &str) -> String {
    const KINDS: &[(&str, &[&str])] = &[
        ("pods", &["po", "pod"]),
        ("services", &["svc", "service"]),
        ("deployments", &["deploy", "deployment"]),
        ("secrets", &["secret"]),
        ("configmaps", &["cm", "configmap"]),
        ("namespaces", &["ns", "namespace"]),
        ("nodes", &["no", "node"]),
        ("persistentvolumeclaims", &["pvc", "persistentvolumeclaim"]),
        ("persistentvolumes", &["pv", "persistentvolume"]),
        ("replicasets", &["rs", "replicaset"]),
        ("statefulsets", &["sts", "statefulset"]),
        ("daemonsets", &["ds", "daemonset"]),
        ("ingresses", &["ing", "ingress"]),
        ("serviceaccounts", &["sa", "serviceaccount"]),
        ("jobs", &["job"]),
        ("cronjobs", &["cj", "cronjob"]),
        ("events", &["ev", "event"]),
        ("endpoints", &["ep", "endpoint"]),
        (
            "horizontalpodautoscalers",
            &["hpa", "horizontalpodautoscaler"],
        ),
        ("poddisruptionbudgets", &["pdb", "poddisruptionbudget"]),
        (
            "customresourcedefinitions",
            &["crd", "crds", "customresourcedefinition"],
        ),
        ("networkpolicies", &["netpol", "networkpolicy"]),
        ("storageclasses", &["sc", "storageclass"]),
        ("replicationcontrollers", &["rc", "replicationcontroller"]),
        ("limitranges", &["limits", "limitrange"]),
        ("resourcequotas", &["quota", "resourcequota"]),
        ("priorityclasses", &["pc", "priorityclass"]),
        ("roles", &["role"]),
        ("rolebindings", &["rolebinding"]),
        ("clusterroles", &["clusterrole"]),
        ("clusterrolebindings", &["clusterrolebinding"]),
        ("leases", &["lease"]),
    ];
    let lower = word.to_ascii_lowercase();
    let kind = lower.split('.').next().unwrap_or(&lower);
    KINDS
        .iter()
        .find(|(plural, aliases)| *plural == kind || aliases.contains(&kind))
        .map(|(plural, _)| plural.to_string())
        .unwrap_or_else(|| kind.to_string())
}

/// A command's token against a wanted one: equal, or a glob pattern that can match it.
fn token_eq(have: &str, want: &str) -> bool {
    have == want || (have.contains(['*', '?', '[']) && glob_match(have, want))
}

/// A command name against a wanted one (both basenames).
fn word_eq(have: &str, want: &str) -> bool {
    token_eq(have, want)
}

/// Shell pattern matching (`*`, `?`, `[…]` with `!`/`^` and ranges) of a whole word.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => class_match(&p, pi, t[ti]),
            Some(c) if *c == t[ti] => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `[…]` at `p[at]` against `c`: the index after the class when it matches. An unclosed `[`
/// is a literal.
fn class_match(p: &[char], at: usize, c: char) -> Option<usize> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let start = i;
    let mut found = false;
    while let Some(&x) = p.get(i) {
        if x == ']' && i > start {
            return (found != negate).then_some(i + 1);
        }
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            let end = p[i + 2];
            found |= x <= c && c <= end;
            i += 3;
        } else {
            found |= x == c;
            i += 1;
        }
    }
    (c == '[').then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(prefix: &str, command: &str) -> bool {
        let argv: Vec<String> = command.split_whitespace().map(String::from).collect();
        matches(prefix, &argv)
    }

    #[test]
    fn options_before_the_subcommand_do_not_hide_it() {
        assert!(m("kubectl delete", "kubectl -n prod delete pod x"));
        assert!(m("kubectl delete", "kubectl --context X delete pod x"));
        assert!(m("kubectl delete", "kubectl --namespace=X delete pod x"));
        assert!(m("kubectl delete", "kubectl -v 1 delete pod x"));
        assert!(m("kubectl delete", "kubectl --kubeconfig F delete pod x"));
        assert!(m("systemctl stop", "systemctl --no-block stop nginx"));
        assert!(m("systemctl stop nginx", "systemctl -q stop nginx.service"));
        assert!(m(
            "systemctl stop",
            "systemctl --job-mode=replace stop nginx"
        ));
        assert!(m("systemctl stop", "systemctl -T -- stop nginx"));
        assert!(!m("systemctl stop", "systemctl status nginx"));
        assert!(!m("kubectl delete", "kubectl get pods delete"));
    }

    #[test]
    fn names_match_as_the_tool_reads_them() {
        assert!(m("kubectl get secrets", "kubectl get SECRETS"));
        assert!(m("kubectl get secrets", "kubectl get sEcReTs.v1."));
        assert!(m("kubectl get secret", "kubectl get secrets/db -o yaml"));
        assert!(m("kubectl get secrets", "kubectl get pods,secret"));
        assert!(m("kubectl delete pods", "kubectl delete po x"));
        assert!(m("docker rm", "docker container remove x"));
        assert!(m("docker container rm", "docker rm -f x"));
        assert!(m("docker rmi", "docker image remove x"));
        assert!(!m("docker rm", "docker run --rm x"));
    }

    #[test]
    fn unknown_options_are_read_both_ways() {
        assert!(m("redis-cli flushall", "redis-cli -d X flushall"));
        assert!(m("crictl rmp", "crictl --foo X rmp -a"));
        assert!(m("rm -rf", "rm -fr /"));
        assert!(m("rm -rf", "rm -r -f /"));
        assert!(!m("rm -rf", "rm -r /"));
    }

    #[test]
    fn glob_words_match_what_they_can_expand_to() {
        assert!(m("reboot", "/sbin/rebo?t"));
        assert!(m("reboot", "/sbin/reb*t"));
        assert!(m("reboot", "/sbin/reboo[t]"));
        assert!(m("reboot", "/sbin/*"));
        assert!(!m("reboot", "/sbin/x*"));
        assert!(glob_match("a[!b]c", "axc"));
        assert!(!glob_match("a[!b]c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
    }
}
