//! The HTTP receiver (axum on hyper): `POST /v1/alerts[/{format}]`, `GET /healthz`,
//! `GET /metrics`. Before a request's body is read it is rate-limited per client, its `Host`
//! and `Origin` are checked ([`super::hosts`]), it is authenticated from its headers and path
//! ([`Auth::gate`]) and it must declare JSON; the body is then size-capped and time-limited
//! before it reaches the parser. Connections are capped per client and in all
//! ([`super::connections`]) and must send their headers within `header_timeout_secs`. A 2xx
//! means the alerts are on disk.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::auth::{Auth, Gate, Verdict};
use super::connections::{ClientKey, Connections};
use super::hosts::HostPolicy;
use super::metrics::Reject;
use super::ratelimit::RateLimiter;
use super::replay::{Replay, SeenEvents};
use super::{Intake, IntakeError};
use crate::alert::{self, ParseOptions, Source};
use crate::text::neutralize_line;

/// Most connections open at once (fewer when the open-file limit is low).
const MAX_CONNECTIONS: usize = 1024;
/// Open files kept free for everything but connections (inbox, logs, sessions).
const FD_RESERVE: u64 = 128;
/// Largest body read before a PagerDuty signature is verified: PagerDuty's V3 events are a
/// few KiB, and an unauthenticated client must not make the receiver hold megabytes.
pub const SIGNED_BODY_LIMIT: usize = 64 * 1024;

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
    #[error("{0}")]
    Hosts(#[from] super::hosts::BadHost),
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
    /// Time to receive a request's headers (and a TLS handshake); idle keep-alive
    /// connections are closed after it too. Independent of `request_timeout`.
    pub header_timeout: Duration,
    /// Connections one client may hold (0 = only the total cap).
    pub max_connections_per_client: usize,
    /// `Host` names besides the address a connection arrived on (`[intake] allowed_hosts`).
    pub allowed_hosts: Vec<String>,
    /// Signed PagerDuty events further than this from now are refused (zero: no limit).
    pub pagerduty_max_age: Duration,
    /// Allow a non-loopback address without credentials.
    pub insecure_no_auth: bool,
    /// Serve HTTPS with this config ([`super::tls::load`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for ReceiverOptions {
    /// No credentials, `[intake]`'s defaults and a 10 MiB body cap.
    fn default() -> Self {
        let intake = crate::config::IntakeConfig::default();
        ReceiverOptions {
            auth: Auth::default(),
            max_bytes: crate::alert::DEFAULT_MAX_BYTES,
            rate_per_client: intake.rate_per_client,
            rate_burst: intake.rate_burst,
            request_timeout: Duration::from_secs(intake.request_timeout_secs),
            header_timeout: Duration::from_secs(intake.header_timeout_secs),
            max_connections_per_client: intake.max_connections_per_client,
            allowed_hosts: intake.allowed_hosts,
            pagerduty_max_age: Duration::from_secs(intake.pagerduty_max_age_secs),
            insecure_no_auth: false,
            tls: None,
        }
    }
}

struct AppState {
    intake: Intake,
    auth: Auth,
    limiter: RateLimiter,
    hosts: HostPolicy,
    seen: SeenEvents,
    max_bytes: usize,
    request_timeout: Duration,
}

/// The addresses of the connection a request came on.
#[derive(Debug, Clone, Copy)]
struct ConnAddrs {
    peer: SocketAddr,
    local: SocketAddr,
}

