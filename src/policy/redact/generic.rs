//! Secret-named keys: `KEY=value`, `key: value`, `"key": "value"` where the name says it holds
//! a secret (`*_PASSWORD`, `*_TOKEN`, `*SECRET*`, `*_KEY`, `auth`, `client-key-data`…), with a
//! value check (placeholders, numbers, paths, plain words are left alone) so settings such as
//! `PASSWORD_MIN_LENGTH=8`, `token_ttl: 3600` or `api_key: null` stay readable.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, MARKER_PREFIX, Span, TIER_GENERIC};

static PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)([A-Za-z0-9_.-]*(?:pass|pwd|secret|token|key|auth|cred)[A-Za-z0-9_.-]*)["']?[ \t]*(?::=|=>|[:=])[ \t]*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s"'`&]+))"#,
    )
    .expect("static secret-pair regex")
});

/// `--db-password VALUE`: a secret-named long option and its separate argument.
static OPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:^|[\s'"])--([A-Za-z0-9_-]*(?:pass|pwd|secret|token|key|auth|cred)[A-Za-z0-9_-]*)[ \t]+(?:'([^'\n]+)'|"([^"\n]+)"|([^\s'"-]\S*))"#,
    )
    .expect("static secret-option regex")
});

/// The name's words: split on punctuation and camelCase, lower-cased.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in key.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut word = String::new();
        let chars: Vec<char> = part.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0
                && c.is_ascii_uppercase()
                && (chars[i - 1].is_ascii_lowercase()
                    || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
                        && chars[i - 1].is_ascii_uppercase());
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Password,
    Token,
    Key,
    Secret,
    Auth,
}

fn word_class(word: &str) -> Option<Class> {
    const KEYS: &[&str] = &[
        "apikey",
        "secretkey",
        "privatekey",
        "accesskey",
        "accountkey",
        "signingkey",
        "encryptionkey",
        "masterkey",
        "sessionkey",
        "authkey",
        "licensekey",
        "appkey",
    ];
    if word.ends_with("password")
        || word.ends_with("passwd")
        || word.ends_with("passphrase")
        || matches!(word, "pwd" | "pass" | "pw" | "passwort" | "pword")
    {
        Some(Class::Password)
    } else if word.ends_with("token") {
        Some(Class::Token)
    } else if word.ends_with("secret") {
        Some(Class::Secret)
    } else if word == "key" || KEYS.iter().any(|k| word.ends_with(k)) {
        Some(Class::Key)
    } else if matches!(word, "auth" | "credentials" | "credential" | "creds") {
        Some(Class::Auth)
    } else {
        None
    }
}

/// Words that may follow the secret word and still name the secret itself
/// (`SECRET_KEY_BASE`, `client-key-data`, `password_hash`).
const TRAILING: &[&str] = &[
    "value",
    "val",
    "base",
    "data",
    "string",
    "str",
    "b64",
    "base64",
    "hash",
    "enc",
    "encrypted",
    "plain",
    "plaintext",
    "raw",
    "hex",
    "bytes",
];

/// Words before `key` that make it an identifier, not a credential (`sort_key`).
const NOT_SECRET_KEY: &[&str] = &[
    "public",
    "pub",
    "primary",
    "sort",
    "partition",
    "foreign",
    "routing",
    "cache",
    "host",
    "unique",
    "shard",
    "lookup",
    "group",
    "object",
    "map",
    "dedup",
    "idempotency",
    "row",
    "index",
    "hash",
    "range",
    "composite",
    "label",
    "config",
    "registry",
    "ssh",
    "gpg",
    "pgp",
    "file",
    "path",
    "jwks",
    "dns",
    "kms",
    "key",
];

