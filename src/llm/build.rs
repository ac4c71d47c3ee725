//! Choosing and constructing a provider from config and the environment, without network I/O.

use std::sync::Arc;
use std::time::Duration;

use super::ollama::OllamaProvider;
use super::openai::OpenAiProvider;
use super::stream_guard::Timeouts;
use super::{LlmError, Provider};
use crate::config::{LlmConfig, ProviderKind};

/// Model used with `--provider openai` when none is configured.
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-4o-mini";
/// Model used with `--provider ollama` when none is configured.
pub const DEFAULT_OLLAMA_MODEL: &str = "llama3.1";
/// Base URL used with `--provider openai` when neither `--base-url` nor `OPENAI_BASE_URL` is set.
pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// Base URL used with `--provider ollama` when neither `--base-url` nor `OLLAMA_HOST` is set.
pub const DEFAULT_OLLAMA_BASE_URL: &str = "http://127.0.0.1:11434";

/// How long to wait for a TCP connection before reporting the server unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much longer reqwest's read timeout is than the providers' own waits.
const READ_TIMEOUT_SLACK_SECS: u64 = 5;

/// Build the provider `cfg` names (CLI overrides already merged into it). Reads
/// `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `OLLAMA_HOST`. Does no network I/O.
pub fn build_provider(cfg: &LlmConfig) -> Result<Arc<dyn Provider>, LlmError> {
    build_provider_with_env(cfg, &|name| std::env::var(name).ok())
}

/// [`build_provider`] with an explicit environment, for tests.
pub fn build_provider_with_env(
    cfg: &LlmConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Arc<dyn Provider>, LlmError> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let base_url = resolve_base_url(cfg, &env)?;
    let model = resolved_model(cfg);
    let timeouts = Timeouts {
        request_secs: cfg.request_timeout_secs.max(1),
        idle_secs: cfg.stream_idle_timeout_secs.max(1),
    };
    // The providers time every wait themselves (and name the setting when one runs out);
    // reqwest's read timeout is only a backstop behind them.
    let http = http_client(
        &base_url,
        timeouts.request_secs.max(timeouts.idle_secs) + READ_TIMEOUT_SLACK_SECS,
    )?;
    let max_tokens = (cfg.max_tokens > 0).then_some(cfg.max_tokens);
    Ok(match cfg.provider {
        ProviderKind::Openai => Arc::new(
            OpenAiProvider::new(base_url, env("OPENAI_API_KEY"), model, http, timeouts)?
                .with_max_tokens(max_tokens),
        ),
        ProviderKind::Ollama => Arc::new(
            OllamaProvider::new(base_url, model, http, timeouts).with_max_tokens(max_tokens),
        ),
    })
}

/// The model `cfg` asks for, or the provider's default.
pub fn resolved_model(cfg: &LlmConfig) -> String {
    match cfg
        .model
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(model) => model.to_string(),
        None => match cfg.provider {
            ProviderKind::Openai => DEFAULT_OPENAI_MODEL.into(),
            ProviderKind::Ollama => DEFAULT_OLLAMA_MODEL.into(),
        },
    }
}

/// `--base-url`/config first, then the provider's env var, then its default; normalised
/// (scheme added for Ollama-style `host:port`, no trailing slash) and validated.
pub fn resolve_base_url(
    cfg: &LlmConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, LlmError> {
    let configured = cfg.base_url.clone().filter(|u| !u.trim().is_empty());
    let raw = match cfg.provider {
        ProviderKind::Openai => configured
            .or_else(|| env("OPENAI_BASE_URL"))
            .unwrap_or_else(|| DEFAULT_OPENAI_BASE_URL.into()),
        ProviderKind::Ollama => ollama_host_url(
            &configured
                .or_else(|| env("OLLAMA_HOST"))
                .unwrap_or_default(),
        ),
    };
    let url = raw.trim().trim_end_matches('/').to_string();
    let parsed = reqwest::Url::parse(&url).map_err(|e| LlmError::Other {
        detail: format!("invalid base URL `{}`: {e}", super::errors::snippet(&url)),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(LlmError::Other {
            detail: format!(
                "invalid base URL `{}`: expected http://HOST[:PORT][/PATH] or https://…",
                super::errors::snippet(&url)
            ),
        });
    }
    Ok(url)
}

/// Interpret an `OLLAMA_HOST`-style value the way Ollama does: scheme optional (default http),
/// host optional (default 127.0.0.1), port optional (11434 without a scheme).
pub fn ollama_host_url(value: &str) -> String {
    let value = value.trim();
    let (scheme, rest, default_port) = match value.split_once("://") {
        None => ("http", value, "11434"),
        Some(("https", rest)) => ("https", rest, "443"),
        Some((scheme, rest)) => (scheme, rest, if scheme == "http" { "80" } else { "11434" }),
    };
    let (hostport, path) = match rest.split_once('/') {
        Some((hp, path)) => (hp, format!("/{path}")),
        None => (rest, String::new()),
    };
    let (host, port) = split_host_port(hostport);
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let port = port.unwrap_or(default_port);
    format!("{scheme}://{host}:{port}{}", path.trim_end_matches('/'))
}

fn split_host_port(hostport: &str) -> (&str, Option<&str>) {
    if hostport.starts_with('[') {
        return match hostport.find(']') {
            Some(end) => {
                let port = hostport[end + 1..]
                    .strip_prefix(':')
                    .filter(|p| !p.is_empty());
                (&hostport[..=end], port)
            }
            None => (hostport, None),
        };
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port).filter(|p| !p.is_empty())),
        _ => (hostport, None),
    }
}

