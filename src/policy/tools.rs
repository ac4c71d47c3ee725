//! Subcommand-aware rules for multi-command tools: systemctl, journalctl, ip, kubectl, docker,
//! crictl, curl, openssl, psql/mysql, iptables/nft, find, sed, awk, helm, terraform, packages.

use std::sync::LazyLock;

use regex::Regex;

use super::classify::{self, Verdict};
use super::rules::{Opt, flag_value, has_flag, operands, opts};

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

fn kubectl(args: &[String], depth: usize) -> Verdict {
    let global = [
        "-n",
        "--namespace",
        "--context",
        "--cluster",
        "--user",
        "--kubeconfig",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "--request-timeout",
        "--cache-dir",
    ];
    let parsed = opts(args, "ns", &global, true);
    let ops = operands(&parsed);
    const RO: &[&str] = &[
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "version",
        "cluster-info",
        "api-resources",
        "api-versions",
        "events",
        "diff",
    ];
    let Some(sub) = ops.first() else {
        return Verdict::change("kubectl without a subcommand");
    };
    match *sub {
        "delete" | "drain" => Verdict::destructive(format!("kubectl {sub} is destructive")),
        "get"
            if args.iter().any(|a| {
                a.split([',', '/'])
                    .any(|r| matches!(r, "secret" | "secrets"))
            }) =>
        {
            Verdict::change("kubectl get secret prints secret values")
        }
        "cluster-info" if args.iter().any(|a| a == "dump") => {
            Verdict::change("kubectl cluster-info dump writes files")
        }
        s if RO.contains(&s) => Verdict::read_only(format!("kubectl {s} only reads")),
        "config" => match ops.get(1) {
            Some(&("view" | "get-contexts" | "current-context" | "get-clusters" | "get-users"))
                if !args.iter().any(|a| a == "--raw") =>
            {
                Verdict::read_only(format!("kubectl config {} only reads", ops[1]))
            }
            _ => Verdict::change("kubectl config changes the kubeconfig"),
        },
        "auth" if ops.get(1) == Some(&"can-i") => {
            Verdict::read_only("kubectl auth can-i only reads")
        }
        "rollout" if matches!(ops.get(1), Some(&("status" | "history"))) => {
            Verdict::read_only("kubectl rollout status only reads")
        }
        "exec" => after_dashes(args, depth, "kubectl exec"),
        s => Verdict::change(format!("kubectl {s} is not on the read-only allowlist")),
    }
}

/// `tool … -- cmd args`: the class of the inner command, at least `change`.
fn after_dashes(args: &[String], depth: usize, what: &str) -> Verdict {
    match args.iter().position(|a| a == "--") {
        Some(i) if i + 1 < args.len() => {
            let inner = classify::argv(&args[i + 1..], depth + 1);
            match inner.class {
                super::Class::Destructive => {
                    Verdict::destructive(format!("{what}: {}", inner.reason))
                }
                _ => Verdict::change(format!("{what} runs {} in a container", args[i + 1])),
            }
        }
        _ => Verdict::change(format!("{what} runs a command in a container")),
    }
}

