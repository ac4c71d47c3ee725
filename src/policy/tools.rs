//! Subcommand-aware rules for multi-command tools: systemctl, journalctl, kubectl, docker,
//! crictl, psql/mysql, find, sed, awk, helm, terraform and the systemd `*ctl` family (package
//! managers are in `packages.rs`). Global options are read with each tool's grammar from `tables/`, so an
//! option's value is never taken for the subcommand. The network tools (ip, curl, wget,
//! openssl, iptables/nft) are in `net_tools.rs`.

use super::classify::Verdict;
use super::containers::{docker, kubectl};
use super::net_tools::{curl, ip, iptables, net_listing, nft, openssl, wget};
use super::rules::options_verdict;
use super::sql::{redis, sql_client};
use super::text_tools::{awk, find, sed};
use super::{packages, tables};

/// Classify `name args…` when `name` is a tool with subcommands; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let v = match name {
        "systemctl" => systemctl(args),
        "journalctl" => journalctl(args),
        "ip" => ip(args, depth),
        "kubectl" => kubectl(args, depth),
        "docker" | "podman" | "nerdctl" => docker(name, args, depth),
        "crictl" => sub_table(
            name,
            name,
            args,
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
            &["rm", "rmp", "rmi"],
        ),
        "curl" => curl(args),
        "wget" => wget(args),
        "openssl" => openssl(args),
        "ifconfig" | "route" | "arp" => net_listing(name, args),
        "psql" => sql_client(
            name,
            args,
            "cdfhLopUvPTFR",
            &["-c", "--command"],
            &["-f", "--file", "-o", "--output", "-L", "--log-file"],
            &["-l", "--list"],
        ),
        "mysql" | "mariadb" => {
            // The SQL client reads `--init-command` SQL too (a DROP there is destructive);
            // the option list here keeps everything that runs or writes at least `change`.
            let sql = sql_client(
                name,
                args,
                "DehPSu",
                &["-e", "--execute"],
                &["--tee", "-T"],
                &[],
            );
            match mysql_unsafe(name, args) {
                Some(unsafe_opt) if unsafe_opt.class >= sql.class => unsafe_opt,
                _ => sql,
            }
        }
        "redis-cli" => redis(args),
        "iptables" | "ip6tables" | "iptables-legacy" | "iptables-nft" | "ip6tables-legacy"
        | "ip6tables-nft" => iptables(name, args),
        "nft" => nft(args),
        "find" => find(args, depth),
        "sed" => sed(args),
        "awk" | "gawk" | "mawk" | "nawk" => awk(name, args, depth),
        "git" => git(args),
        "helm" => sub_table(
            name,
            name,
            args,
            &[
                "list", "ls", "status", "get", "history", "show", "version", "search", "env",
            ],
            &["uninstall", "delete", "del", "un"],
        ),
        "terraform" | "tofu" => terraform(name, args),
        "service" => {
            if args.len() == 2 && args[1] == "status" || args.iter().any(|a| a == "--status-all") {
                Verdict::read_only("service status only reads")
            } else {
                Verdict::change("service changes a service")
            }
        }
        "timedatectl" | "hostnamectl" | "loginctl" | "networkctl" | "resolvectl" | "localectl"
        | "busctl" => systemd_ctl(name, args),
        "dpkg" | "dpkg-query" => packages::dpkg(name, args),
        "rpm" => packages::rpm(args),
        "apt" | "apt-cache" => packages::apt(name, args),
        _ => return None,
    };
    Some(v)
}

/// The subcommand after the global options read with `key`'s grammar: read-only when in `ro`,
/// destructive when in `destroy`.
fn sub_table(name: &str, key: &str, args: &[String], ro: &[&str], destroy: &[&str]) -> Verdict {
    let parsed = tables::grammar(key).parse(args);
    let sub = parsed.operands().first().copied();
    if let Some(s) = sub.filter(|s| destroy.contains(s)) {
        return Verdict::destructive(format!("{name} {s} is destructive"));
    }
    if let Some(v) = options_verdict(name, &parsed) {
        return v;
    }
    match sub {
        Some(s) if ro.contains(&s) => Verdict::read_only(format!("{name} {s} only reads")),
        Some(s) => Verdict::change(format!("{name} {s} is not on the read-only allowlist")),
        None => Verdict::change(format!("{name} without a subcommand")),
    }
}

