//! Finding and classifying the inner command of a runner: where it starts after the runner's
//! own options (every plausible start when an option is unknown), and how the runner's own
//! risk raises the inner class.

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::grammar::Grammar;

/// Where the inner command may start in `args`. With every option known, the first operand.
/// With an unknown option, which may or may not take the next word as its value, also each
/// start found by reading on after that word. The second value is why the options are not
/// understood.
pub(crate) fn starts(grammar: &Grammar, args: &[String]) -> (Vec<usize>, Option<String>) {
    let parsed = grammar.parse(args);
    let bad = parsed.bad();
    let mut out: Vec<usize> = parsed.first_operand.into_iter().collect();
    if bad.is_some() {
        let mut at = parsed.first_operand;
        for _ in 0..2 {
            let Some(next) = at.map(|f| f + 1).filter(|n| *n < args.len()) else {
                break;
            };
            let rest = args.get(next..).unwrap_or_default();
            let sub = grammar.parse(rest);
            at = sub.first_operand.map(|x| x + next);
            if let Some(x) = at
                && !out.contains(&x)
            {
                out.push(x);
            }
            if sub.bad().is_none() {
                break;
            }
        }
    }
    (out, bad)
}

/// The worst class of the argv starting at each of `starts` (`None` when there is none).
pub(crate) fn worst_argv(args: &[String], starts: &[usize], depth: usize) -> Option<Verdict> {
    starts
        .iter()
        .filter_map(|s| args.get(*s..).filter(|r| !r.is_empty()))
        .map(|rest| classify::argv(rest, depth + 1))
        .reduce(worse)
}

/// The worst class of several shell scripts.
pub(crate) fn worst_script<'a>(
    scripts: impl IntoIterator<Item = &'a str>,
    depth: usize,
) -> Option<Verdict> {
    scripts
        .into_iter()
        .map(|s| classify::script(s, depth + 1))
        .reduce(worse)
}

/// The more dangerous of two verdicts (the first on a tie).
pub(crate) fn worse(a: Verdict, b: Verdict) -> Verdict {
    if b.class > a.class { b } else { a }
}

/// A runner that acts as another user, group, root or namespace: destructive when the inner
/// command is, else `change`.
pub(crate) fn elevated(name: &str, what: &str, inner: Verdict) -> Verdict {
    match inner.class {
        Class::Destructive => Verdict::destructive(format!("{name}: {}", inner.reason)),
        _ => Verdict::change(format!("{name} {what}: {}", inner.reason)),
    }
}

/// Parse `args` with `grammar` (stopping at the first operand) and classify the inner command
/// starting at the first operand plus `skip` words.
pub(crate) fn run(
    name: &str,
    grammar: &Grammar,
    args: &[String],
    skip: usize,
    depth: usize,
) -> (Option<Verdict>, Option<String>) {
    let (starts, bad) = starts(grammar, args);
    let starts: Vec<usize> = starts.into_iter().map(|s| s + skip).collect();
    let inner = worst_argv(args, &starts, depth).map(|v| match &bad {
        Some(b) => v.at_least_change(&format!("{name}: {b}")),
        None => v,
    });
    (inner, bad)
}

/// Test helper: no two options of a grammar share a short letter or a long name (a shared
/// long name makes every use of it ambiguous).
#[cfg(test)]
pub(crate) fn assert_well_formed(name: &str, grammar: &Grammar) {
    let mut shorts = std::collections::HashSet::new();
    let mut longs = std::collections::HashSet::new();
    for d in &grammar.defs {
        if let Some(s) = d.short {
            assert!(shorts.insert(s), "{name}: -{s} defined twice");
        }
        for l in &d.long {
            assert!(longs.insert(l.clone()), "{name}: --{l} defined twice");
        }
    }
}
