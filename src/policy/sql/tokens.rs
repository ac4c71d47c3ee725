//! SQL text classified on the tokens of a real SQL tokenizer (`sqlparser`, PostgreSQL or
//! MySQL dialect): keywords inside string literals and comments do not count, client
//! meta-commands (`\!`, `\o`, `\copy`, …) are split off line by line, and text the tokenizer
//! cannot read (an unterminated string) is `change`.

use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use super::super::Class;
use super::super::classify::{self, Verdict};

/// Which server's SQL (and client's meta-commands) the text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Postgres,
    MySql,
}

/// Deepest nesting of SQL inside SQL strings (`DO $$…$$`, `EXECUTE '…'`) analysed.
const MAX_NESTING: usize = 3;

const DESTRUCTIVE: &[&str] = &["drop", "truncate", "delete", "flushall", "dropdatabase"];

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
    "exec",
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
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
];

/// Words after which string literals are SQL that gets executed.
const RUNS_STRINGS: &[&str] = &[
    "do",
    "execute",
    "exec",
    "prepare",
    "dblink",
    "dblink_exec",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
];

const READ_FIRST: &[&str] = &[
    "select", "show", "explain", "table", "values", "with", "describe", "desc",
];

/// Classify SQL `text` sent by `client`. `vars` are psql variables (`-v name=value`) that
/// `:name` may interpolate.
pub(crate) fn classify(client: &str, text: &str, flavor: Flavor, vars: &[(&str, &str)]) -> Verdict {
    let mut v = sql(client, text, flavor, 0);
    for (name, value) in vars {
        let used = [
            format!(":{name}"),
            format!(":'{name}'"),
            format!(":\"{name}\""),
        ]
        .iter()
        .any(|r| text.contains(r.as_str()));
        if used {
            let inner = sql(client, value, flavor, 1);
            if inner.class > v.class {
                v = Verdict {
                    class: inner.class,
                    reason: format!("{client} variable :{name}: {}", inner.reason),
                };
            }
        }
    }
    v
}

