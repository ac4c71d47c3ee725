//! Database clients: psql/mysql options read with their real grammars, SQL from `-c`/`-e`,
//! `--init-command` and standard input (pipe, heredoc, here-string) classified on the tokens of
//! a real SQL tokenizer (`sql/tokens.rs`), and redis-cli commands.

mod tokens;

use std::sync::LazyLock;

use super::classify::{self, Verdict};
use super::grammar::Grammar;
use super::shell::Input;
use tokens::Flavor;

static PSQL: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "a/echo-all A/no-align b/echo-errors c/command: d/dbname: e/echo-queries \
         E/echo-hidden f/file:! F/field-separator: h/host: H/html l/list L/log-file:! \
         n/no-readline o/output:! p/port: P/pset: q/quiet R/record-separator: s/single-step \
         S/single-line t/tuples-only T/table-attr: U/username: v/set|variable: V/version \
         w/no-password W/password x/expanded X/no-psqlrc z/field-separator-zero \
         0/record-separator-zero 1/single-transaction ?/help:: /csv",
    )
});

static MYSQL: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "e/execute: D/database: h/host: P/port: u/user: p/password:: S/socket: B/batch \
         N/skip-column-names s/silent t/table v/verbose E/vertical H/html X/xml f/force \
         A/no-auto-rehash C/compress c/comments G/named-commands i/ignore-spaces \
         n/unbuffered q/quick r/raw U/safe-updates|i-am-a-dummy W/pipe V/version ?/help \
         I T/debug-info /tee:! /no-tee /pager::! /no-pager /init-command:! \
         /defaults-file:! /defaults-extra-file:! /defaults-group-suffix: /login-path: \
         /no-defaults /print-defaults /ssl-mode: /ssl-ca: /ssl-cert: /ssl-key: /protocol: \
         /connect-timeout: /max-allowed-packet: /net-buffer-length: /local-infile:: \
         /default-character-set: /binary-as-hex /column-names /auto-rehash /line-numbers \
         /skip-line-numbers /show-warnings /sigint-ignore /reconnect /skip-reconnect \
         /wait /select-limit: /max-join-size: /column-type-info /histignore:",
    )
});

/// psql, mysql and mariadb. The table arguments are kept for the callers in `tools.rs`; the
/// grammars here are the single source.
pub(crate) fn sql_client(
    name: &str,
    args: &[String],
    _short_val: &str,
    _query: &[&str],
    _writes: &[&str],
    _ro_flags: &[&str],
) -> Verdict {
    let (grammar, flavor, query) = match name {
        "psql" => (&*PSQL, Flavor::Postgres, "--command"),
        _ => (&*MYSQL, Flavor::MySql, "--execute"),
    };
    let parsed = grammar.parse(args);
    let vars: Vec<(&str, &str)> = parsed
        .values("--set")
        .into_iter()
        .filter_map(|v| v.split_once('='))
        .collect();
    let mut texts: Vec<(String, bool)> = parsed
        .values(query)
        .into_iter()
        .map(|q| (q.to_string(), true))
        .collect();
    texts.extend(
        parsed
            .values("--init-command")
            .into_iter()
            .map(|q| (q.to_string(), true)),
    );
    let stdin_file = parsed.values("--file").contains(&"-");
    let mut floor: Option<String> = parsed.not_read_only(name);
    if parsed.values(query).is_empty() && (parsed.values("--file").is_empty() || stdin_file) {
        match classify::stdin().as_deref() {
            Some(Input::Literal {
                texts: payloads,
                exact,
                ..
            }) => texts.extend(payloads.iter().map(|p| (p.clone(), *exact))),
            Some(Input::Unknown(from)) => {
                floor.get_or_insert(format!("{name} reads SQL from {from}"));
            }
            None if parsed.has("--list") && parsed.bad().is_none() => {
                return Verdict::read_only(format!("{name} --list only reads"));
            }
            None => {
                floor.get_or_insert(format!("interactive {name} session"));
            }
        }
    }
    let mut worst: Option<Verdict> = None;
    for (text, exact) in &texts {
        let mut v = tokens::classify(name, text, flavor, &vars);
        if !exact {
            v = v.at_least_change(&format!(
                "{name} SQL with expansions known only at run time"
            ));
        }
        if worst.as_ref().is_none_or(|w| v.class > w.class) {
            worst = Some(v);
        }
    }
    match (worst, floor) {
        (Some(w), Some(f)) => w.at_least_change(&f),
        (Some(w), None) => w,
        (None, Some(f)) => Verdict::change(f),
        (None, None) => Verdict::change(format!("{name} query")),
    }
}

