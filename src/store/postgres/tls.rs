//! TLS to the team database with libpq's `sslmode` semantics, over rustls: `disable`,
//! `prefer` (the default: TLS when the server offers it, unverified), `require` (TLS or no
//! connection; unverified unless a CA is given, then as `verify-ca`, as libpq does),
//! `verify-ca` (the chain must lead to the CA) and `verify-full` (and the certificate must
//! name the host). The CA comes from `sslrootcert=PATH` in the URL or `[store] ca_file`.
//! tokio-postgres itself knows only disable/prefer/require, so the two TLS keys are taken
//! out of the connection string here, and the verification lives in the connector.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{CertificateError, RootCertStore};
use tokio_postgres::config::SslMode as PgSslMode;

pub use super::tls_stream::MakeRustls;
use super::tls_verify::{ChainOnly, NoVerification};
use crate::store::StoreError;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, StoreError> {
        Ok(match value {
            "disable" | "allow" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(StoreError::Db(format!(
                    "invalid store URL: sslmode={other} (use disable, prefer, require, verify-ca or verify-full)"
                )));
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// The TLS settings of one store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// The CA that signs the server's certificate, when one is given.
    pub root_cert: Option<PathBuf>,
}

impl Tls {
    /// What tokio-postgres must do before the handshake (TLS optional or mandatory).
    pub fn pg_mode(&self) -> PgSslMode {
        match self.mode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
        }
    }

    /// The mode in force once a CA is known: `require` with a CA verifies the chain (libpq).
    fn effective(&self) -> SslMode {
        match (self.mode, &self.root_cert) {
            (SslMode::Require, Some(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        }
    }

    /// The connector for these settings (reads the CA file now, so a bad path fails early).
    pub fn connector(&self) -> Result<MakeRustls, StoreError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match self.effective() {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(NoVerification {
                provider: provider.clone(),
            }),
            mode @ (SslMode::VerifyCa | SslMode::VerifyFull) => {
                let Some(path) = &self.root_cert else {
                    return Err(StoreError::Db(format!(
                        "sslmode={} needs the CA certificate: add sslrootcert=PATH to the store URL or set [store] ca_file",
                        mode.name()
                    )));
                };
                let full = WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots(path)?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| StoreError::Db(format!("CA {}: {e}", path.display())))?;
                if mode == SslMode::VerifyFull {
                    full
                } else {
                    Arc::new(ChainOnly { inner: full })
                }
            }
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Db(format!("TLS setup: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(MakeRustls {
            config: Arc::new(config),
        })
    }

    /// One line for a failed connection: TLS failures in plain words, else the driver's text.
    pub fn explain(&self, error: &(dyn std::error::Error + 'static)) -> String {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = cause {
            if let Some(rustls::Error::InvalidCertificate(c)) = rustls_error(e) {
                return format!("certificate not trusted: {}", self.describe(c));
            }
            if e.to_string().contains("server does not support TLS") {
                return format!(
                    "the database server does not offer TLS but sslmode={}",
                    self.mode.name()
                );
            }
            cause = e.source();
        }
        // The driver's Display leaves out the cause ("error connecting to server"): add it.
        let mut line = error.to_string().replace('\n', " ");
        let mut cause = error.source();
        while let Some(e) = cause {
            let text = e.to_string().replace('\n', " ");
            if !line.contains(&text) {
                line = format!("{line}: {text}");
            }
            cause = e.source();
        }
        line
    }

    fn describe(&self, c: &CertificateError) -> String {
        let ca = self
            .root_cert
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        match c {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                format!("it is not signed by the CA in {ca}")
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "it does not name the host in the store URL (sslmode=verify-full)".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "it has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "it is not valid yet".into()
            }
            other => format!("{other:?}"),
        }
    }
}

/// The rustls error inside `e` (tokio-rustls wraps it in an io::Error).
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    e.downcast_ref::<io::Error>()
        .and_then(|io| io.get_ref())
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn roots(path: &Path) -> Result<RootCertStore, StoreError> {
    let bad = |e: &dyn std::fmt::Display| {
        StoreError::Db(format!("cannot read the CA file {}: {e}", path.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    let mut store = RootCertStore::empty();
    for cert in certs {
        store.add(cert).map_err(|e| bad(&e))?;
    }
    if store.is_empty() {
        return Err(bad(&"no certificate in it"));
    }
    Ok(store)
}

/// Take `sslmode` and `sslrootcert` out of a connection string (URL or `key=value` form);
/// the rest goes to tokio-postgres. `ca_file` is the config's CA, used when the URL has none.
pub fn split(url: &str, ca_file: Option<&Path>) -> Result<(String, Tls), StoreError> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: String| -> Result<bool, StoreError> {
        match key {
            "sslmode" => mode = Some(SslMode::parse(&value)?),
            "sslrootcert" => root_cert = Some(PathBuf::from(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_string(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(key, percent_decode(value))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept = Vec::new();
        for token in url.split_whitespace() {
            let (key, value) = token.split_once('=').unwrap_or((token, ""));
            if !take(key, value.trim_matches('\'').to_string())? {
                kept.push(token);
            }
        }
        kept.join(" ")
    };
    let tls = Tls {
        mode: mode.unwrap_or(SslMode::Prefer),
        root_cert: root_cert.or_else(|| ca_file.map(Path::to_path_buf)),
    };
    Ok((rest, tls))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_keys_leave_the_url_and_the_rest_stays() {
        let (rest, tls) = split(
            "postgres://u@db.example:5433/ops?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest, "postgres://u@db.example:5433/ops?application_name=x");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let (rest, tls) = split("host=db sslmode=require dbname=ops", Some(Path::new("/ca")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest, "host=db dbname=ops");
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(tls.effective(), SslMode::VerifyCa);
        let (rest, tls) = split("postgres://db/ops", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (rest.as_str(), tls.mode),
            ("postgres://db/ops", SslMode::Prefer)
        );
        assert!(split("postgres://db/ops?sslmode=bogus", None).is_err());
    }

    #[test]
    fn verifying_without_a_ca_says_where_to_put_one() {
        let (_, tls) =
            split("postgres://db/ops?sslmode=verify-full", None).unwrap_or_else(|e| panic!("{e}"));
        let err = tls
            .connector()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sslrootcert=PATH"), "{err}");
    }
}
