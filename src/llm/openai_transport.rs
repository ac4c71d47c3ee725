//! The HTTP side of the OpenAI-compatible provider: an async-openai config that sends
//! `Authorization` only with a key, and a transport that keeps every non-success status.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_openai::config::{Config, OpenAIConfig};
use async_openai::error::{ApiError, ApiErrorResponse, OpenAIError};
use async_openai::middleware::HttpRequestFactory;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

use super::LlmError;
use super::errors::{Family, body_message};
use super::stream_guard::{is_stream_type, not_a_stream};

/// `OpenAIConfig`, but sends `Authorization` only when there is a key, and never panics on
/// odd header values (they were validated when the provider was built).
#[derive(Clone)]
pub(super) struct KeyOptionalConfig {
    pub(super) inner: OpenAIConfig,
    pub(super) base_url: String,
    pub(super) auth: Option<HeaderValue>,
}

impl Config for KeyOptionalConfig {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(auth) = &self.auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        headers
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        Vec::new()
    }

    fn api_base(&self) -> &str {
        &self.base_url
    }

    fn api_key(&self) -> &secrecy::SecretString {
        self.inner.api_key()
    }
}

/// `ApiError::type` of the error [`StatusService`] makes for a 200 that is not an event
/// stream; `openai.rs` maps it to `LlmError::Malformed`.
pub(super) const NOT_A_STREAM: &str = "opsassist_not_a_stream";

/// The HTTP transport: plain reqwest, no hidden retries (the session owns retries), every
/// non-success status turned into an `ApiError` that keeps the status, whatever the body, and
/// a 200 that is not `text/event-stream` (an HTML page, a JSON error) turned into a
/// [`NOT_A_STREAM`] error at once. Only streamed chat requests go through this client.
#[derive(Clone)]
pub(super) struct StatusService {
    pub(super) http: reqwest::Client,
    /// How long to wait for the start of a non-stream body (to quote it).
    pub(super) idle_secs: u64,
}

type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send + 'static>>;

impl tower::Service<HttpRequestFactory> for StatusService {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        let idle_secs = self.idle_secs;
        Box::pin(async move {
            let request = factory.build().await?;
            let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
            let status = response.status();
            if status.is_success() {
                let content_type = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                if is_stream_type(Family::OpenAi, content_type.as_deref()) {
                    return Ok(response);
                }
                let err = not_a_stream(Family::OpenAi, response, idle_secs).await;
                let message = match err {
                    LlmError::Malformed { detail } => detail,
                    other => other.to_string(),
                };
                return Err(OpenAIError::ApiError(ApiErrorResponse {
                    status_code: status,
                    api_error: ApiError {
                        message,
                        r#type: Some(NOT_A_STREAM.into()),
                        ..Default::default()
                    },
                }));
            }
            let body = response.text().await.unwrap_or_default();
            let code = super::errors::body_code(&body);
            Err(OpenAIError::ApiError(ApiErrorResponse {
                status_code: status,
                api_error: ApiError {
                    message: body_message(&body),
                    code,
                    ..Default::default()
                },
            }))
        })
    }
}
