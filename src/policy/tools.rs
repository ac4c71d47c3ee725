//! Subcommand-aware rules for multi-command tools: systemctl, journalctl, ip, kubectl, docker,
//! crictl, curl, openssl, psql/mysql, iptables/nft, find, sed, awk, helm, terraform, packages.

use super::classify::Verdict;
use super::containers::{docker, kubectl};
use super::options::{Opt, flag_value, has_flag, operands, opts};
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

fn ip(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "nbf",
        &["-netns", "-batch", "-family", "-rc", "-rcvbuf"],
        false,
    );
    if has_flag(&parsed, &["-b", "-batch", "-force"]) {
        return Verdict::change("ip -batch runs commands from a file");
    }
    let ops = operands(&parsed);
    let Some(object) = ops.first() else {
        return Verdict::change("ip without an object");
    };
    if matches!(*object, "netns" | "monitor" | "mon")
        && ops
            .get(1)
            .is_some_and(|a| !matches!(*a, "list" | "show" | "ls"))
    {
        return Verdict::change(format!("ip {object} {}", ops[1]));
    }
    match ops.get(1) {
        None => Verdict::read_only(format!("ip {object} only reads")),
        Some(a)
            if matches!(
                *a,
                "show" | "list" | "ls" | "lst" | "sh" | "s" | "get" | "l"
            ) =>
        {
            Verdict::read_only(format!("ip {object} {a} only reads"))
        }
        Some(a)
            if matches!(
                *object,
                "addr" | "address" | "a" | "link" | "l" | "route" | "r" | "ro" | "neigh" | "n"
            ) && !is_ip_verb(a) =>
        {
            Verdict::read_only(format!("ip {object} {a} only reads"))
        }
        Some(a) => Verdict::change(format!("ip {object} {a} changes networking")),
    }
}

fn is_ip_verb(word: &str) -> bool {
    matches!(
        word,
        "add"
            | "del"
            | "delete"
            | "set"
            | "change"
            | "replace"
            | "flush"
            | "append"
            | "prepend"
            | "save"
            | "restore"
            | "exec"
            | "attach"
            | "detach"
            | "update"
            | "flush-all"
    )
}

fn curl(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "XHdFoTuAewmxKcbDrECYyzUPQtg",
        &[
            "--request",
            "--header",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "--form",
            "--output",
            "--upload-file",
            "--user",
            "--user-agent",
            "--referer",
            "--write-out",
            "--max-time",
            "--proxy",
            "--config",
            "--cookie-jar",
            "--cookie",
            "--dump-header",
            "--range",
            "--cert",
            "--cacert",
            "--trace",
            "--trace-ascii",
            "--libcurl",
            "--json",
            "--form-string",
            "--etag-save",
            "--hsts",
            "--alt-svc",
            "--connect-timeout",
            "--resolve",
            "--retry",
            "--stderr",
            "--output-dir",
        ],
        false,
    );
    let writes = [
        "-o",
        "--output",
        "-O",
        "--remote-name",
        "--remote-name-all",
        "-T",
        "--upload-file",
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--data-ascii",
        "-F",
        "--form",
        "--form-string",
        "--json",
        "-K",
        "--config",
        "-c",
        "--cookie-jar",
        "--libcurl",
        "--etag-save",
        "--hsts",
        "--alt-svc",
        "--create-dirs",
        "--output-dir",
        "-J",
        "--remote-header-name",
    ];
    if let Some(Opt::Flag { name, .. }) = parsed
        .iter()
        .find(|o| matches!(o, Opt::Flag { name, .. } if writes.contains(&name.as_str())))
    {
        return Verdict::change(format!("curl {name} sends data or writes files"));
    }
    for flag in [
        "-D",
        "--dump-header",
        "--trace",
        "--trace-ascii",
        "--stderr",
    ] {
        if flag_value(&parsed, &[flag]).is_some_and(|v| v != "-" && v != "/dev/null") {
            return Verdict::change(format!("curl {flag} writes a file"));
        }
    }
    match flag_value(&parsed, &["-X", "--request"]) {
        Some(m) if !m.eq_ignore_ascii_case("GET") && !m.eq_ignore_ascii_case("HEAD") => {
            Verdict::change(format!("curl -X {m} may change the server"))
        }
        _ => Verdict::read_only("curl GET only reads"),
    }
}

fn openssl(args: &[String]) -> Verdict {
    let banned = [
        "-out",
        "-keyout",
        "-sess_out",
        "-keylogfile",
        "-msgfile",
        "-new",
        "-signkey",
        "-writerand",
        "-CAcreateserial",
        "-req",
        "-x509toreq",
    ];
    match args.first().map(String::as_str) {
        Some(sub @ ("x509" | "verify" | "version" | "s_client" | "crl" | "ciphers")) => {
            match args.iter().find(|a| banned.contains(&a.as_str())) {
                Some(flag) => Verdict::change(format!("openssl {sub} {flag} writes or signs")),
                None => Verdict::read_only(format!("openssl {sub} only reads")),
            }
        }
        Some(sub) => Verdict::change(format!("openssl {sub} is not on the read-only allowlist")),
        None => Verdict::change("interactive openssl"),
    }
}

fn iptables(name: &str, args: &[String]) -> Verdict {
    let cmds: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .map(String::as_str)
        .collect();
    let is = |short: char, long: &str| {
        cmds.iter()
            .any(|a| *a == long || (!a.starts_with("--") && a[1..].contains(short) && a.len() <= 4))
    };
    if is('F', "--flush") || is('X', "--delete-chain") {
        return Verdict::destructive(format!("{name} flush removes firewall rules"));
    }
    if is('P', "--policy") && args.iter().any(|a| a == "DROP" || a == "REJECT") {
        return Verdict::destructive(format!("{name} default DROP policy can cut access"));
    }
    let mutating = ['A', 'I', 'D', 'R', 'N', 'E', 'Z', 'P'];
    let mutates = cmds.iter().any(|a| {
        !a.starts_with("--") && a[1..].chars().any(|c| mutating.contains(&c)) && a.len() <= 4
    }) || cmds.iter().any(|a| {
        matches!(
            *a,
            "--append"
                | "--insert"
                | "--delete"
                | "--replace"
                | "--new-chain"
                | "--rename-chain"
                | "--zero"
                | "--policy"
        )
    });
    if !mutates && (is('L', "--list") || is('S', "--list-rules")) {
        Verdict::read_only(format!("{name} -L only lists"))
    } else {
        Verdict::change(format!("{name} changes firewall rules"))
    }
}

fn nft(args: &[String]) -> Verdict {
    let parsed = opts(args, "fIo", &["--file", "--includepath"], true);
    if has_flag(&parsed, &["-f", "--file"]) {
        return Verdict::change("nft -f loads rules from a file");
    }
    match operands(&parsed).first().copied() {
        Some("list") => Verdict::read_only("nft list only reads"),
        Some(v @ ("flush" | "delete" | "destroy")) => {
            Verdict::destructive(format!("nft {v} removes firewall rules"))
        }
        Some(v) => Verdict::change(format!("nft {v} changes firewall rules")),
        None => Verdict::change("interactive nft"),
    }
}
