//! Database clients: psql/mysql `-c`/`-e` SQL (DROP/TRUNCATE/DELETE destroy; SELECT/SHOW
//! without side effects read) and redis-cli commands.

use std::sync::LazyLock;

use regex::Regex;

use super::classify::{self, Verdict};
use super::options::{Opt, has_flag, operands, opts};

pub(crate) fn sql_client(
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

pub(crate) fn redis(args: &[String]) -> Verdict {
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