/// The marker kind for a secret-named key, or None when the name is not one.
pub(super) fn classify_key(key: &str) -> Option<&'static str> {
    let words = words(key);
    let lower: String = words.join("_");
    if matches!(lower.as_str(), "pwd" | "oldpwd") {
        return None;
    }
    let (at, class) = words
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, w)| word_class(w).map(|c| (i, c)))?;
    if !words[at + 1..]
        .iter()
        .all(|w| TRAILING.contains(&w.as_str()))
    {
        return None;
    }
    if class == Class::Key && words[at] == "key" {
        let prev = at.checked_sub(1).map(|i| words[i].as_str())?;
        if NOT_SECRET_KEY.contains(&prev) {
            return None;
        }
    }
    let private = words.iter().any(|w| w == "private")
        || (words.len() >= 3
            && words[words.len() - 2] == "key"
            && words[words.len() - 1] == "data");
    Some(match class {
        Class::Password => "password",
        Class::Token => "token",
        Class::Key if private => "private-key",
        Class::Key => "api-key",
        Class::Secret => "secret",
        Class::Auth => "credentials",
    })
}

/// Shannon entropy in bits per character.
pub(super) fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "" | "null"
            | "nil"
            | "none"
            | "true"
            | "false"
            | "~"
            | "<none>"
            | "''"
            | "\"\""
            | "undefined"
            | "redacted"
            | "changeme"
            | "n/a"
            | "-"
            | "yes"
            | "no"
    ) || value.starts_with('$')
        || value.starts_with("{{")
        || value.starts_with("%(")
        || value.starts_with('<')
        || value.starts_with(MARKER_PREFIX)
        || value
            .chars()
            .all(|c| c == '*' || c == 'x' || c == 'X' || c == '.' || c == '•')
}

