//! Waiting on a streamed answer: the request and idle timeouts (reported as "model server
//! sent nothing for N s" with the setting's name), and turning a 200 that is not the
//! streaming format (an HTML page, a JSON error) into a malformed-response error at once.

use super::LlmError;
use super::errors::Family;
use crate::text::neutralize_line;

/// Bytes of a non-stream body quoted in the error.
const HEAD_BYTES: usize = 120;

/// How long a provider waits for the model server, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// Until the answer begins: headers and first chunk (`request_timeout_secs`).
    pub request_secs: u64,
    /// Between two chunks once it has begun (`stream_idle_timeout_secs`).
    pub idle_secs: u64,
}

impl Timeouts {
    /// The wait for the next chunk, and the setting that sets it.
    pub(crate) fn next_chunk(&self, begun: bool) -> (u64, &'static str) {
        if begun {
            (self.idle_secs, "stream_idle_timeout_secs")
        } else {
            (self.request_secs, "request_timeout_secs")
        }
    }
}

/// The model server went quiet for `secs` seconds, the limit set by `setting` in config.toml.
pub(crate) fn silent(secs: u64, setting: &str) -> LlmError {
    LlmError::StreamCut {
        detail: format!("model server sent nothing for {secs} s ({setting} in config.toml)"),
    }
}

/// Wait at most `secs` for `step`; silence is reported as [`silent`].
pub(crate) async fn within<T>(
    secs: u64,
    setting: &str,
    step: impl std::future::Future<Output = T>,
) -> Result<T, LlmError> {
    tokio::time::timeout(std::time::Duration::from_secs(secs), step)
        .await
        .map_err(|_| silent(secs, setting))
}

/// The media type of a `Content-Type` value: lower case, parameters dropped.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a 200 with this `Content-Type` is the family's streaming format (SSE for OpenAI,
/// NDJSON for Ollama). A missing content type is given the benefit of the doubt.
pub(crate) fn is_stream_type(family: Family, content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = essence(content_type);
    match family {
        Family::OpenAi => essence == "text/event-stream",
        Family::Ollama => matches!(
            essence.as_str(),
            "application/x-ndjson"
                | "application/ndjson"
                | "application/jsonl"
                | "application/x-jsonlines"
                | "application/jsonlines"
        ),
    }
}

/// The error for a 200 that is not a stream (an HTML login page from a proxy, a JSON error
/// body): malformed, never retried, quoting the content type and the first
/// [`HEAD_BYTES`] bytes of the body, escaped. Reads at most that much, waiting `secs`.
pub(crate) async fn not_a_stream(
    family: Family,
    mut response: reqwest::Response,
    secs: u64,
) -> LlmError {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let mut head: Vec<u8> = Vec::new();
    let read = async {
        while head.len() <= HEAD_BYTES {
            match response.chunk().await {
                Ok(Some(bytes)) => head.extend_from_slice(&bytes),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(secs), read).await;
    let expected = match family {
        Family::OpenAi => "an event stream (text/event-stream)",
        Family::Ollama => "an NDJSON stream (application/x-ndjson)",
    };
    let content_type: String = neutralize_line(&content_type).chars().take(80).collect();
    LlmError::Malformed {
        detail: format!(
            "HTTP 200 with content type `{content_type}` instead of {expected}; body starts: {}",
            quote_head(&head)
        ),
    }
}

/// The first [`HEAD_BYTES`] bytes of `head` as one terminal-safe line, cut on a character
/// boundary, with `…` when there was more.
fn quote_head(head: &[u8]) -> String {
    if head.iter().all(u8::is_ascii_whitespace) {
        return "(empty)".into();
    }
    let mut cut = &head[..head.len().min(HEAD_BYTES)];
    if let Err(e) = std::str::from_utf8(cut)
        && e.error_len().is_none()
    {
        cut = &cut[..e.valid_up_to()];
    }
    let mut out = neutralize_line(String::from_utf8_lossy(cut).trim());
    if head.len() > HEAD_BYTES {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_types_and_body_heads() {
        assert!(is_stream_type(
            Family::OpenAi,
            Some("Text/Event-Stream; charset=utf-8")
        ));
        assert!(is_stream_type(Family::OpenAi, None));
        assert!(!is_stream_type(Family::OpenAi, Some("text/html")));
        assert!(!is_stream_type(Family::OpenAi, Some("application/json")));
        assert!(is_stream_type(Family::Ollama, Some("application/x-ndjson")));
        assert!(!is_stream_type(Family::Ollama, Some("application/json")));
        let long = "é".repeat(100);
        let quoted = quote_head(long.as_bytes());
        assert_eq!(quoted, format!("{}…", "é".repeat(60)));
        assert_eq!(quote_head(b"a\x1b[2Jb\r\nc"), "a␛[2Jb\\r\\nc");
        assert_eq!(quote_head(b" \n"), "(empty)");
    }
}
