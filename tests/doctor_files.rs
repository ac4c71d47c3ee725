//! `opsassist doctor` (the real binary) on what the config points at: every file it names
//! (missing, exposed, fine), and the team database in a throwaway PostgreSQL cluster
//! (unreachable, a wrong password, no password, missing grants, all good), one line each.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use support::postgres;

/// Run `doctor --no-llm` with `config` as config.toml; (success, stdout + stderr).
fn doctor(dir: &Path, config: &str) -> (bool, String) {
    let config_dir = dir.join("config");
    std::fs::create_dir_all(&config_dir).expect("config dir");
    std::fs::write(config_dir.join("config.toml"), config).expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["doctor", "--no-llm"])
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", &config_dir)
        .env_remove("OPSASSIST_STORE_URL")
        .output()
        .expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn every_file_the_config_names_gets_a_line_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(&d.join("cert.pem"), "cert", 0o644);
    write(&d.join("key.pem"), "key", 0o644);
    write(&d.join("smtp-password"), "pw", 0o600);
    let config = format!(
        r#"
[intake]
token_file = "{d}/intake.token"
tls_cert_file = "{d}/cert.pem"
tls_key_file = "{d}/key.pem"

[notify.email]
smtp_host = "smtp.example.com"
from = "a@example.com"
to = ["b@example.com"]
password_file = "{d}/smtp-password"
"#,
        d = d.display()
    );
    let (ok, text) = doctor(d, &config);
    assert!(!ok, "{text}");
    assert!(text.contains("ok  config"), "{text}");
    assert!(
        text.contains(&format!(
            "FAIL [intake] token_file: {}/intake.token does not exist; create it owner-only: `install -m 600 /dev/null",
            d.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "ok  [intake] tls_cert_file {}/cert.pem",
            d.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("FAIL [intake] tls_key_file:") && text.contains("chmod 600"),
        "{text}"
    );
    assert!(
        text.contains("ok  [notify.email] password_file") && text.contains("mode 0600"),
        "{text}"
    );
    assert!(text.contains("--  store: files in"), "{text}");

    // Fixed as the lines say: doctor is content.
    write(&d.join("intake.token"), "t", 0o600);
    std::fs::set_permissions(d.join("key.pem"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let (ok, text) = doctor(d, &config);
    assert!(ok, "{text}");
    assert!(!text.contains("FAIL"), "{text}");
}

/// Step 3 of the README's team-mode roles, for `role`.
fn grant_all(cluster: &postgres::Cluster, db: &str, role: &str) {
    cluster.psql(
        db,
        &format!(
            "GRANT SELECT, INSERT ON inbox, audit, corrections TO {role};
             GRANT SELECT, INSERT, UPDATE ON incidents, session_events TO {role};
             GRANT SELECT, UPDATE ON audit_head, counters TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON claims TO {role};
             GRANT USAGE ON SEQUENCE inbox_seq_seq, corrections_n_seq TO {role};"
        ),
    );
}

#[test]
fn the_team_database_is_unreachable_refused_short_of_grants_or_fine() {
    let cluster = postgres::cluster();
    let owner_url = postgres::database("doctor");
    let db = postgres::db_of(&owner_url);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    // The owner (trust) applies the migrations: reachable, authenticated, every grant.
    let (ok, text) = doctor(d, &format!("[store]\nurl = \"{owner_url}\"\n"));
    assert!(ok, "{text}");
    assert!(
        text.contains("ok  store") && text.contains("grants present"),
        "{text}"
    );

    // An app role that must give a password (scram), with only the migrations table.
    cluster.psql(
        &db,
        "CREATE ROLE doctor_app LOGIN PASSWORD 'right-password';
         GRANT SELECT ON opsassist_migrations TO doctor_app;",
    );
    let hba = cluster.root.join("data/pg_hba.conf");
    let old = std::fs::read_to_string(&hba).expect("pg_hba.conf");
    std::fs::write(
        &hba,
        format!("host all doctor_app 127.0.0.1/32 scram-sha-256\n{old}"),
    )
    .expect("pg_hba.conf");
    cluster.psql("postgres", "SELECT pg_reload_conf()");
    let app_url = format!("postgres://doctor_app@127.0.0.1:{}/{db}", cluster.port);
    let password_file = d.join("db-password");
    let with_password = format!(
        "[store]\nurl = \"{app_url}\"\npassword_file = \"{}\"\n",
        password_file.display()
    );

    // No password at all: the line names password_file.
    let (ok, text) = doctor(d, &format!("[store]\nurl = \"{app_url}\"\n"));
    assert!(!ok, "{text}");
    assert!(
        text.contains("FAIL store authentication:")
            && text.contains("none was given: set [store] password_file"),
        "{text}"
    );
    assert!(!text.contains("unreachable"), "{text}");

    // A wrong password is an authentication failure, not an unreachable database.
    write(&password_file, "wrong-password\n", 0o600);
    let (ok, text) = doctor(d, &with_password);
    assert!(!ok, "{text}");
    assert!(
        text.contains("FAIL store authentication:")
            && text.contains("refused the password of role `doctor_app`")
            && text.contains("[store] password_file"),
        "{text}"
    );
    assert!(!text.contains("unreachable"), "{text}");

    // The right password, no row rights: each missing grant is named.
    write(&password_file, "right-password\n", 0o600);
    let (ok, text) = doctor(d, &with_password);
    assert!(!ok, "{text}");
    assert!(
        text.contains("FAIL store grants:")
            && text.contains("INSERT on inbox")
            && text.contains("DELETE on claims")
            && text.contains("USAGE on sequence inbox_seq_seq"),
        "{text}"
    );

    grant_all(cluster, &db, "doctor_app");
    let (ok, text) = doctor(d, &with_password);
    assert!(ok, "{text}");
    assert!(text.contains("ok  store"), "{text}");

    // Nothing listens: unreachable, with what to check.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let (ok, text) = doctor(
        d,
        &format!("[store]\nurl = \"postgres://doctor_app@127.0.0.1:{closed}/{db}\"\n"),
    );
    assert!(!ok, "{text}");
    assert!(
        text.contains("FAIL store unreachable:") && text.contains("PostgreSQL runs"),
        "{text}"
    );
}