/// systemctl verbs that only read.
pub(crate) const SYSTEMCTL_READ: &[&str] = &[
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
    "list-automounts",
    "cat",
    "show-environment",
    "get-default",
    "help",
];

/// Targets that take the host down or out of service when started or isolated.
fn host_down_target(unit: &str) -> bool {
    let unit = unit.strip_suffix(".target").unwrap_or(unit);
    matches!(
        unit,
        "rescue"
            | "emergency"
            | "poweroff"
            | "reboot"
            | "halt"
            | "kexec"
            | "shutdown"
            | "soft-reboot"
            | "sleep"
            | "suspend"
            | "hibernate"
            | "hybrid-sleep"
            | "suspend-then-hibernate"
            | "runlevel0"
            | "runlevel1"
            | "runlevel6"
            | "final"
            | "exit"
            | "ctrl-alt-del"
    )
}

fn systemctl(args: &[String]) -> Verdict {
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
        "suspend-then-hibernate",
        "exit",
        "switch-root",
    ];
    let parsed = tables::grammar("systemctl").parse(args);
    let ops = parsed.operands();
    let verb = ops.first().copied();
    if let Some(s) = verb.filter(|s| DESTROY.contains(s)) {
        return Verdict::destructive(format!("systemctl {s} stops the host"));
    }
    let starts = |s: &&str| {
        matches!(
            *s,
            "isolate" | "start" | "restart" | "reload-or-restart" | "try-restart"
        )
    };
    if let Some(s) = verb.filter(starts)
        && let Some(t) = ops[1..].iter().find(|u| host_down_target(u))
    {
        return Verdict::destructive(format!("systemctl {s} {t} takes the host out of service"));
    }
    if let Some(v) = options_verdict("systemctl", &parsed) {
        return v;
    }
    match verb {
        None => Verdict::read_only("systemctl lists units"),
        Some(s) if SYSTEMCTL_READ.contains(&s) => {
            Verdict::read_only(format!("systemctl {s} only reads"))
        }
        Some(s) => Verdict::change(format!("systemctl {s} changes a unit")),
    }
}

/// journalctl `-b`/`-n` take an optional value that may be the next word (`-b -1`, `-n 50`),
/// as journalctl itself reads them.
fn journalctl(args: &[String]) -> Verdict {
    let mut joined: Vec<String> = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let next = args.get(i + 1);
        let optional = matches!(a.as_str(), "-b" | "--boot" | "-n" | "--lines");
        let value_like = next.is_some_and(|n| {
            let body = n.strip_prefix(['-', '+']).unwrap_or(n);
            n == "all"
                || (!body.is_empty() && body.chars().all(|c| c.is_ascii_digit()))
                || (a.contains('b') && n.len() == 32 && n.chars().all(|c| c.is_ascii_hexdigit()))
        });
        if optional && value_like {
            let long = if a.contains('b') { "--boot" } else { "--lines" };
            joined.push(format!(
                "{long}={}",
                next.map(String::as_str).unwrap_or_default()
            ));
            i += 2;
        } else {
            joined.push(a.clone());
            i += 1;
        }
    }
    let parsed = tables::grammar("journalctl").parse(&joined);
    options_verdict("journalctl", &parsed)
        .map(|v| v.at_least_change("journalctl changes the journal"))
        .unwrap_or_else(|| Verdict::read_only("journalctl only reads"))
}

