//! Tests of the grammar engine: getopt_long's real rules on small grammars.

use super::*;

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn sort() -> Grammar {
    Grammar::gnu(
        "b/ignore-leading-blanks c/check C k/key: o/output:> /compress-program:! r/reverse \
         s/stable S/buffer-size: t/field-separator: /sort: /debug",
    )
}

#[test]
fn long_prefixes_resolve_like_getopt_long() {
    let g = sort();
    let a = args("--outp=F file");
    let p = g.parse(&a);
    assert_eq!(p.value("--output"), Some("F"));
    assert_eq!(p.value("-o"), Some("F"));
    assert_eq!(p.operands(), vec!["file"]);
    let a = args("--comp sh x");
    let p = g.parse(&a);
    assert!(p.has("--compress-program"));
    assert_eq!(p.operands(), vec!["x"]);
    assert!(p.first_unsafe().is_some());
}

#[test]
fn ambiguous_and_unknown_long_options_are_bad() {
    let g = sort();
    let a = args("--s x");
    let p = g.parse(&a);
    assert!(
        p.bad().is_some_and(|b| b.contains("ambiguous")),
        "{:?}",
        p.bad()
    );
    let a = args("--nope x");
    assert!(g.parse(&a).bad().is_some_and(|b| b.contains("unknown")));
    let a = args("--reverse=yes");
    assert!(
        g.parse(&a)
            .bad()
            .is_some_and(|b| b.contains("takes no value"))
    );
    let a = args("-k");
    assert!(g.parse(&a).bad().is_some_and(|b| b.contains("missing")));
}

#[test]
fn exact_long_name_wins_over_prefix() {
    let g = Grammar::gnu("/sort: /sort-order:");
    let a = args("--sort=x");
    assert!(g.parse(&a).has("--sort"));
}

#[test]
fn clusters_take_attached_and_following_values() {
    let g = sort();
    let a = args("-rbo F in");
    let p = g.parse(&a);
    assert!(p.has("-r") && p.has("-b"));
    assert_eq!(p.value("--output"), Some("F"));
    assert_eq!(p.operands(), vec!["in"]);
    let a = args("-roF in");
    assert_eq!(g.parse(&a).value("-o"), Some("F"));
    let a = args("-rx");
    assert!(g.parse(&a).bad().is_some());
}

#[test]
fn writes_to_dev_null_are_harmless() {
    let g = sort();
    let a = args("-o /dev/null x");
    assert!(g.parse(&a).first_unsafe().is_none());
    let a = args("-o /tmp/x x");
    assert!(g.parse(&a).not_read_only("sort").is_some());
}

#[test]
fn permutation_and_stop_at_operand() {
    let g = sort();
    let a = args("in -o F");
    assert!(g.parse(&a).has("-o"));
    let g = Grammar::gnu("u/user: E").stop_at_operand();
    let a = args("-u root rm -rf /");
    let p = g.parse(&a);
    assert_eq!(p.first_operand, Some(2));
    assert_eq!(p.operands(), vec!["rm", "-rf", "/"]);
    let a = args("-E -- ls");
    assert_eq!(g.parse(&a).first_operand, Some(2));
}

#[test]
fn long_only_tries_long_names_first() {
    let g = Grammar::new(Style::LongOnly, "b/batch: /brief d/details");
    let a = args("-br addr");
    let p = g.parse(&a);
    assert!(p.has("--brief"), "{:?}", p.items);
    let a = args("-d addr");
    assert!(g.parse(&a).has("-d"));
    let a = args("-b f");
    assert!(g.parse(&a).has("--batch"));
}

#[test]
fn exact_style_takes_one_or_two_dashes_and_equals() {
    let g = Grammar::new(Style::Exact, "/in: /out:> /noout /text");
    let a = args("-in a -out=b --text");
    let p = g.parse(&a);
    assert_eq!(p.value("--in"), Some("a"));
    assert_eq!(p.value("--out"), Some("b"));
    assert!(p.has("--text"));
    let a = args("-ou b");
    assert!(g.parse(&a).bad().is_some());
}

#[test]
fn aliases_share_one_definition() {
    let g = Grammar::gnu("/color|colour::");
    let a = args("--colour=never");
    let p = g.parse(&a);
    assert_eq!(p.value("--color"), Some("never"));
    let a = args("--col");
    assert!(g.parse(&a).bad().is_none());
}

#[test]
fn first_prefix_takes_the_first_option_in_table_order() {
    let g = Grammar::new(
        Style::FirstPrefix,
        "/family: /force /batch:! /brief /stats /json",
    );
    let a = args("-b file link");
    let p = g.parse(&a);
    assert_eq!(p.value("--batch"), Some("file"));
    assert!(p.first_unsafe().is_some());
    let a = args("-br link");
    let p = g.parse(&a);
    assert!(p.has("--brief") && p.first_unsafe().is_none());
    let a = args("-f inet --fo -s -j addr");
    let p = g.parse(&a);
    assert_eq!(p.value("--family"), Some("inet"));
    assert!(p.has("--force") && p.has("--stats") && p.has("--json"));
    assert_eq!(p.operands(), vec!["addr"]);
    let a = args("-x addr");
    assert!(g.parse(&a).bad().is_some());
}

#[test]
fn numeric_options_take_their_digits() {
    let g = Grammar::gnu("# n/lines: f q");
    let a = args("-20 file");
    let p = g.parse(&a);
    assert_eq!(p.value("--#"), Some("20"));
    assert_eq!(p.operands(), vec!["file"]);
    let a = args("-5fq file");
    let p = g.parse(&a);
    assert!(p.has("-f") && p.has("-q") && p.bad().is_none());
    let g = Grammar::gnu("n/lines: f");
    let a = args("-20 file");
    assert!(g.parse(&a).bad().is_some());
}

#[test]
fn a_parsed_grammar_keeps_no_spare_room() {
    // The grammar tables live as long as the process: a collected `Vec` with room for four
    // long names where one is used cost ~70 bytes per option, a few thousand times over.
    let g = Grammar::gnu("b/ignore-leading-blanks k/key: /debug /sort|order: c");
    assert_eq!(g.defs.len(), 5);
    assert_eq!(g.defs.capacity(), g.defs.len());
    for d in &g.defs {
        assert_eq!(d.long.capacity(), d.long.len(), "{d:?}");
    }
}
