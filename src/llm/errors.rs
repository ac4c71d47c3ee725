//! Turning HTTP statuses, error bodies and transport failures into one-line [`LlmError`]s.

use std::error::Error as _;

use super::LlmError;
use crate::text::neutralize_line;

/// Longest piece of a server body quoted in an error message.
const SNIPPET_CHARS: usize = 300;

/// Which server family produced an error, for the fix we suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    OpenAi,
    Ollama,
}

/// A short, single-line, terminal-safe excerpt of untrusted server text.
pub(crate) fn snippet(text: &str) -> String {
    let line = neutralize_line(text.trim());
    let mut out: String = line.chars().take(SNIPPET_CHARS).collect();
    if line.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}

/// The human message inside a JSON error body (`{"error":{"message":…}}`, `{"error":"…"}`,
/// `{"message":…}`), or the body itself.
pub(crate) fn body_message(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_string();
    };
    let error = value.get("error").unwrap_or(&value);
    if let Some(text) = error.as_str() {
        return text.to_string();
    }
    error
        .get("message")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| body.to_string())
}

/// The machine code of an OpenAI-style error body (`error.code`, string or number).
pub(crate) fn body_code(body: &str) -> Option<String> {
    let value = serde_json::from_str::<serde_json::Value>(body).ok()?;
    let error = value.get("error").unwrap_or(&value);
    match error.get("code")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Map a non-success HTTP response to an error.
pub(crate) fn from_status(
    family: Family,
    status: u16,
    body: &str,
    model: &str,
    url: &str,
) -> LlmError {
    let message = body_message(body);
    let said = snippet(&message);
    match status {
        401 | 403 => LlmError::Auth {
            status,
            detail: match family {
                Family::OpenAi => format!(
                    "{said}; set OPENAI_API_KEY to a valid key for {url} (a local server needs none: pass --base-url)"
                ),
                Family::Ollama => format!("{said}; check the proxy in front of Ollama at {url}"),
            },
        },
        404 if is_model_not_found(family, body, &message) => LlmError::UnknownModel {
            model: snippet(model),
            detail: match family {
                Family::OpenAi => format!("{said}; choose another with --model"),
                Family::Ollama => format!(
                    "{said}; run `ollama pull {}` or choose another with --model",
                    snippet(model)
                ),
            },
        },
        404 => LlmError::Other {
            detail: format!(
                "HTTP 404 from {url}: {said}; check --base-url{}",
                if family == Family::OpenAi {
                    " (OpenAI-compatible servers usually end in /v1)"
                } else {
                    ""
                }
            ),
        },
        s if s >= 500 => LlmError::Server {
            status: s,
            detail: format!("{said} (from {url})"),
        },
        429 => LlmError::Server {
            status,
            detail: format!("rate limited: {said}"),
        },
        _ => LlmError::Other {
            detail: format!("HTTP {status} from {url}: {said}"),
        },
    }
}

fn is_model_not_found(family: Family, body: &str, message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    match family {
        Family::OpenAi => {
            body_code(body).as_deref() == Some("model_not_found")
                || (message.contains("model") && message.contains("not exist"))
                || (message.contains("model") && message.contains("not found"))
        }
        Family::Ollama => message.contains("model") && message.contains("not found"),
    }
}

/// Map a transport failure (before or during the body) to an error.
pub(crate) fn from_transport(
    family: Family,
    err: &reqwest::Error,
    url: &str,
    timeout_secs: u64,
) -> LlmError {
    let root = root_cause(err);
    if err.is_connect() {
        let fix = match family {
            Family::Ollama => {
                "is Ollama running? start it with `ollama serve`, or pass --base-url / set OLLAMA_HOST"
            }
            Family::OpenAi => "is the server running? pass --base-url or set OPENAI_BASE_URL",
        };
        return LlmError::Connect {
            url: url.to_string(),
            detail: format!("{root}; {fix}"),
        };
    }
    if err.is_timeout() {
        return LlmError::StreamCut {
            detail: format!(
                "no data from {url} for {timeout_secs} s (request_timeout_secs in config.toml)"
            ),
        };
    }
    if err.is_body() || err.is_decode() {
        return LlmError::StreamCut {
            detail: format!("connection to {url} broke mid-response: {root}"),
        };
    }
    if dropped_connection(err) {
        return LlmError::StreamCut {
            detail: format!("{url} closed the connection before answering: {root}"),
        };
    }
    LlmError::Other {
        detail: format!("{url}: {root}"),
    }
}

/// The server (or a proxy) closed or reset the connection after the request was sent and
/// before a response: a restart or a cut, retried like a 5xx.
fn dropped_connection(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_canceled() || h.is_closed())
        {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// The innermost error text, which is where reqwest/hyper keep "connection refused".
fn root_cause(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return "connection refused".into();
        }
        text = s.to_string();
        source = s.source();
    }
    snippet(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_one_short_safe_line() {
        let long = format!("a\nb\u{1b}[31m{}", "x".repeat(1000));
        let s = snippet(&long);
        assert!(!s.contains('\n') && !s.contains('\u{1b}'));
        assert!(s.chars().count() <= SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn openai_model_not_found_body() {
        let body = r#"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
        let e = from_status(Family::OpenAi, 404, body, "gpt-9", "http://x/v1");
        assert!(
            matches!(e, LlmError::UnknownModel { ref model, .. } if model == "gpt-9"),
            "{e}"
        );
    }

    #[test]
    fn ollama_model_not_found_suggests_pull() {
        let body = r#"{"error":"model \"qwen9\" not found, try pulling it first"}"#;
        let e = from_status(Family::Ollama, 404, body, "qwen9", "http://x");
        assert!(e.to_string().contains("ollama pull qwen9"), "{e}");
    }

    #[test]
    fn statuses_map_to_kinds() {
        let f = Family::OpenAi;
        assert!(matches!(
            from_status(f, 401, "{}", "m", "u"),
            LlmError::Auth { status: 401, .. }
        ));
        assert!(matches!(
            from_status(f, 503, "busy", "m", "u"),
            LlmError::Server { status: 503, .. }
        ));
        assert!(matches!(
            from_status(f, 404, "nope", "m", "u"),
            LlmError::Other { .. }
        ));
        assert!(matches!(
            from_status(f, 400, "bad", "m", "u"),
            LlmError::Other { .. }
        ));
        let llama_cpp =
            r#"{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}"#;
        assert!(
            from_status(f, 401, llama_cpp, "m", "u")
                .to_string()
                .contains("Invalid API Key")
        );
    }
}