/// A bound receiver: its address and the future that serves it.
pub struct Receiver {
    pub addr: SocketAddr,
    listener: TcpListener,
    router: Router,
    intake: Intake,
    header_timeout: Duration,
    connections: Arc<Connections>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Raise the soft open-file limit towards the hard one (a receiver holds a socket per
/// connection) and say how many files this process may open.
fn raise_open_file_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    let wanted = (MAX_CONNECTIONS as u64 * 2 + FD_RESERVE).min(limit.maximum.unwrap_or(u64::MAX));
    if soft < wanted {
        let raised = rustix::process::Rlimit {
            current: Some(wanted),
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return wanted;
        }
    }
    soft
}

/// Bind `listen` and build the routes; refuse a non-loopback address without auth.
pub async fn bind(
    listen: &str,
    intake: Intake,
    options: ReceiverOptions,
) -> Result<Receiver, ServeError> {
    let hosts = HostPolicy::new(&options.allowed_hosts)?;
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
    let files = raise_open_file_limit();
    let total = usize::try_from(files.saturating_sub(FD_RESERVE))
        .unwrap_or(MAX_CONNECTIONS)
        .clamp(16, MAX_CONNECTIONS);
    let header_timeout = options.header_timeout.max(Duration::from_millis(100));
    let tls = options.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let connections = Connections::new(options.max_connections_per_client, total);
    let state = Arc::new(AppState {
        limiter: RateLimiter::new(options.rate_per_client, options.rate_burst),
        intake: intake.clone(),
        auth: options.auth,
        hosts,
        seen: SeenEvents::new(options.pagerduty_max_age),
        max_bytes: options.max_bytes,
        request_timeout: options.request_timeout,
    });
    Ok(Receiver {
        addr,
        listener,
        router: router(state),
        intake,
        header_timeout,
        connections,
        tls,
    })
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/alerts", post(post_detect))
        .route("/v1/alerts/{format}", post(post_format))
        .with_state(state)
}

impl Receiver {
    /// Serve until `shutdown` resolves. Every connection is admitted to the connection table
    /// (which may close an older idle one to make room) and must send its headers (and finish
    /// a TLS handshake) within the header timeout.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let metrics = self.intake.metrics().clone();
        loop {
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
            let admitted = match self.connections.admit(peer.ip()) {
                Ok((admitted, evicted)) => {
                    metrics
                        .connections_evicted
                        .fetch_add(evicted as u64, Ordering::Relaxed);
                    admitted
                }
                Err(full) => {
                    metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!("receiver: connection from {peer} refused: {full:?}");
                    drop(stream);
                    continue;
                }
            };
            let local = stream.local_addr().unwrap_or(self.addr);
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let header_timeout = self.header_timeout;
            let tls = self.tls.clone();
            tokio::spawn(async move {
                let admitted = Arc::new(admitted);
                let addrs = ConnAddrs { peer, local };
                match tls {
                    None => serve_connection(stream, addrs, router, header_timeout, admitted).await,
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(header_timeout, acceptor.accept(stream));
                        let shaken = tokio::select! {
                            shaken = handshake => shaken,
                            () = admitted.closed() => return,
                        };
                        match shaken {
                            Ok(Ok(stream)) => {
                                serve_connection(stream, addrs, router, header_timeout, admitted)
                                    .await
                            }
                            Ok(Err(e)) => tracing::debug!("receiver: TLS from {peer}: {e}"),
                            Err(_) => {
                                tracing::debug!("receiver: TLS handshake from {peer} timed out")
                            }
                        }
                    }
                }
            });
        }
    }
}

/// Serve HTTP/1.1 on one connection, with the header-read timeout; when the connection table
/// closes it to make room, it finishes a request in progress (none: it closes at once).
async fn serve_connection<I>(
    io: I,
    addrs: ConnAddrs,
    router: Router,
    header_timeout: Duration,
    admitted: Arc<super::connections::Admitted>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let in_service = admitted.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
        let busy = in_service.busy();
        req.extensions_mut().insert(addrs);
        let response = router.clone().oneshot(req.map(Body::new));
        async move {
            let response = response.await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = admitted.closed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!("receiver: connection from {}: {e}", addrs.peer);
    }
}

/// The `Host` and `Origin` checks: None when the request may go on.
fn site_refusal(state: &AppState, request: &Request) -> Option<Response> {
    let local = request
        .extensions()
        .get::<ConnAddrs>()
        .map(|addrs| addrs.local);
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let uri_host = request.uri().authority().map(|a| a.as_str());
    let host_ok = host.is_some_and(|h| state.hosts.allows(h, local))
        && uri_host.is_none_or(|h| state.hosts.allows(h, local));
    if !host_ok {
        return Some(refuse(
            state,
            Reject::ForeignHost,
            StatusCode::FORBIDDEN,
            format!(
                "this receiver does not answer to Host {:?}: add the name to [intake] allowed_hosts",
                host.unwrap_or("")
            ),
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes());
        if !state.hosts.allows_origin(&origin, local) {
            return Some(refuse(
                state,
                Reject::ForeignHost,
                StatusCode::FORBIDDEN,
                format!("requests from web pages are refused (Origin {origin:?})"),
            ));
        }
    }
    None
}

/// True for `application/json` and `application/*+json`, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json") && !sub.contains('/'))
}