fn docker(name: &str, args: &[String], depth: usize) -> Verdict {
    let parsed = opts(
        args,
        "Hcl",
        &[
            "--host",
            "--context",
            "--config",
            "--log-level",
            "--tlscacert",
            "--tlscert",
            "--tlskey",
        ],
        true,
    );
    let ops = operands(&parsed);
    let Some(first) = ops.first().copied() else {
        return Verdict::change(format!("{name} without a subcommand"));
    };
    let (sub, action) = match first {
        "container" | "image" | "network" | "volume" | "system" | "compose" | "builder"
        | "context" => (first, ops.get(1).copied().unwrap_or("")),
        _ => ("", first),
    };
    let force = args
        .iter()
        .any(|a| a == "--force" || (a.starts_with('-') && !a.starts_with("--") && a.contains('f')));
    let what = if sub.is_empty() {
        action.to_string()
    } else {
        format!("{sub} {action}")
    };
    match (sub, action) {
        (_, "prune") => Verdict::destructive(format!("{name} {what} deletes data")),
        ("volume", "rm") => Verdict::destructive(format!("{name} volume rm deletes data")),
        ("" | "container" | "image", "rm" | "rmi") if force => {
            Verdict::destructive(format!("{name} {what} -f is destructive"))
        }
        ("compose", "down") if args.iter().any(|a| a == "-v" || a == "--volumes") => {
            Verdict::destructive(format!("{name} compose down -v deletes volumes"))
        }
        ("" | "container", "stats") => {
            if args.iter().any(|a| a == "--no-stream") {
                Verdict::read_only(format!("{name} stats --no-stream only reads"))
            } else {
                Verdict::change(format!("{name} stats without --no-stream never ends"))
            }
        }
        ("" | "container", "exec") => after_dashes_or_container(name, args, depth),
        ("" | "container", "ps" | "ls" | "list" | "logs" | "inspect" | "top" | "port" | "diff")
        | ("", "images" | "version" | "info" | "history")
        | ("image", "ls" | "list" | "inspect" | "history")
        | ("network" | "volume" | "context", "ls" | "list" | "inspect" | "show")
        | ("system", "df" | "info")
        | ("compose", "ps" | "logs" | "config" | "ls" | "top" | "images" | "version") => {
            Verdict::read_only(format!("{name} {what} only reads"))
        }
        _ => Verdict::change(format!("{name} {what} is not on the read-only allowlist")),
    }
}

