//! The tables parse each entry's spec once: every name an entry lists reads the same grammar.

use std::collections::HashMap;

use super::{all_entries, table_grammar};

#[test]
fn the_names_of_one_entry_share_one_grammar() {
    let mut listed: HashMap<&str, usize> = HashMap::new();
    for e in all_entries() {
        for name in e.names.split(',').map(str::trim) {
            *listed.entry(name).or_default() += 1;
        }
    }
    let mut shared = 0;
    for e in all_entries() {
        let names: Vec<&str> = e.names.split(',').map(str::trim).collect();
        // A name listed by two entries belongs to the later one (as a map insert does).
        if names.len() < 2 || names.iter().any(|n| listed[n] > 1) {
            continue;
        }
        let first = table_grammar(names[0]).expect("a listed name has a grammar");
        for name in &names[1..] {
            let other = table_grammar(name).expect("a listed name has a grammar");
            assert!(
                std::ptr::eq(first, other),
                "`{}` and `{name}` parse the same spec twice",
                names[0]
            );
            shared += 1;
        }
    }
    assert!(shared > 10, "only {shared} names share an entry's grammar");
}