/// True when `value` (for a key of `kind`) looks like a real secret.
fn secret_value(kind: &str, value: &str) -> bool {
    if placeholder(value) {
        return false;
    }
    if kind == "password" {
        return value.len() >= 3;
    }
    let len = value.len();
    if len < 6
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("~/")
        || value.starts_with("../")
        || value.contains("://")
    {
        return false;
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    // Numbers, durations and sizes (`3600`, `30s`, `1.5h`) are settings.
    if digits + 2 >= len && len < 16 {
        return false;
    }
    super::rules::mixed(value) || (len >= 16 && entropy(value) >= 3.0)
}

/// A name/value entry's name: `- name: AWS_SECRET_ACCESS_KEY` (Kubernetes env), `"Name":
/// "DB_PASSWORD"` (ECS, docker), `ParameterKey=…` (CloudFormation), `<name>…</name>` (Hadoop
/// and Java XML configs).
static ENTRY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:(?:^|[\s{,\[(-])["']?(?:name|key|parameterkey)["']?[ \t]*(?::|=>|=)[ \t]*["']?([A-Za-z0-9_.-]+)["']?|<name>[ \t]*([A-Za-z0-9_.-]+)[ \t]*</name>)"#,
    )
    .expect("static entry-name regex")
});

/// The value of such an entry: `value: "…"`, `"Value": "…"`, `ParameterValue=…`,
/// `<value>…</value>`.
static ENTRY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:^|[\s{,\[(-])["']?(?:value|parametervalue)["']?[ \t]*(?::|=>|=)[ \t]*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s"'`&]+))|<value>[ \t]*([^<\s]+)[ \t]*</value>"#,
    )
    .expect("static entry-value regex")
});

/// A secret-named key with nothing after its separator (or only a YAML block indicator) and
/// its value alone on the next line (a lone word ending in `:` is the next key, not a value).
static KEY_THEN_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[ \t]*(?:-[ \t]+)?["']?([A-Za-z0-9_.-]+)["']?[ \t]*(?::|=)[ \t]*(?:[|>][+-]?)?[ \t]*\r?\n[ \t]*(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^\s"'#]*[^\s"'#:]))[ \t]*\r?$"#,
    )
    .expect("static key-then-line regex")
});

/// How many lines after an entry's name its value may come.
const ENTRY_LINES: usize = 3;

pub(super) fn find(text: &str, out: &mut Vec<Candidate>) {
    for re in [&*PAIR, &*OPTION] {
        find_pairs(re, text, out);
    }
    find_entries(text, out);
    for caps in KEY_THEN_LINE.captures_iter(text) {
        let (Some(key), Some(value)) = (caps.get(1), caps.get(2).or(caps.get(3)).or(caps.get(4)))
        else {
            continue;
        };
        push_value(key.as_str(), value.start(), value.as_str(), out);
    }
}

/// Name/value entries whose name is secret-named: the value on the same line or one of the
/// next few, before another entry's name begins.
fn find_entries(text: &str, out: &mut Vec<Candidate>) {
    for caps in ENTRY_NAME.captures_iter(text) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1).or(caps.get(2))) else {
            continue;
        };
        if classify_key(name.as_str()).is_none() {
            continue;
        }
        let from = whole.end();
        let mut window_end = text.len();
        for (seen, (i, _)) in text[from..].match_indices('\n').enumerate() {
            if seen == ENTRY_LINES {
                window_end = from + i;
                break;
            }
        }
        let window = &text[from..window_end];
        let window = match ENTRY_NAME.find(window) {
            Some(next) => &window[..next.start()],
            None => window,
        };
        let Some(value) = ENTRY_VALUE.captures(window) else {
            continue;
        };
        let Some(v) = value
            .get(1)
            .or(value.get(2))
            .or(value.get(3))
            .or(value.get(4))
        else {
            continue;
        };
        let len = if value.get(3).is_some() {
            bare_value_len(v.as_str())
        } else {
            v.len()
        };
        push_value(name.as_str(), from + v.start(), &v.as_str()[..len], out);
    }
}

fn find_pairs(re: &Regex, text: &str, out: &mut Vec<Candidate>) {
    for caps in re.captures_iter(text) {
        let Some(key) = caps.get(1) else { continue };
        let Some(value) = caps.get(2).or(caps.get(3)) else {
            let Some(bare) = caps.get(4) else { continue };
            let end = bare.start() + bare_value_len(bare.as_str());
            push_value(key.as_str(), bare.start(), &text[bare.start()..end], out);
            continue;
        };
        push_value(key.as_str(), value.start(), value.as_str(), out);
    }
}

/// Mask `value` (at byte `start`) when `key` names a secret and the value looks like one.
fn push_value(key: &str, start: usize, value: &str, out: &mut Vec<Candidate>) {
    let Some(kind) = classify_key(key) else {
        return;
    };
    let judged = value.trim_end_matches([',', ';', ')', ']', '}', '>']);
    if !secret_value(kind, judged) {
        return;
    }
    out.push(Candidate {
        tier: TIER_GENERIC,
        span: Span {
            start,
            end: start + value.len(),
            kind,
        },
    });
}

/// The length of an unquoted value: all of it up to the space, so a password holding `;`, `,`
/// or brackets is masked whole, except that a `;` or `,` opening another `name=` pair
/// (`Password=x;Server=db`, `token=x,user=bob`) ends it.
fn bare_value_len(run: &str) -> usize {
    let bytes = run.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b';' && b != b',' {
            continue;
        }
        let next = &run[i + 1..];
        let name_len = next
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            .count();
        if name_len > 0
            && next[..name_len].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && next[name_len..].starts_with(['=', ':'])
        {
            return i;
        }
    }
    run.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (key, want) in [
            ("DB_PASSWORD", Some("password")),
            ("PGPASSWORD", Some("password")),
            ("MYSQL_PWD", Some("password")),
            ("PWD", None),
            ("PASSWORD_MIN_LENGTH", None),
            ("token_ttl", None),
            ("max_tokens", None),
            ("secretName", None),
            ("SECRET_KEY_BASE", Some("api-key")),
            ("client-key-data", Some("private-key")),
            ("SecretAccessKey", Some("api-key")),
            ("sort_key", None),
            ("key", None),
            ("keyboard", None),
            ("auth", Some("credentials")),
            ("X-Api-Key", Some("api-key")),
            ("access_key_id", None),
            ("client_secret", Some("secret")),
        ] {
            assert_eq!(classify_key(key), want, "{key}");
        }
    }

    #[test]
    fn values() {
        assert!(!secret_value("token", "3600"));
        assert!(!secret_value("token", "30s"));
        assert!(!secret_value("api-key", "null"));
        assert!(!secret_value("secret", "required"));
        assert!(!secret_value("api-key", "/etc/ssl/key.pem"));
        assert!(secret_value("secret", "s3cr3t-value"));
        assert!(secret_value("password", "hunter2"));
        assert!(secret_value("token", "qwertyuiopasdfghjklzxcvb"));
    }
}
