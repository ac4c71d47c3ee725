//! Credential files as `cat` shows them: htpasswd / shadow hashes, `.netrc`, `.pgpass`,
//! docker `config.json` (via the generic `auth` key) and `SECRET_KEY_BASE`-style settings.

use super::rules::{Check, Spec, raw};

pub(super) static SPECS: &[Spec] = &[
    // crypt(3) hashes: htpasswd (`user:$apr1$…`, `$2y$…`), /etc/shadow (`$6$…`, `$y$…`).
    raw("password-hash", &["$2"], r"(\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53})"),
    raw("password-hash", &["$apr1$", "$1$", "$5$", "$6$", "$md5$"],
        r"(\$(?:apr1|1|5|6|md5)\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86})"),
    raw("password-hash", &["$y$", "$gy$", "$7$"], r"(\$(?:y|gy|7)\$[./A-Za-z0-9]{1,}\$[./A-Za-z0-9]{1,}\$[./A-Za-z0-9]{20,})"),
    raw("password-hash", &["{sha}", "{ssha}"], r"(?i):(\{S?SHA\}[A-Za-z0-9+/]{27,}={0,2})"),
    // .netrc: `machine h login u password p` (one line or several).
    raw("password", &["machine", "default"],
        r"\b(?:machine[ \t\r\n]+\S+|default[ \t\r\n]+(?:login|account)[ \t\r\n]+\S+)(?:[ \t\r\n]+(?:login|account|port|protocol)[ \t\r\n]+\S+)*[ \t\r\n]+password[ \t\r\n]+(\S+)"),
    // .pgpass: `host:port:database:user:password`, one per line.
    raw("password", &[":"], r"(?m)^[A-Za-z0-9_.*\[\]-]+:(?:\d{1,5}|\*):[^:\s]+:[^:\s]+:((?:[^\s:\\]|\\.)(?:[^\s\\]|\\.){2,})$")
        .check(Check::Any),
];
