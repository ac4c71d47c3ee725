//! Who may post alerts: a bearer token or HTTP basic credentials from `[intake] token_file`,
//! and PagerDuty's `X-PagerDuty-Signature` (HMAC-SHA256 of the body, `v1=` entries, any of
//! several secrets). Every comparison is constant-time.

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Problems loading credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0} holds no credentials")]
    Empty(std::path::PathBuf),
    #[error(transparent)]
    File(#[from] crate::secret_file::SecretFileError),
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// No or wrong token/credentials.
    Unauthorized,
    /// A PagerDuty signature was present (or required) and none matched.
    BadSignature,
}

/// The credentials the receiver accepts.
#[derive(Clone, Default)]
pub struct Auth {
    /// The bearer token, or `user:password` for basic.
    token: Option<Vec<u8>>,
    pagerduty_secrets: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("pagerduty_secrets", &self.pagerduty_secrets.len())
            .finish()
    }
}

fn read_lines(path: &Path) -> Result<Vec<Vec<u8>>, AuthError> {
    let text = crate::secret_file::read_private(path)?;
    let lines: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.as_bytes().to_vec())
        .collect();
    if lines.is_empty() {
        return Err(AuthError::Empty(path.to_path_buf()));
    }
    Ok(lines)
}

impl Auth {
    /// From a token file (first non-comment line) and a PagerDuty secrets file (one per line).
    pub fn load(token_file: Option<&Path>, pagerduty: Option<&Path>) -> Result<Auth, AuthError> {
        let token = match token_file {
            Some(path) => read_lines(path)?.into_iter().next(),
            None => None,
        };
        let pagerduty_secrets = match pagerduty {
            Some(path) => read_lines(path)?,
            None => Vec::new(),
        };
        Ok(Auth {
            token,
            pagerduty_secrets,
        })
    }

    /// Credentials given directly (tests, benches).
    pub fn new(token: Option<&str>, pagerduty_secrets: &[&str]) -> Auth {
        Auth {
            token: token.map(|t| t.as_bytes().to_vec()),
            pagerduty_secrets: pagerduty_secrets
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        }
    }

    /// True when any credential is configured.
    pub fn is_enabled(&self) -> bool {
        self.token.is_some() || !self.pagerduty_secrets.is_empty()
    }

    /// Judge a request from its `Authorization` and `X-PagerDuty-Signature` headers and body.
    /// A signature header, when secrets are configured, must verify; it then authenticates
    /// on its own (PagerDuty cannot send a bearer token by default).
    pub fn check(
        &self,
        authorization: Option<&[u8]>,
        pagerduty_signature: Option<&[u8]>,
        body: &[u8],
    ) -> Verdict {
        if !self.is_enabled() {
            return Verdict::Allowed;
        }
        if !self.pagerduty_secrets.is_empty()
            && let Some(header) = pagerduty_signature
        {
            return if self.signature_matches(header, body) {
                Verdict::Allowed
            } else {
                Verdict::BadSignature
            };
        }
        match (&self.token, authorization) {
            (Some(token), Some(value)) if credentials_match(token, value) => Verdict::Allowed,
            _ => Verdict::Unauthorized,
        }
    }

    fn signature_matches(&self, header: &[u8], body: &[u8]) -> bool {
        let Ok(header) = std::str::from_utf8(header) else {
            return false;
        };
        let mut ok = subtle::Choice::from(0u8);
        for entry in header.split(',').map(str::trim).take(16) {
            let Some(hex_sig) = entry.strip_prefix("v1=") else {
                continue;
            };
            let Ok(given) = hex::decode(hex_sig) else {
                continue;
            };
            for secret in &self.pagerduty_secrets {
                let expected = pagerduty_signature(secret, body);
                ok |= expected.as_slice().ct_eq(given.as_slice());
            }
        }
        bool::from(ok)
    }
}

/// HMAC-SHA256 of `body` under `secret`: what PagerDuty puts after `v1=` (hex).
pub fn pagerduty_signature(secret: &[u8], body: &[u8]) -> Vec<u8> {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// `Bearer <token>` equal to the token, or `Basic <base64>` whose `user:password` equals the
/// token (or whose password does, any user).
fn credentials_match(token: &[u8], header: &[u8]) -> bool {
    let header = header.trim_ascii();
    let (scheme, rest) = match header.iter().position(|b| *b == b' ') {
        Some(i) => (&header[..i], header[i + 1..].trim_ascii()),
        None => return false,
    };
    if scheme.eq_ignore_ascii_case(b"bearer") {
        return bool::from(rest.ct_eq(token));
    }
    if scheme.eq_ignore_ascii_case(b"basic") {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) else {
            return false;
        };
        let whole = decoded.as_slice().ct_eq(token);
        let password = match decoded.iter().position(|b| *b == b':') {
            Some(i) => decoded[i + 1..].ct_eq(token),
            None => subtle::Choice::from(0u8),
        };
        return bool::from(whole | password);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_basic_and_pagerduty_signatures() {
        let auth = Auth::new(Some("s3cret"), &["old", "new"]);
        let body = br#"{"event":{}}"#;
        assert_eq!(
            auth.check(Some(b"Bearer s3cret"), None, body),
            Verdict::Allowed
        );
        assert_eq!(
            auth.check(Some(b"bearer s3cre"), None, body),
            Verdict::Unauthorized
        );
        assert_eq!(auth.check(None, None, body), Verdict::Unauthorized);
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alertmanager:s3cret")
        );
        assert_eq!(
            auth.check(Some(basic.as_bytes()), None, body),
            Verdict::Allowed
        );
        let sig = |secret: &str| hex::encode(pagerduty_signature(secret.as_bytes(), body));
        let header = format!("v1={},v1={}", sig("rotated-out"), sig("new"));
        assert_eq!(
            auth.check(None, Some(header.as_bytes()), body),
            Verdict::Allowed
        );
        let wrong = format!("v1={}", sig("nope"));
        assert_eq!(
            auth.check(Some(b"Bearer s3cret"), Some(wrong.as_bytes()), body),
            Verdict::BadSignature
        );
        assert_eq!(
            auth.check(None, Some(b"v1=zz,garbage"), body),
            Verdict::BadSignature
        );
        assert_eq!(Auth::default().check(None, None, body), Verdict::Allowed);
    }
}
