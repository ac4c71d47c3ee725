//! Subcommand-aware rules for multi-command tools: systemctl, journalctl, ss, kubectl, docker,
//! crictl, psql/mysql, find, sed, awk, helm, terraform, packages; the network tools (ip, curl,
//! openssl, iptables/nft) are in `net_tools.rs`.

use super::classify::Verdict;
use super::containers::{docker, kubectl};
use super::net_tools::{curl, ip, iptables, nft, openssl};
use super::options::{operands, opts};
use super::sql::{redis, sql_client};
use super::text_tools::{awk, find, sed};

/// Classify `name args…` when `name` is a tool with subcommands; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let v = match name {
        "systemctl" => systemctl(args),
        "journalctl" => journalctl(args),
        "ip" => ip(args),
        "ss" => {
            if args.iter().any(|a| {
                a == "-K"
                    || a == "--kill"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('K'))
            }) {
                Verdict::change("ss -K kills sockets")
            } else {
                Verdict::read_only("ss only reads")
            }
        }
        "kubectl" => kubectl(args, depth),
        "docker" | "podman" | "nerdctl" => docker(name, args, depth),
        "crictl" => sub_table(
            name,
            args,
            "",
            &[
                "--runtime-endpoint",
                "--image-endpoint",
                "--config",
                "--timeout",
            ],
            &[
                "ps",
                "pods",
                "logs",
                "inspect",
                "inspectp",
                "inspecti",
                "images",
                "img",
                "stats",
                "statsp",
                "info",
                "version",
                "imagefsinfo",
            ],
            &[],
        ),
        "curl" => curl(args),
        "wget" => Verdict::change("wget saves files"),
        "openssl" => openssl(args),
        "psql" => sql_client(
            name,
            args,
            "cdfhLopUvPTFR",
            &["-c", "--command"],
            &["-f", "--file", "-o", "--output", "-L", "--log-file"],
            &["-l", "--list"],
        ),
        "mysql" | "mariadb" => sql_client(
            name,
            args,
            "DehPSu",
            &["-e", "--execute"],
            &["--tee", "-T"],
            &[],
        ),
        "redis-cli" => redis(args),
        "iptables" | "ip6tables" | "iptables-legacy" | "iptables-nft" | "ip6tables-legacy"
        | "ip6tables-nft" => iptables(name, args),
        "nft" => nft(args),
        "find" => find(args, depth),
        "sed" => sed(args),
        "awk" | "gawk" | "mawk" | "nawk" => awk(name, args),
        "git" => Verdict::change("git runs repository-configured hooks, pagers and helpers"),
        "helm" => sub_table(
            name,
            args,
            "n",
            &["--namespace", "--kube-context", "--kubeconfig"],
            &[
                "list", "ls", "status", "get", "history", "show", "version", "search", "env",
            ],
            &["uninstall", "delete", "del", "un"],
        ),
        "terraform" | "tofu" => {
            if args.iter().any(|a| a == "-destroy") {
                Verdict::destructive(format!("{name} apply -destroy"))
            } else {
                sub_table(
                    name,
                    args,
                    "",
                    &[],
                    &[
                        "show",
                        "version",
                        "output",
                        "validate",
                        "providers",
                        "graph",
                    ],
                    &["destroy"],
                )
            }
        }
        "service" => {
            if args.len() == 2 && args[1] == "status" || args.iter().any(|a| a == "--status-all") {
                Verdict::read_only("service status only reads")
            } else {
                Verdict::change("service changes a service")
            }
        }
        "timedatectl" | "hostnamectl" | "loginctl" | "networkctl" | "resolvectl" | "localectl"
        | "busctl" => {
            match operands(&opts(
                args,
                "HMp",
                &["--host", "--machine", "--property"],
                false,
            ))
            .first()
            {
                None => Verdict::read_only(format!("{name} status only reads")),
                Some(s)
                    if s.starts_with("status")
                        || s.starts_with("show")
                        || s.starts_with("list")
                        || *s == "timesync-status"
                        || *s == "statistics" =>
                {
                    Verdict::read_only(format!("{name} {s} only reads"))
                }
                Some(s) => Verdict::change(format!("{name} {s} changes settings")),
            }
        }
        "dpkg" | "dpkg-query" => {
            let ro = [
                "-l",
                "-L",
                "-s",
                "-S",
                "-p",
                "--list",
                "--listfiles",
                "--status",
                "--search",
                "--print-avail",
                "--get-selections",
                "--print-architecture",
                "-W",
                "--show",
            ];
            if args.first().is_some_and(|a| ro.contains(&a.as_str())) || name == "dpkg-query" {
                Verdict::read_only(format!("{name} query only reads"))
            } else {
                Verdict::change(format!("{name} changes packages"))
            }
        }
        "rpm" => {
            if args.first().is_some_and(|a| {
                a.starts_with("-q") || a == "--query" || a == "-V" || a == "--verify"
            }) {
                Verdict::read_only("rpm -q only reads")
            } else {
                Verdict::change("rpm changes packages")
            }
        }
        "apt" | "apt-cache" => sub_table(
            name,
            args,
            "ocq",
            &[],
            &[
                "list", "show", "policy", "search", "depends", "rdepends", "madison", "showpkg",
                "stats", "pkgnames", "showsrc",
            ],
            &[],
        ),
        _ => return None,
    };
    Some(v)
}

