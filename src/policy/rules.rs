//! One command's argv: path resolution, wrappers (`sudo`, `env`, `xargs`, …), plain readers
//! (read-only only when every option is one their grammar table marks safe), shell builtins
//! that evaluate their arguments, and the commands that destroy data or hosts.
//! Argument-dependent single commands (rm, kill, mount, …) live in `host_tools.rs`;
//! subcommand-aware tools (systemctl, kubectl, docker, psql, …) in `tools.rs`.

use super::classify::Verdict;
use super::grammar::{Effect, Parsed};
use super::system_paths::{is_block_device, is_system_path};
use super::{host_tools, tables, tools, wrappers};

/// Directories whose binaries are trusted to be the real tool of that name.
const TRUSTED_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin"];

/// Full-screen or never-ending interactive programs.
const INTERACTIVE: &[&str] = &[
    "less", "more", "most", "vi", "vim", "nvim", "nano", "emacs", "view", "pico", "htop", "atop",
    "iotop", "iftop", "nmon", "mc", "screen", "tmux",
];

/// Commands that destroy data, disks or the host whatever their arguments.
const ALWAYS_DESTRUCTIVE: &[&str] = &[
    "shred",
    "wipefs",
    "blkdiscard",
    "mkswap",
    "mke2fs",
    "gdisk",
    "cgdisk",
    "cfdisk",
    "sgdisk",
    "reboot",
    "halt",
    "poweroff",
    "kexec",
    "dropdb",
    "dropuser",
    "lvremove",
    "vgremove",
    "pvremove",
    "killall5",
];

/// The names that are destructive whatever their arguments (a glob that can match one is).
pub(crate) fn destructive_names() -> impl Iterator<Item = &'static str> {
    ALWAYS_DESTRUCTIVE
        .iter()
        .copied()
        .chain(["shutdown", "init", "telinit", "mkfs"])
}

/// Classify `name args…`. `name` may be a path; only trusted system dirs count as the tool.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Verdict {
    if name.is_empty() {
        return Verdict::change("empty command name");
    }
    if name.contains('/') && super::classify::written(name).is_some() {
        // A script this line wrote, then runs: its text is what runs.
        return wrappers::run_file(name, name, depth);
    }
    let (base, trusted) = match name.rsplit_once('/') {
        Some((dir, base)) => (base, TRUSTED_DIRS.contains(&dir)),
        None => (name, true),
    };
    let verdict = by_name(base, args, depth);
    if trusted {
        verdict
    } else if verdict.class == super::Class::Destructive {
        Verdict::destructive(format!(
            "unknown command {name} (as {base}: {})",
            verdict.reason
        ))
    } else {
        Verdict::change(format!("unknown command {name}"))
    }
}

fn by_name(name: &str, args: &[String], depth: usize) -> Verdict {
    if let Some(v) = wrappers::classify(name, args, depth) {
        return v;
    }
    if let Some(v) = tools::classify(name, args, depth) {
        return v;
    }
    if let Some(grammar) = tables::reader_grammar(name) {
        let parsed = grammar.parse(args);
        if name == "getent"
            && let Some(db @ ("shadow" | "gshadow")) = parsed.operands().first().copied()
        {
            return Verdict::change(format!("getent {db} prints password hashes"));
        }
        return options_verdict(name, &parsed)
            .unwrap_or_else(|| Verdict::read_only(format!("{name} only reads")));
    }
    if let Some(v) = builtin(name, args) {
        return v;
    }
    if INTERACTIVE.contains(&name) {
        return Verdict::change(format!("{name} is interactive"));
    }
    if ALWAYS_DESTRUCTIVE.contains(&name) || name.starts_with("mkfs") {
        return Verdict::destructive(format!("{name} is destructive"));
    }
    host_tools::files(name, args)
        .unwrap_or_else(|| Verdict::change(format!("{name} is not on the read-only allowlist")))
}

/// Why the options keep a command from being read-only: `None` when every option is known
/// and safe; destructive when an option writes a system path or a block device.
pub(crate) fn options_verdict(tool: &str, parsed: &Parsed) -> Option<Verdict> {
    let why = parsed.not_read_only(tool)?;
    let overwrites = parsed.opts().find_map(|(d, spelled, v)| {
        let v = v?;
        (d.effect == Effect::WritesValue && (is_system_path(v) || is_block_device(v)))
            .then(|| format!("{tool} {spelled} overwrites {v}"))
    });
    Some(match overwrites {
        Some(reason) => Verdict::destructive(reason),
        None => Verdict::change(why),
    })
}

/// Shell builtins and tiny utilities whose arguments are data, except where bash evaluates
/// them: `test -v 'a[$(cmd)]'` and `printf -v 'a[$(cmd)]'` run the subscript.
fn builtin(name: &str, args: &[String]) -> Option<Verdict> {
    let v = match name {
        "echo" | "expr" => Verdict::read_only(format!("{name} only prints")),
        "test" | "[" => match args.iter().find(|a| matches!(a.as_str(), "-v" | "-R")) {
            Some(op) => Verdict::change(format!(
                "{name} {op} evaluates an array subscript, which can run commands"
            )),
            None => Verdict::read_only(format!("{name} only tests")),
        },
        "printf" => {
            let parsed = tables::grammar("printf").parse(args);
            options_verdict(name, &parsed).map_or_else(
                || Verdict::read_only("printf only prints"),
                |v| {
                    if parsed.has("-v") {
                        Verdict::change(
                            "printf -v assigns a variable; bash evaluates its array subscript",
                        )
                    } else {
                        v
                    }
                },
            )
        }
        _ => return None,
    };
    Some(v)
}
