//! `[[mcp]]` entries of config.toml: one MCP tool server each (stdio command or streamable
//! HTTP url), its allowlist, timeouts and trust, checked at load with one-line errors.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::policy::Class;

/// Seconds one MCP call may take when `timeout_secs` is not set.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// One `[[mcp]]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct McpServerConfig {
    /// Letters, digits, `-` and `_`: the `<server>` in `mcp__<server>__<tool>`.
    pub name: String,
    /// The program and its arguments, for a server over stdio.
    pub command: Vec<String>,
    /// `https://…/mcp`, for a server over streamable HTTP.
    pub url: Option<String>,
    /// File holding the bearer token for `url` (mode 0600, like every secret file).
    pub bearer_token_file: Option<PathBuf>,
    /// Extra HTTP headers for `url`.
    pub headers: BTreeMap<String, String>,
    /// Environment of the stdio child, on top of PATH, HOME, LANG and TMPDIR (nothing else
    /// of opsassist's own environment is passed on).
    pub env: BTreeMap<String, String>,
    /// Working directory of the stdio child.
    pub cwd: Option<PathBuf>,
    /// Seconds one call may take (the server is then sent `notifications/cancelled`).
    pub timeout_secs: Option<u64>,
    /// The server's tools that are offered (empty: all of them).
    pub tools: Vec<String>,
    /// Believe the server's `readOnlyHint`/`destructiveHint` annotations.
    pub trust_annotations: bool,
    /// Per-tool class (server's tool name → class): raises always, lowers only when trusted.
    pub class: BTreeMap<String, Class>,
}

/// An `[[mcp]]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[[mcp]] {0}")]
pub struct McpConfigError(pub String);

impl McpServerConfig {
    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1))
    }

    /// How the server is reached, for `doctor` and errors.
    pub fn endpoint(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None => crate::tools::shell_join(&self.command),
        }
    }
}

/// True for a valid server name: letters, digits, `-` and `_`, at most 32 characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Check every entry: names valid and unique, exactly one of `command` and `url`, http(s)
/// urls, headers and token only with a url, the token file private.
pub fn check(servers: &[McpServerConfig]) -> Result<(), McpConfigError> {
    let mut seen = std::collections::BTreeSet::new();
    for server in servers {
        let name = crate::text::neutralize_line(&server.name);
        if !valid_name(&server.name) {
            return Err(McpConfigError(format!(
                "name `{name}`: use 1 to 32 letters, digits, `-` or `_`"
            )));
        }
        if !seen.insert(server.name.clone()) {
            return Err(McpConfigError(format!(
                "`{name}`: a server with this name is already configured"
            )));
        }
        let fail = |what: &str| Err(McpConfigError(format!("`{name}`: {what}")));
        match (&server.url, server.command.is_empty()) {
            (Some(_), false) => return fail("set either `command` or `url`, not both"),
            (None, true) => {
                return fail("set `command = [\"program\", \"arg\", …]` or `url = \"https://…\"`");
            }
            (None, false) => {
                if server.command[0].trim().is_empty() {
                    return fail("`command` starts with an empty program name");
                }
                if server.bearer_token_file.is_some() || !server.headers.is_empty() {
                    return fail("`bearer_token_file` and `headers` need a `url`");
                }
            }
            (Some(url), true) => {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return fail("`url` must start with https:// or http://");
                }
                if let Some(path) = &server.bearer_token_file {
                    crate::secret_file::check_private(path)
                        .map_err(|e| McpConfigError(format!("`{name}`: bearer_token_file: {e}")))?;
                }
                if server.cwd.is_some() || !server.env.is_empty() {
                    return fail("`cwd` and `env` apply to a `command` only");
                }
            }
        }
        if server.timeout_secs == Some(0) {
            return fail("`timeout_secs` must be at least 1");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdio(name: &str) -> McpServerConfig {
        McpServerConfig {
            name: name.into(),
            command: vec!["server".into()],
            ..Default::default()
        }
    }

    #[test]
    fn names_and_transports_are_checked() {
        assert!(check(&[stdio("fs"), stdio("prom-1")]).is_ok());
        assert!(check(&[stdio("fs"), stdio("fs")]).is_err());
        assert!(check(&[stdio("a b")]).is_err());
        assert!(check(&[stdio("")]).is_err());
        assert!(check(&[stdio("a__b")]).is_ok());
        let both = McpServerConfig {
            url: Some("https://x/mcp".into()),
            ..stdio("x")
        };
        assert!(check(&[both]).is_err());
        let neither = McpServerConfig {
            name: "x".into(),
            ..Default::default()
        };
        assert!(check(&[neither]).is_err());
        let ftp = McpServerConfig {
            name: "x".into(),
            url: Some("ftp://x".into()),
            ..Default::default()
        };
        assert!(check(&[ftp]).is_err());
        let zero = McpServerConfig {
            timeout_secs: Some(0),
            ..stdio("x")
        };
        assert!(check(&[zero]).is_err());
    }

    #[test]
    fn a_world_readable_token_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let token = dir.path().join("token");
        std::fs::write(&token, "t").expect("write");
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let server = McpServerConfig {
            name: "x".into(),
            url: Some("https://x/mcp".into()),
            bearer_token_file: Some(token.clone()),
            ..Default::default()
        };
        assert!(check(std::slice::from_ref(&server)).is_err());
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(check(&[server]).is_ok());
    }
}