fn http_client(base_url: &str, timeout_secs: u64) -> Result<reqwest::Client, LlmError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(Duration::from_secs(timeout_secs));
    let loopback = reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| h == "localhost" || h.starts_with("127.") || h == "[::1]");
    if loopback {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| LlmError::Other {
        detail: format!("cannot set up the HTTP client: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(provider: ProviderKind, base_url: Option<&str>) -> LlmConfig {
        LlmConfig {
            provider,
            base_url: base_url.map(str::to_string),
            ..LlmConfig::default()
        }
    }

    #[test]
    fn ollama_host_forms() {
        assert_eq!(ollama_host_url(""), "http://127.0.0.1:11434");
        assert_eq!(ollama_host_url("0.0.0.0"), "http://0.0.0.0:11434");
        assert_eq!(ollama_host_url("gpu-box:8080"), "http://gpu-box:8080");
        assert_eq!(ollama_host_url(":9999"), "http://127.0.0.1:9999");
        assert_eq!(
            ollama_host_url("https://ollama.example/"),
            "https://ollama.example:443"
        );
        assert_eq!(ollama_host_url("http://h:1/sub/"), "http://h:1/sub");
        assert_eq!(ollama_host_url("[::1]:5000"), "http://[::1]:5000");
    }

    #[test]
    fn base_url_precedence() {
        let env = |n: &str| match n {
            "OPENAI_BASE_URL" => Some("http://envhost:1/v1/".to_string()),
            "OLLAMA_HOST" => Some("envhost:2".to_string()),
            _ => None,
        };
        let none = |_: &str| None;
        let o = ProviderKind::Openai;
        let l = ProviderKind::Ollama;
        assert_eq!(
            resolve_base_url(&cfg(o, Some("http://flag:3/v1")), &env).unwrap(),
            "http://flag:3/v1"
        );
        assert_eq!(
            resolve_base_url(&cfg(o, None), &env).unwrap(),
            "http://envhost:1/v1"
        );
        assert_eq!(
            resolve_base_url(&cfg(o, None), &none).unwrap(),
            DEFAULT_OPENAI_BASE_URL
        );
        assert_eq!(
            resolve_base_url(&cfg(l, None), &env).unwrap(),
            "http://envhost:2"
        );
        assert_eq!(
            resolve_base_url(&cfg(l, None), &none).unwrap(),
            DEFAULT_OLLAMA_BASE_URL
        );
        assert!(resolve_base_url(&cfg(o, Some("ftp://x")), &none).is_err());
        assert!(resolve_base_url(&cfg(o, Some("not a url")), &none).is_err());
    }

    #[test]
    fn default_models_and_no_io() {
        let none = |_: &str| None;
        let p = build_provider_with_env(
            &cfg(ProviderKind::Ollama, Some("http://127.0.0.1:1")),
            &none,
        )
        .unwrap();
        assert_eq!((p.name(), p.model()), ("ollama", DEFAULT_OLLAMA_MODEL));
        let p = build_provider_with_env(&cfg(ProviderKind::Openai, None), &none).unwrap();
        assert_eq!((p.name(), p.model()), ("openai", DEFAULT_OPENAI_MODEL));
        let bad_key = |n: &str| (n == "OPENAI_API_KEY").then(|| "sk-\nx".to_string());
        assert!(matches!(
            build_provider_with_env(&cfg(ProviderKind::Openai, None), &bad_key),
            Err(LlmError::Auth { .. })
        ));
    }
}
