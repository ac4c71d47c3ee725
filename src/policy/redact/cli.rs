//! Secrets on command lines, as `ps`, shell history and edited commands show them:
//! `mysql -pPASS`, `sshpass -p`, `redis-cli -a`, `curl -u user:pass`, SQL
//! `IDENTIFIED BY '…'` / `PASSWORD '…'`, `htpasswd -b`.

use super::rules::{Spec, raw};

pub(super) static SPECS: &[Spec] = &[
    raw(
        "password",
        &["mysql", "mariadb"],
        r#"(?:^|[\s;&|(/'"])(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlpump|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b[^\n]*?[ \t]-p('[^'\n]+'|"[^"\n]+"|[^\s'"][^\s]*)"#,
    ),
    raw(
        "password",
        &["sshpass"],
        r#"\bsshpass\b[^\n]*?[ \t]-p[ \t]*('[^'\n]+'|"[^"\n]+"|[^\s'"]\S*)"#,
    ),
    raw(
        "password",
        &["redis-cli", "keydb-cli"],
        r#"\b(?:redis|keydb)-cli\b[^\n]*?[ \t]-a[ \t]+('[^'\n]+'|"[^"\n]+"|[^\s'"-]\S*)"#,
    ),
    raw(
        "password",
        &["curl"],
        r#"\bcurl\b[^\n]*?[ \t](?:-u|--user)[ \t=]*['"]?[^:\s'"]+:([^\s'"]+)"#,
    ),
    raw(
        "password",
        &["identified"],
        r"(?i)\bidentified[ \t]+(?:with[ \t]+\S+[ \t]+)?by[ \t]+(?:password[ \t]+)?'([^'\n]+)'",
    ),
    raw(
        "password",
        &["password"],
        r"(?i)\b(?:with|encrypted)[ \t]+(?:encrypted[ \t]+)?password[ \t]+'([^'\n]+)'",
    ),
    raw(
        "password",
        &["htpasswd"],
        r"\bhtpasswd[ \t]+-[a-zA-Z]*b[a-zA-Z]*[ \t]+(?:-\S+[ \t]+)*\S+[ \t]+\S+[ \t]+(\S+)",
    ),
    raw(
        "password",
        &["chpasswd", "passwd"],
        r"\becho[ \t]+['\x22]?[A-Za-z0-9_.-]+:([^\s'\x22:]+)['\x22]?[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd\b",
    ),
];
