//! Per-tool option grammars: the single source that says which options a tool has, which take a
//! value, and which are safe for a read-only command. Parsed with the tool's real rules
//! (`getopt.rs`); written as compact spec strings (`spec.rs`).

mod getopt;
mod spec;

#[cfg(test)]
mod tests;

#[allow(unused_imports)]
pub(crate) use getopt::{Bad, Item, Parsed};
#[allow(unused_imports)]
pub(crate) use spec::{Arg, Effect, OptDef};

/// How a tool reads its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// GNU `getopt_long`: `-abc` clusters, `-ofile`, `--long`, `--long=value`, unambiguous long
    /// prefixes (`--outp` is `--output`), options anywhere unless `stop_at_operand`.
    Gnu,
    #[allow(dead_code)] // no table needs it yet
    /// GNU `getopt_long_only`: like `Gnu`, but `-long` is tried as a long option (exact or
    /// unambiguous prefix) before it is read as a short cluster.
    LongOnly,
    /// Exact names only, with one or two dashes and an optional `=value` (OpenSSL's
    /// `opt_next`); no abbreviations, no clusters.
    Exact,
    /// iproute2's `matches()`: one or two dashes, no clusters, and a word names the first
    /// option (in table order) that it is a non-empty prefix of (`-b` is `-batch`, not `-brief`).
    FirstPrefix,
}

/// The option grammar of one tool.
#[derive(Debug, Clone)]
pub(crate) struct Grammar {
    pub style: Style,
    /// Stop option parsing at the first operand (getopt's `+` / POSIXLY_CORRECT): the rest are
    /// operands. Set for tools whose first operand is a command or subcommand.
    pub stop_at_operand: bool,
    pub defs: Vec<OptDef>,
}

impl Grammar {
    /// A GNU `getopt_long` grammar from a spec string (see `spec.rs` for the syntax).
    pub(crate) fn gnu(spec: &str) -> Grammar {
        Grammar::new(Style::Gnu, spec)
    }

    /// A grammar of the given style from a spec string.
    pub(crate) fn new(style: Style, spec: &str) -> Grammar {
        Grammar {
            style,
            stop_at_operand: false,
            defs: spec::parse(spec),
        }
    }

    /// The same grammar, stopping at the first operand.
    pub(crate) fn stop_at_operand(mut self) -> Grammar {
        self.stop_at_operand = true;
        self
    }

    /// Parse `args` (the words after the program name).
    pub(crate) fn parse<'a>(&'a self, args: &'a [String]) -> Parsed<'a> {
        getopt::parse(self, args)
    }

    #[allow(dead_code)] // used by the grammar tests
    /// The definition whose canonical name (`--long`, else `-s`) is `name`.
    pub(crate) fn def(&self, name: &str) -> Option<&OptDef> {
        self.defs.iter().find(|d| d.canonical() == name)
    }
}