fn after_dashes_or_container(name: &str, args: &[String], depth: usize) -> Verdict {
    let exec_at = args.iter().position(|a| a == "exec").unwrap_or(0);
    let rest = &args[exec_at + 1..];
    let parsed = opts(
        rest,
        "euwd",
        &[
            "--env",
            "--user",
            "--workdir",
            "--env-file",
            "--detach-keys",
        ],
        true,
    );
    let ops = operands(&parsed);
    if ops.len() < 2 {
        return Verdict::change(format!("{name} exec without a command"));
    }
    let inner_args: Vec<String> = ops[1..].iter().map(|s| s.to_string()).collect();
    let inner = classify::argv(&inner_args, depth + 1);
    match inner.class {
        super::Class::Destructive => Verdict::destructive(format!("{name} exec: {}", inner.reason)),
        _ => Verdict::change(format!("{name} exec runs {} in a container", inner_args[0])),
    }
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

fn sql_client(
    name: &str,
    args: &[String],
    short_val: &str,
    query: &[&str],
    writes: &[&str],
    ro_flags: &[&str],
) -> Verdict {
    let parsed = opts(
        args,
        short_val,
        &[
            "--command",
            "--dbname",
            "--file",
            "--host",
            "--log-file",
            "--output",
            "--port",
            "--username",
            "--variable",
            "--set",
            "--pset",
            "--execute",
            "--user",
            "--database",
            "--tee",
        ],
        false,
    );
    if let Some(Opt::Flag { name: f, .. }) = parsed
        .iter()
        .find(|o| matches!(o, Opt::Flag { name, .. } if writes.contains(&name.as_str())))
    {
        return Verdict::change(format!("{name} {f} runs or writes files"));
    }
    let queries: Vec<&str> = parsed
        .iter()
        .filter_map(|o| match o {
            Opt::Flag { name, value } if query.contains(&name.as_str()) => {
                Some(value.unwrap_or(""))
            }
            _ => None,
        })
        .collect();
    if queries.is_empty() {
        if has_flag(&parsed, ro_flags) {
            return Verdict::read_only(format!("{name} --list only reads"));
        }
        return Verdict::change(format!("interactive {name} session"));
    }
    queries
        .iter()
        .map(|q| sql(name, q))
        .max_by_key(|v| v.class)
        .unwrap_or_else(|| Verdict::change(format!("{name} query")))
}

static SQL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*").expect("static regex"));

/// Classify SQL text: DROP/TRUNCATE/DELETE destroy, SELECT/SHOW/EXPLAIN with no side effects read.
fn sql(client: &str, text: &str) -> Verdict {
    let words: Vec<String> = SQL_WORD
        .find_iter(text)
        .map(|m| m.as_str().to_ascii_lowercase())
        .collect();
    if let Some(w) = words.iter().find(|w| {
        matches!(
            w.as_str(),
            "drop" | "truncate" | "delete" | "flushall" | "dropdatabase"
        )
    }) {
        return Verdict::destructive(format!("{client} runs SQL {}", w.to_uppercase()));
    }
    const SIDE_EFFECTS: &[&str] = &[
        "insert",
        "update",
        "alter",
        "create",
        "grant",
        "revoke",
        "copy",
        "into",
        "call",
        "do",
        "vacuum",
        "reindex",
        "cluster",
        "lock",
        "set",
        "reset",
        "listen",
        "notify",
        "prepare",
        "execute",
        "refresh",
        "comment",
        "security",
        "merge",
        "import",
        "load",
        "replace",
        "rename",
        "kill",
        "shutdown",
        "flush",
        "handler",
        "install",
        "uninstall",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_switch_wal",
        "pg_promote",
        "pg_drop_replication_slot",
        "pg_create_logical_replication_slot",
        "pg_create_physical_replication_slot",
        "setval",
        "nextval",
        "set_config",
        "lo_import",
        "lo_export",
        "lo_unlink",
        "dblink",
        "dblink_exec",
        "pg_advisory_lock",
        "sleep",
        "benchmark",
    ];
    if let Some(w) = words.iter().find(|w| SIDE_EFFECTS.contains(&w.as_str())) {
        return Verdict::change(format!("{client} runs SQL with {}", w.to_uppercase()));
    }
    for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(meta) = stmt.strip_prefix('\\') {
            if let Some(shell) = meta.strip_prefix('!') {
                let inner = classify::script(shell, 1);
                if inner.class == super::Class::Destructive {
                    return Verdict::destructive(format!(
                        "{client} \\! shell escape: {}",
                        inner.reason
                    ));
                }
                return Verdict::change(format!("{client} \\! runs a shell command"));
            }
            if !(meta.starts_with('d')
                || meta.starts_with('l')
                || meta == "conninfo"
                || meta == "x")
            {
                return Verdict::change(format!("{client} meta-command \\{meta}"));
            }
            continue;
        }
        let first = SQL_WORD
            .find(stmt)
            .map(|m| m.as_str().to_ascii_lowercase())
            .unwrap_or_default();
        if !matches!(
            first.as_str(),
            "select" | "show" | "explain" | "table" | "values" | "with" | "describe" | "desc"
        ) {
            return Verdict::change(format!("{client} runs SQL {}", first.to_uppercase()));
        }
    }
    Verdict::read_only(format!("{client} runs read-only SQL"))
}

fn redis(args: &[String]) -> Verdict {
    let parsed = opts(args, "hpansu", &["--user", "--pass"], true);
    let cmd = operands(&parsed).first().map(|c| c.to_ascii_lowercase());
    match cmd.as_deref() {
        Some("flushall" | "flushdb" | "shutdown") => Verdict::destructive(format!(
            "redis-cli {} is destructive",
            cmd.unwrap_or_default()
        )),
        Some(
            c @ ("ping" | "info" | "dbsize" | "get" | "ttl" | "type" | "exists" | "scan" | "llen"
            | "hlen" | "scard" | "zcard" | "strlen"),
        ) => Verdict::read_only(format!("redis-cli {c} only reads")),
        Some(c) => Verdict::change(format!("redis-cli {c} is not on the read-only allowlist")),
        None => Verdict::change("interactive redis-cli"),
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

fn find(args: &[String], depth: usize) -> Verdict {
    let mut verdict = Verdict::read_only("find only reads");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-delete" => return Verdict::destructive("find -delete removes files"),
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                verdict = verdict.at_least_change(&format!("find {} writes a file", args[i]));
            }
            action @ ("-exec" | "-execdir" | "-ok" | "-okdir") => {
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a == ";" || a == "+")
                    .map(|p| i + 1 + p)
                    .unwrap_or(args.len());
                let inner = classify::argv(&args[i + 1..end], depth + 1);
                if inner.class == super::Class::Destructive {
                    return Verdict::destructive(format!("find {action}: {}", inner.reason));
                }
                verdict = verdict.at_least_change(&format!(
                    "find {action} runs {}",
                    args.get(i + 1).map(String::as_str).unwrap_or("a command")
                ));
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    verdict
}

static SED_ADDR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d+|\$|/(?:[^/\\]|\\.)*/)(?:,(?:\d+|\$|/(?:[^/\\]|\\.)*/))?!?\s*")
        .expect("static regex")
});