fn sql(client: &str, text: &str, flavor: Flavor, depth: usize) -> Verdict {
    if depth > MAX_NESTING {
        return Verdict::change(format!("{client} SQL nested too deeply to analyse"));
    }
    let dialect: &dyn Dialect = match flavor {
        Flavor::Postgres => &PostgreSqlDialect {},
        Flavor::MySql => &MySqlDialect {},
    };
    let mut tokens: Vec<Token> = Vec::new();
    let mut worst: Option<Verdict> = None;
    let mut rest = text;
    let mut failed = None;
    while !rest.is_empty() {
        let mut buf: Vec<TokenWithSpan> = Vec::new();
        let result = Tokenizer::new(dialect, rest).tokenize_with_location_into_buf(&mut buf);
        let backslash = buf.iter().position(|t| t.token == Token::Backslash);
        match backslash {
            Some(k) => {
                let at = buf
                    .get(k)
                    .and_then(|t| byte_offset(rest, t.span.start))
                    .unwrap_or(rest.len());
                tokens.extend(buf.drain(..k).map(|t| t.token));
                let line_end = rest[at..].find('\n').map_or(rest.len(), |n| at + n);
                let meta = rest.get(at + 1..line_end).unwrap_or_default();
                raise(meta_command(client, meta), &mut worst);
                rest = rest.get(line_end + 1..).unwrap_or_default();
            }
            None => {
                tokens.extend(buf.into_iter().map(|t| t.token));
                if let Err(e) = result {
                    failed = Some(e.message);
                }
                break;
            }
        }
    }
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut statements: Vec<Vec<&Token>> = vec![Vec::new()];
    for t in &tokens {
        match t {
            Token::Whitespace(Whitespace::MultiLineComment(c))
                if flavor == Flavor::MySql && c.starts_with('!') =>
            {
                let body = c[1..].trim_start_matches(|ch: char| ch.is_ascii_digit());
                raise(sql(client, body, flavor, depth + 1), &mut worst);
            }
            Token::Whitespace(_) => {}
            Token::SemiColon => statements.push(Vec::new()),
            t => {
                if let Token::Word(w) = t {
                    words.push((w.value.to_ascii_lowercase(), w.quote_style.is_some()));
                }
                if let Some(s) = statements.last_mut() {
                    s.push(t);
                }
            }
        }
    }
    if let Some((w, _)) = words
        .iter()
        .find(|(w, quoted)| !quoted && DESTRUCTIVE.contains(&w.as_str()))
    {
        raise(
            Verdict::destructive(format!("{client} runs SQL {}", w.to_uppercase())),
            &mut worst,
        );
    }
    for stmt in &statements {
        let runs_strings = stmt.iter().any(|t| {
            matches!(t, Token::Word(w) if RUNS_STRINGS.contains(&w.value.to_ascii_lowercase().as_str()))
        });
        if runs_strings {
            for t in stmt {
                if let Some(s) = string_value(t) {
                    let inner = sql(client, s, flavor, depth + 1);
                    if inner.class == Class::Destructive {
                        raise(
                            Verdict::destructive(format!(
                                "{client} runs SQL from a string: {}",
                                inner.reason
                            )),
                            &mut worst,
                        );
                    }
                }
            }
        }
    }
    if let Some((w, _)) = words
        .iter()
        .find(|(w, _)| SIDE_EFFECTS.contains(&w.as_str()))
    {
        raise(
            Verdict::change(format!("{client} runs SQL with {}", w.to_uppercase())),
            &mut worst,
        );
    }
    if let Some(msg) = failed {
        raise(
            Verdict::change(format!("{client}: SQL not understood ({msg})")),
            &mut worst,
        );
    }
    for stmt in statements.iter().filter(|s| !s.is_empty()) {
        if let Some(f) = unlisted_function(stmt) {
            raise(
                Verdict::change(format!(
                    "{client} runs SQL calling {f}(), which is not known to only read"
                )),
                &mut worst,
            );
        }
        let first = stmt.iter().find_map(|t| match t {
            Token::Word(w) => Some(w.value.to_ascii_lowercase()),
            _ => None,
        });
        match first {
            Some(f) if READ_FIRST.contains(&f.as_str()) => {}
            Some(f) => raise(
                Verdict::change(format!("{client} runs SQL {}", f.to_uppercase())),
                &mut worst,
            ),
            None => raise(
                Verdict::change(format!("{client} runs SQL it does not recognise")),
                &mut worst,
            ),
        }
    }
    worst.unwrap_or_else(|| Verdict::read_only(format!("{client} runs read-only SQL")))
}

/// Functions a query may call that only read (aggregates, formatting, size and status
/// lookups); a `SELECT` of any other function may change state (`pg_wal_replay_pause()`,
/// replication-slot consumers).
const READ_FUNCTIONS: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "now",
    "version",
    "coalesce",
    "nullif",
    "lower",
    "upper",
    "length",
    "char_length",
    "substring",
    "substr",
    "concat",
    "concat_ws",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "round",
    "floor",
    "ceil",
    "ceiling",
    "abs",
    "greatest",
    "least",
    "extract",
    "age",
    "cast",
    "format",
    "position",
    "split_part",
    "left",
    "right",
    "row_number",
    "rank",
    "dense_rank",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "percentile_cont",
    "percentile_disc",
    "stddev",
    "variance",
    "bool_and",
    "bool_or",
    "current_database",
    "current_user",
    "current_schema",
    "current_setting",
    "database",
    "user",
    "schema",
    "generate_series",
    "unnest",
    "exists",
    "pg_size_pretty",
    "pg_database_size",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_table_size",
    "pg_indexes_size",
    "pg_postmaster_start_time",
    "pg_backend_pid",
    "pg_wal_lsn_diff",
    "pg_typeof",
    "obj_description",
    "col_description",
    "quote_ident",
    "quote_literal",
    "md5",
    "encode",
    "decode",
    "replace",
    "strpos",
    "repeat",
    "reverse",
    "lpad",
    "rpad",
    "initcap",
    "mod",
    "power",
    "sqrt",
    "random",
    "if",
    "ifnull",
    "isnull",
    "timestampdiff",
    "unix_timestamp",
    "from_unixtime",
    "interval",
    "date",
    "time",
    "timestamp",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "pg_blocking_pids",
    "inet_server_addr",
    "inet_client_addr",
    "pg_relation_filepath",
    "pg_tablespace_size",
    "pg_column_size",
    "octet_length",
    "bit_length",
    "sign",
    "exp",
    "ln",
    "log",
    "trunc",
    "div",
    "width_bucket",
    "cardinality",
    "every",
    "justify_interval",
    "make_interval",
];

