//! Who may post alerts: a bearer token or HTTP basic credentials from `[intake] token_file`,
//! and, on the PagerDuty path only, PagerDuty's `X-PagerDuty-Signature` (HMAC-SHA256 of the
//! body, `v1=` entries, any of several secrets). The decision is made from the headers before
//! any body is read ([`Auth::gate`]). Every comparison is constant-time.

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

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No or wrong token/credentials (a signature anywhere but the PagerDuty path included).
    Unauthorized,
    /// A PagerDuty signature that is malformed or does not match the body.
    BadSignature,
}

/// What a request's headers allow, before its body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// A valid token, or no credentials configured.
    Allowed,
    /// A well-formed PagerDuty signature on the PagerDuty path: read the body (small) and
    /// verify it before anything else.
    Signature,
    Refused(Verdict),
}

/// Most `X-PagerDuty-Signature` entries looked at.
const MAX_SIGNATURES: usize = 16;

/// True when the header holds at least one `v1=` entry of 64 hex digits (an HMAC-SHA256).
fn well_formed_signature(header: &[u8]) -> bool {
    let Ok(header) = std::str::from_utf8(header) else {
        return false;
    };
    header
        .split(',')
        .take(MAX_SIGNATURES)
        .filter_map(|entry| entry.trim().strip_prefix("v1="))
        .any(|hex_sig| hex_sig.len() == 64 && hex_sig.bytes().all(|b| b.is_ascii_hexdigit()))
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

    /// Decide from a request's headers alone, before any body is read, whether it may go on.
    /// A valid token (bearer or basic) admits any path. A PagerDuty signature counts only on
    /// the PagerDuty path (`pagerduty_path`) and only when secrets are configured; it covers
    /// the body, so such a request is admitted as [`Gate::Signature`] for the caller to read a
    /// small body and [`Auth::verify_signature`] it. Everything else is refused here.
    pub fn gate(
        &self,
        pagerduty_path: bool,
        authorization: Option<&[u8]>,
        pagerduty_signature: Option<&[u8]>,
    ) -> Gate {
        if !self.is_enabled() {
            return Gate::Allowed;
        }
        if let Some(value) = authorization {
            return match &self.token {
                Some(token) if credentials_match(token, value) => Gate::Allowed,
                _ => Gate::Refused(Verdict::Unauthorized),
            };
        }
        match pagerduty_signature {
            Some(header) if pagerduty_path && !self.pagerduty_secrets.is_empty() => {
                if well_formed_signature(header) {
                    Gate::Signature
                } else {
                    Gate::Refused(Verdict::BadSignature)
                }
            }
            _ => Gate::Refused(Verdict::Unauthorized),
        }
    }

    /// True when `header` (`X-PagerDuty-Signature`) holds a `v1=` HMAC of `body` under any
    /// configured secret.
    pub fn verify_signature(&self, header: &[u8], body: &[u8]) -> bool {
        !self.pagerduty_secrets.is_empty() && self.signature_matches(header, body)
    }

    fn signature_matches(&self, header: &[u8], body: &[u8]) -> bool {
        let Ok(header) = std::str::from_utf8(header) else {
            return false;
        };
        let mut ok = subtle::Choice::from(0u8);
        for entry in header.split(',').map(str::trim).take(MAX_SIGNATURES) {
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
    fn tokens_decide_from_headers_and_signatures_only_on_the_pagerduty_path() {
        let auth = Auth::new(Some("s3cret"), &["old", "new"]);
        let sig = |secret: &str, body: &[u8]| {
            format!(
                "v1={}",
                hex::encode(pagerduty_signature(secret.as_bytes(), body))
            )
        };
        let any = sig("nope", b"");
        for pd in [false, true] {
            assert_eq!(auth.gate(pd, Some(b"Bearer s3cret"), None), Gate::Allowed);
            assert_eq!(
                auth.gate(pd, Some(b"bearer s3cre"), None),
                Gate::Refused(Verdict::Unauthorized)
            );
            assert_eq!(
                auth.gate(pd, None, None),
                Gate::Refused(Verdict::Unauthorized)
            );
            // A wrong token is not rescued by a signature.
            assert_eq!(
                auth.gate(pd, Some(b"Bearer x"), Some(any.as_bytes())),
                Gate::Refused(Verdict::Unauthorized)
            );
        }
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("alertmanager:s3cret")
        );
        assert_eq!(
            auth.gate(false, Some(basic.as_bytes()), None),
            Gate::Allowed
        );
        // A signature authenticates nothing but the PagerDuty path.
        assert_eq!(
            auth.gate(false, None, Some(any.as_bytes())),
            Gate::Refused(Verdict::Unauthorized)
        );
        assert_eq!(auth.gate(true, None, Some(any.as_bytes())), Gate::Signature);
        for malformed in ["v1=zz,garbage", "v1=abc", "", "v0=00"] {
            assert_eq!(
                auth.gate(true, None, Some(malformed.as_bytes())),
                Gate::Refused(Verdict::BadSignature),
                "{malformed}"
            );
        }
        // Without secrets a signature is no credential at all.
        let token_only = Auth::new(Some("s3cret"), &[]);
        assert_eq!(
            token_only.gate(true, None, Some(any.as_bytes())),
            Gate::Refused(Verdict::Unauthorized)
        );
        assert!(!token_only.verify_signature(any.as_bytes(), b""));
        assert_eq!(Auth::default().gate(true, None, None), Gate::Allowed);

        let body = br#"{"event":{}}"#;
        let header = format!("v1={},{}", &sig("rotated-out", body)[3..], sig("new", body));
        assert!(auth.verify_signature(header.as_bytes(), body));
        assert!(!auth.verify_signature(sig("nope", body).as_bytes(), body));
        assert!(!auth.verify_signature(sig("new", body).as_bytes(), b"other"));
    }
}