/// redis-cli's options (`redis-cli --help`): which take a value, so a value is never read as
/// the command; those that write files, run scripts or stream commands are unsafe.
static REDIS: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "h: p: s: a: u: r: i: n: 2 3 x X: d: D: c e 4 6 t: /user: /pass: /askpass /tls /sni: \
         /cacert: /cacertdir: /cert: /key: /tls-ciphers: /tls-ciphersuites: /insecure /raw \
         /no-raw /quoted-input /csv /json /quoted-json /show-pushes: /stat /latency \
         /latency-history /latency-dist /lru-test:! /replica! /rdb:> /functions-rdb:> /pipe! \
         /pipe-timeout: /bigkeys /memkeys /memkeys-samples: /hotkeys /keystats \
         /keystats-samples: /scan /pattern: /count: /quoted-pattern: /intrinsic-latency: \
         /eval:! /ldb! /ldb-sync-mode! /cluster:! /cluster-only-masters \
         /cluster-only-replicas /cluster-yes /verbose /no-auth-warning /help /version",
    )
    .stop_at_operand()
});

/// redis commands that only read.
const REDIS_READ: &[&str] = &[
    "ping", "info", "dbsize", "get", "ttl", "pttl", "type", "exists", "scan", "llen", "hlen",
    "scard", "zcard", "strlen", "mget", "hget", "hgetall", "hkeys", "hvals", "lrange", "smembers",
    "zrange", "keys", "echo", "time", "lastsave",
];

pub(crate) fn redis(args: &[String]) -> Verdict {
    let parsed = REDIS.parse(args);
    let ops = parsed.operands();
    let mut v = redis_command(ops.first().copied(), &parsed);
    if let Some(bad) = parsed.bad() {
        // An option the table lacks may take the next word as its value.
        if let Some(next) = ops.get(1) {
            let shifted = redis_command(Some(next), &parsed);
            if shifted.class > v.class {
                v = shifted;
            }
        }
        v = v.at_least_change(&format!("redis-cli: {bad}"));
    }
    v
}

fn redis_command(cmd: Option<&str>, parsed: &super::grammar::Parsed) -> Verdict {
    let cmd = cmd.map(|c| c.to_ascii_lowercase());
    let v = match cmd.as_deref() {
        Some(c @ ("flushall" | "flushdb" | "shutdown" | "debug")) => {
            return Verdict::destructive(format!("redis-cli {c} is destructive"));
        }
        Some(c) if REDIS_READ.contains(&c) => {
            Verdict::read_only(format!("redis-cli {c} only reads"))
        }
        Some(c) => Verdict::change(format!("redis-cli {c} is not on the read-only allowlist")),
        None if [
            "--scan",
            "--bigkeys",
            "--memkeys",
            "--hotkeys",
            "--keystats",
            "--stat",
        ]
        .iter()
        .any(|o| parsed.has(o)) =>
        {
            Verdict::read_only("redis-cli scans keys or prints statistics")
        }
        None => Verdict::change("interactive redis-cli"),
    };
    match parsed.first_unsafe() {
        Some((_, spelled, _)) => v.at_least_change(&format!(
            "redis-cli {spelled} changes state, runs or writes"
        )),
        None => v,
    }
}

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    super::wrappers::assert_well_formed("psql", &PSQL);
    super::wrappers::assert_well_formed("mysql", &MYSQL);
    super::wrappers::assert_well_formed("redis-cli", &REDIS);
}
