//! `opsassist doctor`'s checks of what the config points at: every file it names (secrets,
//! TLS certificate and key, the database CA, rules files) exists, can be read by this user,
//! and a secret is not readable by group or others; and the team database: reachable,
//! authenticated, with the grants the app role needs. One line each, with the fix.

use std::path::{Path, PathBuf};

use opsassist::config::Config;

/// One file the config names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Where it is named: `[intake] token_file`.
    pub what: String,
    pub path: PathBuf,
    /// Holds a secret: must be owner-only (0600).
    pub secret: bool,
}

fn named(what: &str, path: &Path, secret: bool) -> Named {
    Named {
        what: what.to_string(),
        path: path.to_path_buf(),
        secret,
    }
}

/// Every file `config` names, in config order. Rules files are resolved as the loader does
/// (relative to the config dir); the others are used as written.
pub fn files_named(config: &Config, config_dir: &Path) -> Vec<Named> {
    let mut out = Vec::new();
    let mut push = |what: &str, path: Option<&PathBuf>, secret: bool| {
        if let Some(path) = path {
            out.push(named(what, path, secret));
        }
    };
    push("[audit] key_file", config.audit.key_file.as_ref(), true);
    let intake = &config.intake;
    push("[intake] token_file", intake.token_file.as_ref(), true);
    push(
        "[intake] pagerduty_secrets_file",
        intake.pagerduty_secrets_file.as_ref(),
        true,
    );
    push(
        "[intake] tls_cert_file",
        intake.tls_cert_file.as_ref(),
        false,
    );
    push("[intake] tls_key_file", intake.tls_key_file.as_ref(), true);
    push(
        "[store] password_file",
        config.store.password_file.as_ref(),
        true,
    );
    push("[store] ca_file", config.store.ca_file.as_ref(), false);
    let notify = &config.notify;
    if let Some(email) = &notify.email {
        push(
            "[notify.email] password_file",
            email.password_file.as_ref(),
            true,
        );
    }
    if let Some(slack) = &notify.slack {
        push(
            "[notify.slack] webhook_url_file",
            slack.webhook_url_file.as_ref(),
            true,
        );
    }
    if let Some(webhook) = &notify.webhook {
        push(
            "[notify.webhook] token_file",
            webhook.token_file.as_ref(),
            true,
        );
    }
    push("[ssh] config_file", config.ssh.config_file.as_ref(), false);
    for rules in &config.policy.rules {
        let path = if rules.is_absolute() {
            rules.clone()
        } else {
            config_dir.join(rules)
        };
        out.push(named("[policy] rules", &path, false));
    }
    out
}

/// Check one named file: Ok(detail) or Err(what is wrong and the fix).
pub fn check(file: &Named) -> Result<String, String> {
    use std::os::unix::fs::MetadataExt;
    let path = file.path.display();
    let meta = match std::fs::metadata(&file.path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let fix = if file.secret {
                format!(
                    "create it owner-only: `install -m 600 /dev/null {path}`, then write the secret into it"
                )
            } else {
                format!("create it, or change {} in config.toml", file.what)
            };
            return Err(format!("{path} does not exist; {fix}"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(format!(
                "{path} cannot be reached by this user (a directory on the way is not searchable): {e}; fix the directory's permissions or run as its owner"
            ));
        }
        Err(e) => return Err(format!("{path}: {e}")),
    };
    if !meta.is_file() {
        return Err(format!("{path} is not a regular file"));
    }
    if let Err(e) = std::fs::File::open(&file.path) {
        return Err(format!(
            "{path} cannot be read by this user (owner uid {}, mode {:04o}): {e}; `chown` it to the user opsassist runs as",
            meta.uid(),
            meta.mode() & 0o7777
        ));
    }
    if file.secret {
        opsassist::secret_file::check_private(&file.path).map_err(|e| e.to_string())?;
        return Ok(format!("{path} (secret, mode {:04o})", meta.mode() & 0o777));
    }
    Ok(path.to_string())
}

/// How the team database answered `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreVerdict {
    /// No `[store] url` nor `OPSASSIST_STORE_URL`: the files in the data dir.
    Files,
    /// Connected, authenticated, every grant present.
    Ok(String),
    /// The server was not reached.
    Unreachable(String),
    /// The server was reached and refused the credentials (or asked for a password).
    Authentication(String),
    /// Connected, but the role lacks rights.
    Grants(String),
    /// Anything else (a bad URL, a CA that does not verify, a password file not read).
    Other(String),
}