fn systemd_ctl(name: &str, args: &[String]) -> Verdict {
    let parsed = tables::grammar("systemd-ctl").parse(args);
    if let Some(v) = options_verdict(name, &parsed) {
        return v;
    }
    match parsed.operands().first() {
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

fn terraform(name: &str, args: &[String]) -> Verdict {
    let parsed = tables::grammar("terraform").parse(args);
    let ops = parsed.operands();
    let Some((sub, rest)) = ops.split_first() else {
        return Verdict::change(format!("{name} without a subcommand"));
    };
    let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    let sub_parsed = tables::grammar("terraform-sub").parse(&rest);
    let destroy_flag = sub_parsed.has("--destroy");
    match *sub {
        "destroy" => return Verdict::destructive(format!("{name} destroy is destructive")),
        "apply" if destroy_flag => {
            return Verdict::destructive(format!("{name} apply -destroy is destructive"));
        }
        "apply" if rest.iter().any(|a| a.contains("destroy")) => {
            return Verdict::destructive(format!("{name} apply with a destroy plan"));
        }
        _ => {}
    }
    if let Some(v) = options_verdict(name, &parsed) {
        return v;
    }
    const READ: &[&str] = &[
        "show",
        "version",
        "output",
        "validate",
        "providers",
        "graph",
    ];
    let second = rest
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    match (*sub, second) {
        ("providers", Some(s @ ("mirror" | "lock"))) => {
            return Verdict::change(format!("{name} providers {s} writes files"));
        }
        ("state", Some(s @ ("list" | "show" | "pull"))) => {
            let state_rest: Vec<String> =
                rest.iter().filter(|a| a.as_str() != s).cloned().collect();
            let parsed = tables::grammar("terraform-sub").parse(&state_rest);
            return options_verdict(name, &parsed)
                .unwrap_or_else(|| Verdict::read_only(format!("{name} state {s} only reads")));
        }
        _ => {}
    }
    if !READ.contains(sub) {
        return Verdict::change(format!("{name} {sub} is not on the read-only allowlist"));
    }
    options_verdict(name, &sub_parsed)
        .unwrap_or_else(|| Verdict::read_only(format!("{name} {sub} only reads")))
}

/// git's global options (before the subcommand).
static GIT: std::sync::LazyLock<super::grammar::Grammar> = std::sync::LazyLock::new(|| {
    super::grammar::Grammar::gnu(
        "C: c: /git-dir: /work-tree: /namespace: p/paginate P/no-pager /bare \
         /no-replace-objects /literal-pathspecs /glob-pathspecs /noglob-pathspecs \
         /icase-pathspecs /exec-path:: /config-env: /html-path /man-path /info-path \
         /no-optional-locks /no-advice /super-prefix: /list-cmds: v/version h/help",
    )
    .stop_at_operand()
});

/// git: always at least `change` (hooks, pagers, helpers); destructive where it throws away
/// history or remote branches: `push --delete/--prune/--force/--mirror` (or a `:ref` /
/// `+ref` refspec), `reset --hard`, `clean -f`.
fn git(args: &[String]) -> Verdict {
    let base = Verdict::change("git runs repository-configured hooks, pagers and helpers");
    let parsed = GIT.parse(args);
    let Some(at) = parsed.first_operand else {
        return base;
    };
    let sub = args[at].as_str();
    let rest = &args[at + 1..];
    let short = |letter: char| {
        rest.iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a[1..].contains(letter))
    };
    let long = |names: &[&str]| {
        rest.iter().any(|a| {
            let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
            names.contains(&name)
        })
    };
    let destroys = match sub {
        "push" => {
            short('d')
                || short('f')
                || long(&[
                    "--delete",
                    "--prune",
                    "--force",
                    "--force-with-lease",
                    "--mirror",
                ])
                || rest
                    .iter()
                    .any(|a| !a.starts_with('-') && (a.starts_with(':') || a.starts_with('+')))
        }
        "reset" => long(&["--hard", "--merge", "--keep"]),
        "clean" => (short('f') || long(&["--force"])) && !(short('n') || long(&["--dry-run"])),
        _ => false,
    };
    if destroys {
        Verdict::destructive(format!("git {sub} throws away history or remote branches"))
    } else {
        base
    }
}

/// mysql options that run statements or programs, or write files, before any SQL is read;
/// mysql accepts unambiguous prefixes of its long options (`--init-c`).
fn mysql_unsafe(name: &str, args: &[String]) -> Option<Verdict> {
    const UNSAFE: &[&str] = &[
        "init-command",
        "tee",
        "pager",
        "plugin-dir",
        "default-auth",
        "load-data-local-dir",
        "local-infile",
        "defaults-file",
        "defaults-extra-file",
        "defaults-group-suffix",
        "system-command",
        "execute-file",
    ];
    args.iter().find_map(|a| {
        let body = a.strip_prefix("--")?;
        let opt = body.split_once('=').map_or(body, |(n, _)| n);
        let opt = opt.strip_prefix("loose-").unwrap_or(opt);
        (opt.len() >= 3 && UNSAFE.iter().any(|u| u.starts_with(opt))).then(|| {
            Verdict::change(format!(
                "{name} {a} runs statements, programs or writes files"
            ))
        })
    })
}