/// First operand is a subcommand: read-only when in `ro`, destructive when in `destroy`.
fn sub_table(
    name: &str,
    args: &[String],
    short_val: &str,
    long_val: &[&str],
    ro: &[&str],
    destroy: &[&str],
) -> Verdict {
    let parsed = opts(args, short_val, long_val, true);
    match operands(&parsed).first() {
        Some(s) if destroy.contains(s) => {
            Verdict::destructive(format!("{name} {s} is destructive"))
        }
        Some(s) if ro.contains(s) => Verdict::read_only(format!("{name} {s} only reads")),
        Some(s) => Verdict::change(format!("{name} {s} is not on the read-only allowlist")),
        None => Verdict::change(format!("{name} without a subcommand")),
    }
}

fn systemctl(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "tHMpnosP",
        &[
            "--type",
            "--state",
            "--property",
            "--host",
            "--machine",
            "--lines",
            "--output",
            "--signal",
            "--kill-whom",
            "--root",
            "--job-mode",
            "--what",
        ],
        false,
    );
    const RO: &[&str] = &[
        "status",
        "show",
        "is-active",
        "is-enabled",
        "is-failed",
        "is-system-running",
        "list-units",
        "list-unit-files",
        "list-timers",
        "list-sockets",
        "list-dependencies",
        "list-jobs",
        "list-machines",
        "list-paths",
        "cat",
        "show-environment",
        "get-default",
        "help",
    ];
    const DESTROY: &[&str] = &[
        "reboot",
        "poweroff",
        "halt",
        "kexec",
        "emergency",
        "rescue",
        "soft-reboot",
        "suspend",
        "hibernate",
        "hybrid-sleep",
    ];
    match operands(&parsed).first() {
        None => Verdict::read_only("systemctl lists units"),
        Some(s) if RO.contains(s) => Verdict::read_only(format!("systemctl {s} only reads")),
        Some(s) if DESTROY.contains(s) => {
            Verdict::destructive(format!("systemctl {s} stops the host"))
        }
        Some(s) => Verdict::change(format!("systemctl {s} changes a unit")),
    }
}

fn journalctl(args: &[String]) -> Verdict {
    const WRITES: &[&str] = &[
        "--vacuum-size",
        "--vacuum-time",
        "--vacuum-files",
        "--rotate",
        "--flush",
        "--sync",
        "--relinquish-var",
        "--smart-relinquish-var",
        "--setup-keys",
        "--update-catalog",
        "--cursor-file",
    ];
    match args.iter().find(|a| {
        WRITES
            .iter()
            .any(|w| a.as_str() == *w || a.starts_with(&format!("{w}=")))
    }) {
        Some(flag) => Verdict::change(format!("journalctl {flag} changes the journal")),
        None => Verdict::read_only("journalctl only reads"),
    }
}
