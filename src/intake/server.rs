//! The HTTP receiver (axum on hyper): `POST /v1/alerts[/{format}]`, `GET /healthz`,
//! `GET /metrics`. Every request is rate-limited per client, authenticated, size-capped and
//! time-limited before its payload reaches the parser; a 2xx means the alerts are on disk.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::auth::{Auth, Verdict};
use super::metrics::Reject;
use super::ratelimit::RateLimiter;
use super::{Intake, IntakeError};
use crate::alert::Source;
use crate::text::neutralize_line;

/// Most connections served at once; further ones wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 1024;
/// Longest time a client has to send a request's headers (slowloris, half-open and idle
/// connections); shorter when `request_timeout` is.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(
        "refusing to listen on {0} without authentication: set [intake] token_file (or pagerduty_secrets_file), or pass --insecure-no-auth"
    )]
    Insecure(SocketAddr),
}

/// How the receiver behaves.
#[derive(Debug, Clone)]
pub struct ReceiverOptions {
    pub auth: Auth,
    /// `limits.max_alert_bytes`.
    pub max_bytes: usize,
    pub rate_per_client: u32,
    pub rate_burst: u32,
    /// Time to receive a request body.
    pub request_timeout: Duration,
    /// Allow a non-loopback address without credentials.
    pub insecure_no_auth: bool,
    /// Serve HTTPS with this config ([`super::tls::load`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

struct AppState {
    intake: Intake,
    auth: Auth,
    limiter: RateLimiter,
    max_bytes: usize,
    request_timeout: Duration,
}

/// A bound receiver: its address and the future that serves it.
pub struct Receiver {
    pub addr: SocketAddr,
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Bind `listen` and build the routes; refuse a non-loopback address without auth.
pub async fn bind(
    listen: &str,
    intake: Intake,
    options: ReceiverOptions,
) -> Result<Receiver, ServeError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: neutralize_line(listen),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: neutralize_line(listen),
        source,
    })?;
    if !addr.ip().is_loopback() && !options.auth.is_enabled() && !options.insecure_no_auth {
        return Err(ServeError::Insecure(addr));
    }
    let header_timeout = HEADER_TIMEOUT.min(options.request_timeout);
    let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    Ok(Receiver {
        addr,
        listener,
        router: router(intake, options),
        header_timeout,
        tls,
    })
}

/// The routes, for tests that drive them without a socket.
pub fn router(intake: Intake, options: ReceiverOptions) -> Router {
    let state = Arc::new(AppState {
        limiter: RateLimiter::new(options.rate_per_client, options.rate_burst),
        intake,
        auth: options.auth,
        max_bytes: options.max_bytes,
        request_timeout: options.request_timeout,
    });
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/alerts", post(post_detect))
        .route("/v1/alerts/{format}", post(post_format))
        .with_state(state)
}

impl Receiver {
    /// Serve until `shutdown` resolves. Each connection gets a header-read timeout; at most
    /// [`MAX_CONNECTIONS`] are served at once.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        tokio::pin!(shutdown);
        loop {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!("receiver: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => return,
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let header_timeout = self.header_timeout;
            let tls = self.tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => serve_connection(stream, peer, router, header_timeout).await,
                    Some(acceptor) => {
                        match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => {
                                serve_connection(stream, peer, router, header_timeout).await
                            }
                            Ok(Err(e)) => tracing::debug!("receiver: TLS from {peer}: {e}"),
                            Err(_) => {
                                tracing::debug!("receiver: TLS handshake from {peer} timed out")
                            }
                        }
                    }
                }
                drop(permit);
            });
        }
    }
}

/// Serve HTTP/1.1 on one connection, with the header-read timeout.
async fn serve_connection<I>(io: I, peer: SocketAddr, router: Router, header_timeout: Duration)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req.map(Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    if let Err(e) = builder.serve_connection(TokioIo::new(io), service).await {
        tracing::debug!("receiver: connection from {peer}: {e}");
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.intake.metrics().render(),
    )
        .into_response()
}

async fn post_detect(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    receive(&state, peer, &headers, body, None).await
}

async fn post_format(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(format): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    receive(&state, peer, &headers, body, Some(format)).await
}

/// Count and answer a refused request. The connection is closed after the answer: the body
/// may be unread, and a client must not reuse a connection the server is about to drop.
fn refuse(state: &AppState, reason: Reject, status: StatusCode, message: String) -> Response {
    state.intake.metrics().reject(reason);
    (
        status,
        [(header::CONNECTION, HeaderValue::from_static("close"))],
        format!("{}\n", neutralize_line(&message)),
    )
        .into_response()
}