fn sed(args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "eflS",
        &["--expression", "--file", "--line-length"],
        false,
    );
    if let Some(Opt::Flag { name, .. }) = parsed.iter().find(
        |o| matches!(o, Opt::Flag { name, .. } if name == "-i" || name.starts_with("--in-place")),
    ) {
        return Verdict::change(format!("sed {name} edits files in place"));
    }
    if has_flag(&parsed, &["-f", "--file"]) {
        return Verdict::change("sed -f runs a script file");
    }
    let mut scripts: Vec<&str> = parsed
        .iter()
        .filter_map(|o| match o {
            Opt::Flag { name, value } if name == "-e" || name == "--expression" => {
                Some(value.unwrap_or(""))
            }
            _ => None,
        })
        .collect();
    if scripts.is_empty() {
        scripts.extend(operands(&parsed).first());
    }
    match scripts
        .iter()
        .flat_map(|s| s.split([';', '\n']))
        .find(|c| !sed_command_reads(c.trim()))
    {
        Some(cmd) => Verdict::change(format!(
            "sed command `{}` may write files or run commands",
            cmd.trim()
        )),
        None => Verdict::read_only("sed without -i only prints"),
    }
}

/// `p`, `d`, `q`, `=`, `n` and `s/…/…/flags` without `w`/`e` flags.
fn sed_command_reads(cmd: &str) -> bool {
    let rest = match SED_ADDR.find(cmd) {
        Some(m) => &cmd[m.end()..],
        None => cmd,
    };
    if matches!(rest, "" | "p" | "d" | "q" | "=" | "n" | "P" | "D" | "N") {
        return true;
    }
    let Some(body) = rest.strip_prefix('s') else {
        return false;
    };
    let Some(delim) = body
        .chars()
        .next()
        .filter(|c| !c.is_alphanumeric() && *c != '\\' && *c != '\n')
    else {
        return false;
    };
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = body[delim.len_utf8()..].chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            current.extend(chars.next());
        } else if c == delim {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts.len() == 3
        && parts[2]
            .chars()
            .all(|c| matches!(c, 'g' | 'p' | 'i' | 'I' | 'm' | 'M' | '0'..='9'))
}

fn awk(name: &str, args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "Fvfie",
        &[
            "--file",
            "--include",
            "--exec",
            "--source",
            "--assign",
            "--field-separator",
            "--load",
        ],
        false,
    );
    if let Some(Opt::Flag { name: f, .. }) = parsed.iter().find(|o| matches!(o, Opt::Flag { name, .. } if matches!(name.as_str(), "-f" | "-i" | "-e" | "--file" | "--include" | "--exec" | "--source" | "--load" | "-l"))) {
        return Verdict::change(format!("{name} {f} loads program code"));
    }
    let Some(program) = operands(&parsed).first().copied() else {
        return Verdict::change(format!("{name} without a program"));
    };
    if program.contains("system")
        || program.contains('>')
        || program.contains('|')
        || program.contains("@load")
    {
        Verdict::change(format!("{name} program may write files or run commands"))
    } else {
        Verdict::read_only(format!("{name} only reads"))
    }
}
