//! The allowlist and destructive tables for one command's argv: path resolution, wrappers
//! (`sudo`, `env`, `xargs`, …), plain readers, and the commands that destroy data or hosts.
//! Argument-dependent single commands (rm, kill, mount, …) live in `host_tools.rs`;
//! subcommand-aware tools (systemctl, kubectl, docker, psql, …) in `tools.rs`.

use super::classify::Verdict;
use super::{host_tools, tools, wrappers};

/// Directories whose binaries are trusted to be the real tool of that name.
const TRUSTED_DIRS: &[&str] = &["/bin", "/usr/bin", "/sbin", "/usr/sbin"];

/// Inspection commands that are read-only whatever their arguments.
const READERS: &[&str] = &[
    "uptime",
    "free",
    "df",
    "du",
    "lsblk",
    "findmnt",
    "vmstat",
    "iostat",
    "mpstat",
    "sar",
    "nproc",
    "uname",
    "id",
    "whoami",
    "groups",
    "ls",
    "stat",
    "file",
    "wc",
    "cut",
    "head",
    "tail",
    "cat",
    "tac",
    "nl",
    "grep",
    "egrep",
    "fgrep",
    "zgrep",
    "zcat",
    "bzcat",
    "xzcat",
    "lsof",
    "w",
    "who",
    "last",
    "ps",
    "pstree",
    "pgrep",
    "pidof",
    "lscpu",
    "lsmem",
    "lsmod",
    "lspci",
    "lsusb",
    "lsns",
    "lslocks",
    "printenv",
    "pwd",
    "which",
    "whereis",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "column",
    "jq",
    "strings",
    "od",
    "hexdump",
    "getent",
    "dig",
    "host",
    "nslookup",
    "echo",
    "printf",
    "true",
    "false",
    "tr",
    "comm",
    "diff",
    "cmp",
    "tree",
    "seq",
    "sleep",
    "test",
    "[",
    "expr",
    "numfmt",
    "fold",
    "rev",
    "paste",
    "join",
    "expand",
    "unexpand",
    "hostid",
    "arch",
    "tty",
    "locale",
    "getconf",
    "netstat",
    "blkid",
    "lastlog",
    "tracepath",
    "traceroute",
    "iptables-save",
    "ip6tables-save",
    "free",
    "nstat",
    "ifconfig",
    "route",
    "arp",
    "timeout-free",
    "zdiff",
];

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
    "truncate",
    "dropdb",
    "dropuser",
    "lvremove",
    "vgremove",
    "pvremove",
    "killall5",
];

/// Classify `name args…`. `name` may be a path; only trusted system dirs count as the tool.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Verdict {
    if name.is_empty() {
        return Verdict::change("empty command name");
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
    if READERS.contains(&name) {
        return Verdict::read_only(format!("{name} only reads"));
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
