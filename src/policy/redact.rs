//! Secret redaction: masks credentials in text bound for the model with typed markers such as
//! `[REDACTED:aws-key]`. Regexes are compiled once; every rule is linear-time (`regex` crate).

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// Shortest configured literal that is masked; shorter values would shred normal output.
pub const MIN_CONFIGURED_LEN: usize = 4;

const MARKER_PREFIX: &str = "[REDACTED:";

/// One pattern: `secret` is the capture group replaced by the marker; other groups are kept.
struct Rule {
    regex: Regex,
    secret: usize,
    marker: fn(&Captures) -> &'static str,
    /// Rejects a candidate that is not really a secret (e.g. `PWD=/root`).
    accept: fn(&Captures) -> bool,
}

fn always(_: &Captures) -> bool {
    true
}

fn rule(
    pattern: &str,
    secret: usize,
    marker: fn(&Captures) -> &'static str,
    accept: fn(&Captures) -> bool,
) -> Rule {
    Rule {
        regex: Regex::new(pattern).unwrap_or_else(|e| panic!("static redaction regex: {e}")),
        secret,
        marker,
        accept,
    }
}

const KEYWORDS: &str = r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key)";

fn kv_marker(caps: &Captures) -> &'static str {
    let key = caps
        .get(1)
        .map(|m| m.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    if key.contains("pass") || key.contains("pwd") {
        "password"
    } else if key.contains("token") {
        "token"
    } else if key.contains("key") {
        "api-key"
    } else {
        "secret"
    }
}

fn kv_accept(caps: &Captures) -> bool {
    let key = caps.get(1).map(|m| m.as_str()).unwrap_or("");
    let key = key.trim_matches(|c: char| {
        c == '"' || c == '\'' || c == '-' || c == ':' || c == '=' || c.is_whitespace()
    });
    let value = caps.get(3).map(|m| m.as_str()).unwrap_or("");
    // `PWD`/`OLDPWD` are working directories in env dumps, not passwords.
    let is_cwd = key == "PWD" || key == "OLDPWD";
    let placeholder = matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "null" | "none" | "true" | "false" | "~" | "<none>" | "''" | "\"\""
    ) || value.starts_with('$')
        || value.chars().all(|c| c == '*' || c == 'x' || c == 'X');
    !is_cwd && !placeholder && !value.starts_with(MARKER_PREFIX)
}

fn bearer_accept(caps: &Captures) -> bool {
    let token = caps.get(3).map(|m| m.as_str()).unwrap_or("");
    token.len() >= 16
        && token
            .chars()
            .any(|c| c.is_ascii_digit() || "-._~+/".contains(c))
}

fn not_marker(caps: &Captures) -> bool {
    caps.get(3)
        .is_some_and(|m| !m.as_str().starts_with(MARKER_PREFIX))
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            r"()()(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z))",
            3,
            |_| "private-key",
            always,
        ),
        rule(
            r"()()(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+)",
            3,
            |_| "slack-token",
            always,
        ),
        rule(
            r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/\s@\[]*):([^@\s/]+)@",
            3,
            |_| "url-password",
            not_marker,
        ),
        rule(
            r"()()\b((?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
            3,
            |_| "github-token",
            always,
        ),
        rule(
            r"()()\b((?:xox[abeoprs]|xapp)-[A-Za-z0-9-]{10,})",
            3,
            |_| "slack-token",
            always,
        ),
        rule(
            r"()()\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})\b",
            3,
            |_| "aws-key",
            always,
        ),
        rule(
            r#"(?i)(aws_?secret_?access_?key|secret_?access_?key|aws_?secret_?key)(["']?[ \t]*[:=][ \t]*["']?)([A-Za-z0-9/+]{40})"#,
            3,
            |_| "aws-secret",
            always,
        ),
        rule(
            r"(?i)\b(bearer)([ \t]+)([A-Za-z0-9\-._~+/]+=*)",
            3,
            |_| "bearer-token",
            bearer_accept,
        ),
        rule(
            r"(?i)(authorization:[ \t]*basic)([ \t]+)([A-Za-z0-9+/]{8,}=*)",
            3,
            |_| "basic-auth",
            always,
        ),
        rule(
            r"()()\b(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)",
            3,
            |_| "jwt",
            always,
        ),
        rule(
            &format!(r#"(?i)(\b[A-Za-z0-9_.-]*{KEYWORDS}"?[ \t]*[:=][ \t]*)(")([^"\n]*)""#),
            3,
            kv_marker,
            kv_accept,
        ),
        rule(
            &format!(r"(?i)(\b[A-Za-z0-9_.-]*{KEYWORDS}'?[ \t]*[:=][ \t]*)(')([^'\n]*)'"),
            3,
            kv_marker,
            kv_accept,
        ),
        rule(
            &format!(
                r#"(?i)(\b[A-Za-z0-9_.-]*{KEYWORDS}[ \t]*[:=][ \t]*)()([^\s"',;&{{}}()\[\]<>]+)"#
            ),
            3,
            kv_marker,
            kv_accept,
        ),
        rule(
            r"(?i)(--(?:password|passwd|token|secret|api-key|client-secret|access-token))([ \t]+)([^\s-][^\s]*)",
            3,
            kv_marker,
            kv_accept,
        ),
    ]
});

/// Apply every built-in rule, then count. Used by `Redactor::redact`.
pub(crate) fn redact(text: &str, configured: &[String]) -> (String, usize) {
    let mut count = 0usize;
    let mut out = mask_configured(text, configured, &mut count);
    for rule in RULES.iter() {
        if !rule.regex.is_match(&out) {
            continue;
        }
        let replaced = rule.regex.replace_all(&out, |caps: &Captures| {
            let whole = caps.get(0).map(|m| m.as_str()).unwrap_or("");
            if !(rule.accept)(caps) {
                return whole.to_string();
            }
            let Some(secret) = caps.get(rule.secret) else {
                return whole.to_string();
            };
            count += 1;
            let start = caps.get(0).map(|m| m.start()).unwrap_or(0);
            let mut s = String::with_capacity(whole.len());
            s.push_str(&whole[..secret.start() - start]);
            s.push_str(MARKER_PREFIX);
            s.push_str((rule.marker)(caps));
            s.push(']');
            s.push_str(&whole[secret.end() - start..]);
            s
        });
        out = replaced.into_owned();
    }
    (out, count)
}

fn mask_configured(text: &str, configured: &[String], count: &mut usize) -> String {
    let mut values: Vec<&str> = configured
        .iter()
        .map(String::as_str)
        .filter(|v| v.len() >= MIN_CONFIGURED_LEN && !v.contains(MARKER_PREFIX))
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    let mut out = text.to_string();
    for value in values {
        let hits = out.matches(value).count();
        if hits > 0 {
            *count += hits;
            out = out.replace(value, "[REDACTED:configured]");
        }
    }
    out
}