async fn metrics(State(state): State<Arc<AppState>>, request: Request) -> Response {
    if let Some(refused) = site_refusal(&state, &request) {
        return refused;
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.intake.metrics().render(),
    )
        .into_response()
}

async fn post_detect(State(state): State<Arc<AppState>>, request: Request) -> Response {
    receive(&state, request, None).await
}

async fn post_format(
    State(state): State<Arc<AppState>>,
    Path(format): Path<String>,
    request: Request,
) -> Response {
    receive(&state, request, Some(format)).await
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

async fn receive(state: &AppState, request: Request, format: Option<String>) -> Response {
    let m = state.intake.metrics();
    m.requests.fetch_add(1, Ordering::Relaxed);
    let peer = request
        .extensions()
        .get::<ConnAddrs>()
        .map(|addrs| addrs.peer.ip());
    if let Some(peer) = peer
        && let Err(wait) = state
            .limiter
            .check(ClientKey::of(peer).ip(), Instant::now())
    {
        let r = refuse(
            state,
            Reject::RateLimited,
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests from this client".into(),
        );
        return retry_after(r, wait);
    }
    if let Some(refused) = site_refusal(state, &request) {
        return refused;
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
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let signature = headers.get("x-pagerduty-signature");
    // Decided from the headers and the path alone: nothing unauthenticated is read.
    let gate = state.auth.gate(
        format == Some(Source::Pagerduty),
        headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes),
        signature.map(HeaderValue::as_bytes),
    );
    let limit = match gate {
        Gate::Refused(verdict) => return unauthorized(state, verdict),
        Gate::Allowed => state.max_bytes,
        Gate::Signature => state.max_bytes.min(SIGNED_BODY_LIMIT),
    };
    if !is_json(headers) {
        return refuse(
            state,
            Reject::NotJson,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the Content-Type must be application/json".into(),
        );
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(state, limit);
    }
    let bytes = match read_body(body, limit, state.request_timeout).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => return too_large(state, limit),
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
    let signed = gate == Gate::Signature;
    if signed && !signature.is_some_and(|sig| state.auth.verify_signature(sig.as_bytes(), &bytes)) {
        return unauthorized(state, Verdict::BadSignature);
    }
    let options = ParseOptions {
        format,
        max_bytes: state.max_bytes,
        ..ParseOptions::default()
    };
    let alerts = match alert::parse(&bytes, &options) {
        Ok(alerts) => alerts,
        Err(e) => {
            return refuse(
                state,
                Reject::BadPayload,
                StatusCode::BAD_REQUEST,
                e.to_string(),
            );
        }
    };
    // A signed event is fresh and new, or a replay of one PagerDuty sent.
    let reservation = if signed {
        match state.seen.reserve(&alerts, chrono::Utc::now()) {
            Ok(reservation) => Some(reservation),
            Err(e) => return replayed(state, e),
        }
    } else {
        None
    };
    m.received.fetch_add(alerts.len() as u64, Ordering::Relaxed);
    match state.intake.accept(alerts).await {
        Ok(outcomes) => {
            if let Some(reservation) = reservation {
                reservation.commit();
            }
            accepted(&outcomes)
        }
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

/// A signed event refused as stale, replayed or unidentifiable.
fn replayed(state: &AppState, why: Replay) -> Response {
    let message = why.to_string();
    match why {
        Replay::Unidentified => refuse(state, Reject::BadPayload, StatusCode::BAD_REQUEST, message),
        Replay::Stale(..) => refuse(state, Reject::StaleEvent, StatusCode::UNAUTHORIZED, message),
        Replay::Seen(_) => refuse(state, Reject::ReplayedEvent, StatusCode::CONFLICT, message),
        Replay::Full => retry_after(
            refuse(
                state,
                Reject::QueueFull,
                StatusCode::SERVICE_UNAVAILABLE,
                message,
            ),
            Duration::from_secs(30),
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

fn too_large(state: &AppState, limit: usize) -> Response {
    let message = if limit < state.max_bytes {
        format!("a signed PagerDuty event is at most {limit} bytes")
    } else {
        format!("the payload is over the {limit}-byte limit (limits.max_alert_bytes)")
    };
    refuse(
        state,
        Reject::TooLarge,
        StatusCode::PAYLOAD_TOO_LARGE,
        message,
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