/// Name prefixes of read-only lookup functions (`pg_get_viewdef`, `has_table_privilege`).
const READ_FUNCTION_PREFIXES: &[&str] = &[
    "pg_get_",
    "pg_stat_get_",
    "has_",
    "pg_is_",
    "pg_last_",
    "pg_current_",
    "to_",
    "json",
    "date_",
    "array_",
    "string_",
    "regexp_",
];

/// Keywords that take parentheses without being function calls.
const PAREN_KEYWORDS: &[&str] = &[
    "in",
    "any",
    "all",
    "some",
    "over",
    "filter",
    "within",
    "as",
    "on",
    "using",
    "join",
    "from",
    "where",
    "and",
    "or",
    "not",
    "select",
    "values",
    "with",
    "case",
    "when",
    "then",
    "else",
    "between",
    "like",
    "ilike",
    "is",
    "by",
    "having",
    "limit",
    "union",
    "intersect",
    "except",
    "lateral",
    "row",
    "array",
    "distinct",
    "returning",
    "into",
    "set",
    "table",
    "window",
    "offset",
    "partition",
    "exists",
    "count",
];

/// The first function a read-first statement calls that is not known to only read.
fn unlisted_function(stmt: &[&Token]) -> Option<String> {
    let first = stmt.iter().find_map(|t| match t {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    })?;
    if !READ_FIRST.contains(&first.as_str()) {
        return None;
    }
    stmt.windows(2).find_map(|pair| {
        let (Token::Word(w), Token::LParen) = (pair[0], pair[1]) else {
            return None;
        };
        let name = w.value.to_ascii_lowercase();
        let known = w.quote_style.is_none()
            && (READ_FUNCTIONS.contains(&name.as_str())
                || PAREN_KEYWORDS.contains(&name.as_str())
                || READ_FUNCTION_PREFIXES.iter().any(|p| name.starts_with(p)));
        (!known).then_some(name)
    })
}

fn raise(v: Verdict, worst: &mut Option<Verdict>) {
    if worst.as_ref().is_none_or(|w| v.class > w.class) {
        *worst = Some(v);
    }
}

fn string_value(t: &Token) -> Option<&str> {
    match t {
        Token::SingleQuotedString(s)
        | Token::DoubleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::TripleSingleQuotedString(s)
        | Token::TripleDoubleQuotedString(s) => Some(s),
        Token::DollarQuotedString(d) => Some(&d.value),
        _ => None,
    }
}

/// Byte offset in `text` of a tokenizer location (1-based line and character column).
fn byte_offset(text: &str, loc: Location) -> Option<usize> {
    let mut line = 1u64;
    let mut col = 1u64;
    for (i, c) in text.char_indices() {
        if line == loc.line && col == loc.column {
            return Some(i);
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    None
}

/// A psql/mysql client meta-command (the text after the backslash, to the end of the line).
fn meta_command(client: &str, meta: &str) -> Verdict {
    if let Some(shell) = meta.strip_prefix('!') {
        let inner = classify::script(shell, 1);
        if inner.class == Class::Destructive {
            return Verdict::destructive(format!("{client} \\! shell escape: {}", inner.reason));
        }
        return Verdict::change(format!("{client} \\! runs a shell command"));
    }
    let name: String = meta
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let arg = meta[name.len()..].trim();
    let harmless = matches!(name.as_str(), "conninfo" | "x")
        || (matches!(name.as_str(), "g" | "G") && arg.is_empty())
        || (name.starts_with('d') && name != "do")
        || (name.starts_with('l') && !name.starts_with("lo_"));
    if harmless {
        Verdict::read_only(format!("{client} meta-command \\{name} only reads"))
    } else {
        Verdict::change(format!("{client} meta-command \\{}", meta.trim()))
    }
}