/// Connect to the team database as configured and sort the outcome.
pub fn check_store(config: &Config) -> StoreVerdict {
    use opsassist::store::{PgStore, StoreError};
    let Some(url) = opsassist::store::open::url(&config.store) else {
        return StoreVerdict::Files;
    };
    let password = match opsassist::store::open::password(&config.store) {
        Ok(password) => password,
        Err(e) => return StoreVerdict::Other(e.to_string()),
    };
    let store =
        match PgStore::connect_with(&url, password.as_deref(), config.store.ca_file.as_deref()) {
            Ok(store) => store,
            Err(StoreError::Auth(text)) => return StoreVerdict::Authentication(text),
            Err(StoreError::Db(text)) => return classify(text),
            Err(e) => return StoreVerdict::Other(e.to_string()),
        };
    match store.missing_grants() {
        Ok(missing) if missing.is_empty() => StoreVerdict::Ok(store.describe_url().to_string()),
        Ok(missing) => StoreVerdict::Grants(format!(
            "{}: the role lacks {}; grant them as in the README (Team mode, Roles, step 3)",
            store.describe_url(),
            missing.join(", ")
        )),
        Err(e) => StoreVerdict::Other(e.to_string()),
    }
}

fn classify(text: String) -> StoreVerdict {
    if text.contains("permission denied") || text.contains("may not change the schema") {
        StoreVerdict::Grants(text)
    } else if text.contains("invalid store URL") || text.contains("certificate") {
        StoreVerdict::Other(text)
    } else {
        StoreVerdict::Unreachable(format!(
            "{text}; check the host and port in the store URL and that PostgreSQL runs and accepts TCP connections there"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_missing_an_exposed_and_a_good_secret_each_get_their_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let token = dir.path().join("intake.token");
        let file = named("[intake] token_file", &token, true);
        let missing = check(&file).expect_err("missing");
        assert!(
            missing.contains("does not exist") && missing.contains("install -m 600"),
            "{missing}"
        );
        std::fs::write(&token, "t\n").expect("write");
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let exposed = check(&file).expect_err("exposed");
        assert!(exposed.contains("chmod 600"), "{exposed}");
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(check(&file).expect("ok").contains("mode 0600"));
        // A certificate may be world-readable.
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(check(&named("[intake] tls_cert_file", &token, false)).is_ok());
    }

    #[test]
    fn every_file_the_config_names_is_listed() {
        let config = Config::parse(
            r#"
[audit]
key_file = "/k"
[intake]
token_file = "/t"
pagerduty_secrets_file = "/p"
tls_cert_file = "/c"
tls_key_file = "/ck"
[store]
password_file = "/s"
ca_file = "/ca"
[notify.email]
smtp_host = "h"
from = "a@b"
to = ["c@d"]
password_file = "/e"
[notify.slack]
webhook_url_file = "/sl"
[notify.webhook]
url = "https://x"
token_file = "/w"
[policy]
rules = ["team-rules.toml"]
"#,
        )
        .expect("config");
        let files = files_named(&config, Path::new("/cfg"));
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "/k",
                "/t",
                "/p",
                "/c",
                "/ck",
                "/s",
                "/ca",
                "/e",
                "/sl",
                "/w",
                "/cfg/team-rules.toml"
            ]
        );
        let secrets = files.iter().filter(|f| f.secret).count();
        assert_eq!(secrets, 8);
    }
}
