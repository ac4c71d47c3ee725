//! TLS to the team database with libpq's `sslmode`, against a real cluster started with
//! `ssl = on` and a certificate made by `openssl` (tests/support/postgres.rs `tls_cluster`):
//! `require` really encrypts (`pg_stat_ssl`), `verify-full` with the right CA connects by IP
//! and by name, a wrong CA or a wrong host name fails with one plain line, `verify-ca` does
//! not check the name, and `require` against a server without TLS says so.

#[path = "support/postgres.rs"]
mod postgres;

use std::sync::OnceLock;

use opsassist::store::PgStore;
use postgres::Cluster;

fn connect(url: &str) -> PgStore {
    PgStore::connect(url, None).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// One TLS cluster for the TLS tests of this binary.
fn tls() -> &'static Cluster {
    static TLS: OnceLock<Cluster> = OnceLock::new();
    TLS.get_or_init(postgres::tls_cluster)
}

fn connect_err(url: &str) -> String {
    match PgStore::connect(url, None) {
        Ok(_) => panic!("{url} connected"),
        Err(e) => e.to_string(),
    }
}

/// (connections, all encrypted) of the store's own connections to `db`.
fn store_connections(cluster: &Cluster, db: &str) -> String {
    cluster.psql(
        "postgres",
        &format!(
            "SELECT count(*) || '|' || bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = '{db}' AND a.application_name = 'opsassist'"
        ),
    )
}

#[test]
fn require_encrypts_the_connection_and_disable_does_not() {
    let cluster = tls();
    let url = cluster.database("require");
    let db = postgres::db_of(&url);
    let store = connect(&format!("{url}?sslmode=require"));
    assert_eq!(store_connections(cluster, &db), "1|true");
    drop(store);
    let plain_db = postgres::db_of(&cluster.database("disable"));
    let _plain = connect(&format!("{}?sslmode=disable", cluster.url(&plain_db)));
    assert_eq!(store_connections(cluster, &plain_db), "1|false");
}

#[test]
fn verify_full_with_the_right_ca_connects_by_ip_and_by_name() {
    let cluster = tls();
    let ca = cluster.tls().ca.display().to_string();
    let url = cluster.database("verify");
    let db = postgres::db_of(&url);
    let store = connect(&format!("{url}?sslmode=verify-full&sslrootcert={ca}"));
    assert_eq!(store_connections(cluster, &db), "1|true");
    drop(store);
    // By the name in the certificate, the CA from `[store] ca_file`.
    let by_name = format!(
        "postgres://postgres@localhost:{}/{db}?hostaddr=127.0.0.1&sslmode=verify-full",
        cluster.port
    );
    PgStore::connect_with(&by_name, None, Some(&cluster.tls().ca))
        .unwrap_or_else(|e| panic!("{by_name}: {e}"));
}

#[test]
fn verify_full_with_a_wrong_ca_fails_in_plain_words() {
    let cluster = tls();
    let other = cluster.tls().other_ca.display().to_string();
    let url = cluster.database("wrongca");
    for mode in ["verify-full", "verify-ca"] {
        let err = connect_err(&format!("{url}?sslmode={mode}&sslrootcert={other}"));
        assert!(
            err.contains(&format!(
                "certificate not trusted: it is not signed by the CA in {other}"
            )),
            "{mode}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn verify_full_with_a_wrong_host_name_fails_and_verify_ca_does_not_check_it() {
    let cluster = tls();
    let ca = cluster.tls().ca.display().to_string();
    let db = postgres::db_of(&cluster.database("wronghost"));
    let wrong = |mode: &str| {
        format!(
            "postgres://postgres@db.wrong.example:{}/{db}?hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={ca}",
            cluster.port
        )
    };
    let err = connect_err(&wrong("verify-full"));
    assert!(
        err.contains("certificate not trusted: it does not name the host"),
        "{err}"
    );
    connect(&wrong("verify-ca"));
}

#[test]
fn require_against_a_server_without_tls_fails_in_plain_words_and_prefer_falls_back() {
    let url = postgres::database("notls");
    let err = connect_err(&format!("{url}?sslmode=require"));
    assert!(
        err.contains("the database server does not offer TLS but sslmode=require"),
        "{err}"
    );
    connect(&format!("{url}?sslmode=prefer"));
    connect(&url);
}
