//! Package managers: apt/apt-cache subcommands, dpkg/dpkg-query query actions, rpm query
//! and verify modes, each read with its grammar from `tables/services.rs`.

use super::classify::Verdict;
use super::rules::options_verdict;
use super::tables;

const APT_READ: &[&str] = &[
    "list", "show", "policy", "search", "depends", "rdepends", "madison", "showpkg", "stats",
    "pkgnames", "showsrc",
];

/// apt / apt-cache: read-only subcommands with only safe options (`-o`/`-c` set
/// configuration, which can point caches and hooks anywhere).
pub(crate) fn apt(name: &str, args: &[String]) -> Verdict {
    let parsed = tables::grammar(name).parse(args);
    if let Some(v) = options_verdict(name, &parsed) {
        return v;
    }
    match parsed.operands().first() {
        Some(s) if APT_READ.contains(s) => Verdict::read_only(format!("{name} {s} only reads")),
        Some(s) => Verdict::change(format!("{name} {s} is not on the read-only allowlist")),
        None => Verdict::change(format!("{name} without a subcommand")),
    }
}

pub(crate) fn dpkg(name: &str, args: &[String]) -> Verdict {
    const READ: &[&str] = &[
        "--list",
        "--listfiles",
        "--status",
        "--search",
        "--print-avail",
        "--get-selections",
        "--print-architecture",
        "--print-foreign-architectures",
        "--show",
        "--contents",
        "--info",
        "--compare-versions",
        "--audit",
        "--verify",
        "--control-list",
        "--control-show",
        "--control-path",
        "--help",
        "--version",
    ];
    let parsed = tables::grammar(name).parse(args);
    if let Some(v) = options_verdict(name, &parsed) {
        return v.at_least_change(&format!("{name} changes packages"));
    }
    if READ.iter().any(|r| parsed.has(r)) {
        Verdict::read_only(format!("{name} query only reads"))
    } else {
        Verdict::change(format!("{name} without a query action"))
    }
}

/// rpm in query (`-q`) or verify (`-V`) mode only; its option letters mean other things in
/// install mode, so any other first option is a change.
pub(crate) fn rpm(args: &[String]) -> Verdict {
    let query = args.first().is_some_and(|a| {
        (a.starts_with("-q") || a.starts_with("-V")) && !a.starts_with("--")
            || a == "--query"
            || a == "--verify"
    });
    if !query {
        return Verdict::change("rpm changes packages");
    }
    let parsed = tables::grammar("rpm").parse(args);
    options_verdict("rpm", &parsed).unwrap_or_else(|| Verdict::read_only("rpm -q only reads"))
}
