//! Property test of the reader tables: random option strings drawn from each reader's full
//! option list (long, abbreviated long, clustered short, attached and separate values) are
//! classed read-only exactly when every option drawn is one the table marks safe. The oracle
//! is the table's own effect markers applied to the drawn options, not the classifier.

use proptest::prelude::*;

use super::super::Class;
use super::super::classify;
use super::super::grammar::{Arg, Effect, Grammar, OptDef, Style};
use super::all_entries;

/// A reader table flattened for the test: one program name and its grammar.
fn readers() -> Vec<(&'static str, Grammar)> {
    all_entries()
        .filter(|e| e.reader)
        .flat_map(|e| {
            e.names.split(',').map(str::trim).map(move |n| {
                let mut g = Grammar::new(e.style, e.spec);
                if e.stop {
                    g = g.stop_at_operand();
                }
                (n, g)
            })
        })
        .collect()
}

/// The shortest prefix of `long` that names only `def` (getopt_long: an exact name wins, so
/// a name that prefixes another one is unambiguous only in full).
fn shortest_unique(g: &Grammar, def: usize, long: &str) -> usize {
    (1..=long.len())
        .find(|&n| {
            let p = &long[..n];
            let others = g.defs.iter().enumerate().any(|(i, d)| {
                i != def
                    && d.long.iter().any(|l| l.starts_with(p))
                    && !d.long.iter().any(|l| l == p)
            });
            let exact_other = g
                .defs
                .iter()
                .enumerate()
                .any(|(i, d)| i != def && d.long.iter().any(|l| l == p));
            !others && !exact_other
        })
        .unwrap_or(long.len())
}

/// One drawn option: its words and whether it keeps the command from being read-only.
fn spell(g: &Grammar, def_index: usize, choice: u32, harmless: bool) -> (Vec<String>, bool) {
    let d: &OptDef = &g.defs[def_index];
    let value = match d.effect {
        Effect::WritesValue if harmless => "/dev/null",
        Effect::WritesValue => "/tmp/opsassist-out",
        _ => "v1",
    };
    let unsafe_opt = match d.effect {
        Effect::Safe => false,
        Effect::Unsafe => true,
        Effect::WritesValue => !harmless && d.arg != Arg::No,
    };
    let exact = g.style == Style::Exact;
    let use_long = d.short.is_none() || (!d.long.is_empty() && choice.is_multiple_of(2));
    let mut words = Vec::new();
    if use_long {
        let long = &d.long[(choice as usize / 2) % d.long.len()];
        let min = if exact {
            long.len()
        } else {
            shortest_unique(g, def_index, long)
        };
        let len = min + (choice as usize / 7) % (long.len() - min + 1);
        let name = &long[..len];
        let dash = if exact && choice.is_multiple_of(3) {
            "-"
        } else {
            "--"
        };
        match d.arg {
            Arg::No => words.push(format!("{dash}{name}")),
            Arg::Optional => words.push(if choice.is_multiple_of(5) {
                format!("{dash}{name}")
            } else {
                format!("{dash}{name}={value}")
            }),
            Arg::Required if choice % 3 == 1 => words.push(format!("{dash}{name}={value}")),
            Arg::Required => {
                words.push(format!("{dash}{name}"));
                words.push(value.to_string());
            }
        }
    } else {
        let c = d.short.unwrap_or('x');
        match d.arg {
            Arg::No => words.push(format!("-{c}")),
            Arg::Optional => words.push(format!("-{c}{value}")),
            Arg::Required if choice.is_multiple_of(2) => words.push(format!("-{c}{value}")),
            Arg::Required => {
                words.push(format!("-{c}"));
                words.push(value.to_string());
            }
        }
    }
    let unsafe_opt = unsafe_opt
        || (d.arg == Arg::Optional
            && d.effect == Effect::WritesValue
            && words[0].ends_with("=/tmp/opsassist-out"));
    (words, unsafe_opt)
}

/// Join single-letter flags drawn in a row into one cluster (`-a -b -c` → `-abc`), as
/// getopt reads them.
fn cluster(words: Vec<String>, g: &Grammar, glue: bool) -> Vec<String> {
    if !glue || g.style == Style::Exact {
        return words;
    }
    let is_flag = |w: &str| {
        let mut cs = w.chars();
        cs.next() == Some('-')
            && cs.next().is_some_and(|c| {
                c != '-'
                    && g.defs
                        .iter()
                        .any(|d| d.short == Some(c) && d.arg == Arg::No)
            })
            && cs.next().is_none()
    };
    let mut out: Vec<String> = Vec::new();
    for w in words {
        match out.last_mut() {
            Some(last)
                if is_flag(&w)
                    && last.len() >= 2
                    && last.starts_with('-')
                    && !last.starts_with("--")
                    && last[1..].chars().all(|c| {
                        g.defs
                            .iter()
                            .any(|d| d.short == Some(c) && d.arg == Arg::No)
                    }) =>
            {
                last.push_str(&w[1..]);
            }
            _ => out.push(w),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn readers_are_read_only_exactly_when_every_option_is_safe(
        tool in any::<prop::sample::Index>(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<u32>(), any::<bool>()), 0..5),
        glue in any::<bool>(),
    ) {
        let tables = readers();
        let (name, g) = &tables[tool.index(tables.len())];
        let defs: Vec<usize> = (0..g.defs.len()).filter(|i| !g.defs[*i].is_numeric()).collect();
        prop_assume!(!defs.is_empty() || picks.is_empty());
        let mut words = Vec::new();
        let mut oracle_read_only = true;
        for (def, choice, harmless) in &picks {
            let def = defs[def.index(defs.len())];
            let (w, unsafe_opt) = spell(g, def, *choice, *harmless);
            oracle_read_only &= !unsafe_opt;
            words.extend(w);
        }
        let mut argv = vec![name.to_string()];
        argv.extend(cluster(words, g, glue));
        argv.push("file".to_string());
        let got = classify::argv(&argv, 0);
        prop_assert_eq!(
            got.class == Class::ReadOnly,
            oracle_read_only,
            "{:?}: {} ({})", argv, got.class.as_str(), got.reason
        );
    }
}

#[test]
fn no_table_names_an_option_twice() {
    let mut problems = Vec::new();
    for e in all_entries() {
        let g = Grammar::new(e.style, e.spec);
        let mut seen = std::collections::HashSet::new();
        for d in &g.defs {
            for name in d
                .long
                .iter()
                .map(|l| format!("--{l}"))
                .chain(d.short.map(|c| format!("-{c}")))
            {
                if !seen.insert(name.clone()) {
                    problems.push(format!("{}: {name}", e.names));
                }
            }
        }
        let entries = e.spec.split_whitespace().count();
        if entries != g.defs.len() {
            problems.push(format!("{}: malformed entry", e.names));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