fn retry_after(mut response: Response, wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn receive(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
    format: Option<String>,
) -> Response {
    let m = state.intake.metrics();
    m.requests.fetch_add(1, Ordering::Relaxed);
    if let Err(wait) = state.limiter.check(peer.ip(), Instant::now()) {
        let r = refuse(
            state,
            Reject::RateLimited,
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this client".into(),
        );
        return retry_after(r, wait);
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let signature = headers
        .get("x-pagerduty-signature")
        .map(HeaderValue::as_bytes);
    // Without a signature to check, the token decides before the body is read.
    if signature.is_none() && state.auth.check(authorization, None, b"") != Verdict::Allowed {
        return unauthorized(state, Verdict::Unauthorized);
    }
    let format = match format.as_deref().map(Source::from_str) {
        None => None,
        Some(Ok(source)) => Some(source),
        Some(Err(e)) => {
            return refuse(
                state,
                Reject::UnknownFormat,
                StatusCode::NOT_FOUND,
                e.to_string(),
            );
        }
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_bytes as u64) {
        return too_large(state);
    }
    let bytes = match read_body(body, state.max_bytes, state.request_timeout).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => return too_large(state),
        Err(BodyError::Timeout) => {
            return refuse(
                state,
                Reject::Timeout,
                StatusCode::REQUEST_TIMEOUT,
                "the request body took too long".into(),
            );
        }
        Err(BodyError::Broken(e)) => {
            return refuse(
                state,
                Reject::BadPayload,
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            );
        }
    };
    let verdict = state.auth.check(authorization, signature, &bytes);
    if verdict != Verdict::Allowed {
        return unauthorized(state, verdict);
    }
    match state.intake.ingest(&bytes, format, state.max_bytes).await {
        Ok(outcomes) => accepted(&outcomes),
        Err(IntakeError::Parse(e)) => refuse(
            state,
            Reject::BadPayload,
            StatusCode::BAD_REQUEST,
            e.to_string(),
        ),
        Err(IntakeError::QueueFull) => retry_after(
            refuse(
                state,
                Reject::QueueFull,
                StatusCode::SERVICE_UNAVAILABLE,
                IntakeError::QueueFull.to_string(),
            ),
            Duration::from_secs(1),
        ),
        Err(e @ IntakeError::InboxFull(_)) => retry_after(
            refuse(
                state,
                Reject::InboxFull,
                StatusCode::SERVICE_UNAVAILABLE,
                e.to_string(),
            ),
            Duration::from_secs(30),
        ),
        Err(e) => retry_after(
            refuse(
                state,
                Reject::StoreError,
                StatusCode::SERVICE_UNAVAILABLE,
                e.to_string(),
            ),
            Duration::from_secs(5),
        ),
    }
}

/// The 200 answer: `{"accepted": N, "alerts": [{"incident": …, "kind": …}, …]}`, written
/// straight from the outcomes (no intermediate JSON tree).
fn accepted(outcomes: &[super::Outcome]) -> Response {
    #[derive(serde::Serialize)]
    struct Accepted<'a> {
        accepted: usize,
        alerts: &'a [super::Outcome],
    }
    let mut body = Vec::with_capacity(32 + outcomes.len() * 64);
    let reply = Accepted {
        accepted: outcomes.len(),
        alerts: outcomes,
    };
    match serde_json::to_writer(&mut body, &reply) {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        // Outcomes are plain strings and words; this cannot fail, but never panic on it.
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

fn unauthorized(state: &AppState, verdict: Verdict) -> Response {
    let (reason, message) = match verdict {
        Verdict::BadSignature => (
            Reject::BadSignature,
            "the X-PagerDuty-Signature does not match",
        ),
        _ => (Reject::Unauthorized, "missing or wrong credentials"),
    };
    let mut response = refuse(state, reason, StatusCode::UNAUTHORIZED, message.into());
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"opsassist\""),
    );
    response
}

fn too_large(state: &AppState) -> Response {
    refuse(
        state,
        Reject::TooLarge,
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the payload is over the {}-byte limit (limits.max_alert_bytes)",
            state.max_bytes
        ),
    )
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken(String),
}

async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    use http_body_util::BodyExt;
    let limited = http_body_util::Limited::new(body, max);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(e)) => Err(BodyError::Broken(e.to_string())),
    }
}
