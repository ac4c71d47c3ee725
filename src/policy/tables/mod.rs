//! The per-tool grammar tables, one file per family: the single source of which options each
//! tool has, which take a value and which are safe, used by the classifier and the prefix
//! code alike.

mod files;
mod net;
mod services;
mod system;
mod text;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod rule_props;
#[cfg(test)]
mod shared_tests;

use std::collections::HashMap;
use std::sync::LazyLock;

use super::grammar::{Grammar, Style};

/// One table row: the tool names sharing a grammar, and how the grammar is used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// Space-separated program names (or `tool sub` keys for subcommand grammars).
    pub names: &'static str,
    /// True for plain readers: read-only exactly when every option is safe.
    pub reader: bool,
    pub style: Style,
    /// Options stop at the first operand (the subcommand).
    pub stop: bool,
    pub spec: &'static str,
}

/// A plain reader: GNU parsing, read-only when every option is safe.
pub(crate) const fn reader(names: &'static str, spec: &'static str) -> Entry {
    Entry {
        names,
        reader: true,
        style: Style::Gnu,
        stop: false,
        spec,
    }
}

/// A tool classified by its own code, which reads its argv with this GNU grammar.
pub(crate) const fn tool(names: &'static str, spec: &'static str) -> Entry {
    Entry {
        names,
        reader: false,
        style: Style::Gnu,
        stop: false,
        spec,
    }
}

/// Global options of a tool with subcommands: parsing stops at the subcommand.
pub(crate) const fn global(names: &'static str, spec: &'static str) -> Entry {
    Entry {
        names,
        reader: false,
        style: Style::Gnu,
        stop: true,
        spec,
    }
}

/// The same entry with another parsing style.
pub(crate) const fn styled(mut e: Entry, style: Style) -> Entry {
    e.style = style;
    e
}

/// Every table's grammar, parsed once per entry (the names of one entry share it), and each
/// name's entry: the tables stay in memory for the life of the process, and parsing the same
/// spec again for every name it lists was a quarter of them (BENCHMARKS.md, "Headless memory").
struct Tables {
    grammars: Vec<Grammar>,
    /// Index into `grammars`, and whether the tool is a plain reader.
    by_name: HashMap<&'static str, (usize, bool)>,
}

impl Tables {
    fn get(&self, name: &str) -> Option<(&Grammar, bool)> {
        self.by_name
            .get(name)
            .map(|&(at, reader)| (&self.grammars[at], reader))
    }
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut grammars = Vec::new();
    let mut by_name = HashMap::new();
    for e in all_entries() {
        let mut grammar = Grammar::new(e.style, e.spec);
        if e.stop {
            grammar = grammar.stop_at_operand();
        }
        for name in e.names.split(',').map(str::trim) {
            by_name.insert(name, (grammars.len(), e.reader));
        }
        grammars.push(grammar);
    }
    grammars.shrink_to_fit();
    Tables { grammars, by_name }
});

/// Every entry of every family.
pub(crate) fn all_entries() -> impl Iterator<Item = &'static Entry> {
    text::ENTRIES
        .iter()
        .chain(files::ENTRIES)
        .chain(system::ENTRIES)
        .chain(net::ENTRIES)
        .chain(services::ENTRIES)
}

/// The grammar of a plain reader, or `None` when `name` is not one.
pub(crate) fn reader_grammar(name: &str) -> Option<&'static Grammar> {
    TABLES
        .get(name)
        .filter(|&(_, reader)| reader)
        .map(|(grammar, _)| grammar)
}

/// The grammar registered under `key`, or `None` when no table has it.
pub(crate) fn table_grammar(key: &str) -> Option<&'static Grammar> {
    TABLES.get(key).map(|(grammar, _)| grammar)
}

/// The grammar registered under `key` (a program, or `tool sub`). A missing key is a
/// programming error caught by the tests; it reads as a grammar with no options, so every
/// option is unknown and nothing is read-only.
pub(crate) fn grammar(key: &str) -> &'static Grammar {
    static EMPTY: LazyLock<Grammar> = LazyLock::new(|| Grammar::gnu(""));
    debug_assert!(
        TABLES.by_name.contains_key(key),
        "no grammar table for `{key}`"
    );
    TABLES.get(key).map_or(&*EMPTY, |(grammar, _)| grammar)
}

/// iproute2's `matches()`: `word` is a non-empty prefix of `full`.
pub(crate) fn iproute_matches(word: &str, full: &str) -> bool {
    !word.is_empty() && full.starts_with(word)
}

/// The first of `words` (iproute2's own priority order) that `word` abbreviates.
pub(crate) fn iproute_first<'a>(word: &str, words: &[&'a str]) -> Option<&'a str> {
    words.iter().copied().find(|w| iproute_matches(word, w))
}
