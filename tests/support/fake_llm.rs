//! Fake OpenAI (SSE) and Ollama (NDJSON) HTTP servers with scripted replies.
//!
//! An in-process HTTP/1.1 server on `127.0.0.1:0`. Each chat request takes the next [`Reply`]
//! from the script; when the script runs out it answers with the plain final text `done.`.
//! Probe endpoints (`/v1/models`, `/api/tags`, `/api/version`) always answer OK and are not
//! counted. Responses are chunked and every protocol chunk is its own write, so deltas really
//! arrive separately.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer to one chat request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A final text answer, streamed in several deltas.
    Text(String),
    /// Tool calls only: `(name, arguments)`. OpenAI arguments are split across ≥3 chunks.
    ToolCalls(Vec<(String, Value)>),
    /// Some text, then tool calls.
    TextThenTools(String, Vec<(String, Value)>),
    /// An HTTP error status with this body (sent as-is).
    Status(u16, String),
    /// Start streaming, then drop the connection mid-body (no end of stream).
    CutMidStream,
    /// The `disconnect` fault: read the request, then close the connection without a byte
    /// of response (a proxy or server restarting mid-request).
    Disconnect,
    /// Start streaming, then send a chunk that is not valid JSON.
    Malformed,
    /// Text cut at the token cap: OpenAI `finish_reason: "length"`, Ollama
    /// `done_reason: "length"`.
    Truncated(String),
    /// A tool call `(name, raw arguments)` cut at the token cap: the arguments are sent as
    /// given (typically incomplete JSON), then `finish_reason: "length"`. Ollama has no
    /// partial tool calls: it streams the raw call as text, then `done_reason: "length"`.
    TruncatedToolCall(String, String),
}

/// Which wire protocol the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    Ollama,
}

/// One chat request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    received: Vec<Received>,
    chunk_delay: Duration,
}

/// A running fake server. Dropping it stops the server.
pub struct FakeLlm {
    /// `http://127.0.0.1:PORT/v1` for OpenAI, `http://127.0.0.1:PORT` for Ollama.
    pub base_url: String,
    pub addr: SocketAddr,
    pub flavor: Flavor,
    state: Arc<Mutex<State>>,
    task: Option<tokio::task::AbortHandle>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeLlm {
    /// Start an OpenAI-compatible server on the current tokio runtime.
    pub async fn openai(script: Vec<Reply>) -> FakeLlm {
        Self::start(Flavor::OpenAi, script).await
    }

    /// Start an Ollama server on the current tokio runtime.
    pub async fn ollama(script: Vec<Reply>) -> FakeLlm {
        Self::start(Flavor::Ollama, script).await
    }

    /// Start a server of either flavor on the current tokio runtime.
    pub async fn start(flavor: Flavor, script: Vec<Reply>) -> FakeLlm {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake llm");
        let addr = listener.local_addr().expect("fake llm addr");
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let task = tokio::spawn(serve(listener, flavor, state.clone())).abort_handle();
        FakeLlm {
            base_url: base_url(flavor, addr),
            addr,
            flavor,
            state,
            task: Some(task),
            stop: None,
            thread: None,
        }
    }

    /// Start an OpenAI server on its own thread and runtime, for synchronous tests that run
    /// the real binary.
    pub fn spawn_blocking_openai(script: Vec<Reply>) -> FakeLlm {
        Self::spawn_blocking(Flavor::OpenAi, script)
    }

    /// Start an Ollama server on its own thread and runtime.
    pub fn spawn_blocking_ollama(script: Vec<Reply>) -> FakeLlm {
        Self::spawn_blocking(Flavor::Ollama, script)
    }

    /// Start a server of either flavor on its own thread and runtime.
    pub fn spawn_blocking(flavor: Flavor, script: Vec<Reply>) -> FakeLlm {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake llm");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("fake llm addr");
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_state = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("fake llm runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = serve(listener, flavor, thread_state) => {}
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_background();
        });
        FakeLlm {
            base_url: base_url(flavor, addr),
            addr,
            flavor,
            state,
            task: None,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Every chat request body received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.lock()
            .received
            .iter()
            .map(|r| r.body.clone())
            .collect()
    }

    /// Every chat request received (headers and body), in order.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// How many chat requests have arrived.
    pub fn chat_count(&self) -> usize {
        self.lock().received.len()
    }

    /// Append replies to the script (e.g. for a follow-up turn).
    pub fn push(&self, replies: impl IntoIterator<Item = Reply>) {
        self.lock().script.extend(replies);
    }

    /// Pause between protocol chunks (default none), to watch streaming happen.
    pub fn set_chunk_delay(&self, delay: Duration) {
        self.lock().chunk_delay = delay;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn base_url(flavor: Flavor, addr: SocketAddr) -> String {
    match flavor {
        Flavor::OpenAi => format!("http://{addr}/v1"),
        Flavor::Ollama => format!("http://{addr}"),
    }
}

async fn serve(listener: TcpListener, flavor: Flavor, state: Arc<Mutex<State>>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        tokio::spawn(handle_connection(socket, flavor, state.clone()));
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Read one request; `None` when the client closed the connection.
async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[header_end..header_end + len].to_vec();
    buf.drain(..header_end + len);
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

async fn handle_connection(mut socket: TcpStream, flavor: Flavor, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut socket, &mut buf).await {
        let path = req.path.split('?').next().unwrap_or("").to_string();
        let keep_going = match (req.method.as_str(), flavor, path.as_str()) {
            ("GET", Flavor::OpenAi, "/v1/models") => {
                let body = json!({"object": "list", "data": [
                    {"id": "fake-model", "object": "model", "created": 0, "owned_by": "fake"}]});
                send_whole(&mut socket, 200, &body.to_string()).await
            }
            ("GET", Flavor::Ollama, "/api/tags") => {
                send_whole(&mut socket, 200, r#"{"models":[]}"#).await
            }
            ("GET", Flavor::Ollama, "/api/version") => {
                send_whole(&mut socket, 200, r#"{"version":"0.0.0-fake"}"#).await
            }
            ("POST", Flavor::OpenAi, "/v1/chat/completions")
            | ("POST", Flavor::Ollama, "/api/chat") => chat(&mut socket, flavor, &state, req).await,
            _ => send_whole(&mut socket, 404, r#"{"error":"not found"}"#).await,
        };
        if !keep_going {
            return;
        }
    }
}

async fn chat(
    socket: &mut TcpStream,
    flavor: Flavor,
    state: &Arc<Mutex<State>>,
    req: Request,
) -> bool {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("fake-model")
        .to_string();
    let (reply, number, delay) = {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        st.received.push(Received {
            headers: req.headers,
            body,
        });
        let reply = st
            .script
            .pop_front()
            .unwrap_or_else(|| Reply::Text("done.".into()));
        (reply, st.received.len(), st.chunk_delay)
    };
    if let Reply::Status(code, body) = &reply {
        return send_whole(socket, *code, body).await;
    }
    if matches!(reply, Reply::Disconnect) {
        let _ = socket.shutdown().await;
        return false;
    }
    let content_type = match flavor {
        Flavor::OpenAi => "text/event-stream",
        Flavor::Ollama => "application/x-ndjson",
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    if socket.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let pieces = match flavor {
        Flavor::OpenAi => openai_events(&reply, &model, number),
        Flavor::Ollama => ollama_lines(&reply, &model),
    };
    for piece in pieces {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
        if socket.write_all(chunk.as_bytes()).await.is_err() {
            return false;
        }
        let _ = socket.flush().await;
    }
    if matches!(reply, Reply::CutMidStream) {
        let _ = socket.shutdown().await;
        return false;
    }
    socket.write_all(b"0\r\n\r\n").await.is_ok()
}

async fn send_whole(socket: &mut TcpStream, status: u16, body: &str) -> bool {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(resp.as_bytes()).await.is_ok()
}

/// Split `text` into about four pieces on char boundaries.
fn split_text(text: &str, parts: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let size = chars.len().div_ceil(parts).max(1);
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

fn openai_chunk(model: &str, delta: Value, finish: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000u32,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {chunk}\n\n")
}

fn openai_events(reply: &Reply, model: &str, number: usize) -> Vec<String> {
    let mut out = vec![openai_chunk(
        model,
        json!({"role": "assistant", "content": ""}),
        None,
    )];
    let (text, calls) = match reply {
        Reply::Text(t) => (t.as_str(), &[][..]),
        Reply::ToolCalls(c) => ("", &c[..]),
        Reply::TextThenTools(t, c) => (t.as_str(), &c[..]),
        Reply::CutMidStream => {
            out.push(openai_chunk(
                model,
                json!({"content": "Checking the "}),
                None,
            ));
            out.push("data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.compl".into());
            return out;
        }
        Reply::Malformed => {
            out.push(openai_chunk(model, json!({"content": "Checking"}), None));
            out.push("data: {\"id\": chatcmpl-fake, not json}\n\n".into());
            out.push(openai_chunk(model, json!({}), Some("stop")));
            out.push("data: [DONE]\n\n".into());
            return out;
        }
        Reply::Truncated(t) => {
            for piece in split_text(t, 4) {
                out.push(openai_chunk(model, json!({"content": piece}), None));
            }
            out.push(openai_chunk(model, json!({}), Some("length")));
            out.push("data: [DONE]\n\n".into());
            return out;
        }
        Reply::TruncatedToolCall(name, args) => {
            out.push(openai_chunk(
                model,
                json!({"tool_calls": [{"index": 0, "id": format!("call_{number}_0"), "type": "function",
                    "function": {"name": name, "arguments": ""}}]}),
                None,
            ));
            for piece in split_text(args, 3) {
                out.push(openai_chunk(
                    model,
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                    None,
                ));
            }
            out.push(openai_chunk(model, json!({}), Some("length")));
            out.push("data: [DONE]\n\n".into());
            return out;
        }
        Reply::Status(..) | Reply::Disconnect => return Vec::new(),
    };
    for piece in split_text(text, 4) {
        out.push(openai_chunk(model, json!({"content": piece}), None));
    }
    // First chunk of every call carries id + name; the arguments then arrive interleaved
    // across calls, each split into at least three pieces.
    let args: Vec<Vec<String>> = calls
        .iter()
        .map(|(_, a)| split_text(&a.to_string(), 3))
        .collect();
    for (i, (name, _)) in calls.iter().enumerate() {
        out.push(openai_chunk(
            model,
            json!({"tool_calls": [{"index": i, "id": format!("call_{number}_{i}"), "type": "function",
                "function": {"name": name, "arguments": ""}}]}),
            None,
        ));
    }
    let longest = args.iter().map(Vec::len).max().unwrap_or(0);
    for step in 0..longest {
        for (i, pieces) in args.iter().enumerate() {
            if let Some(piece) = pieces.get(step) {
                out.push(openai_chunk(
                    model,
                    json!({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}),
                    None,
                ));
            }
        }
    }
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    out.push(openai_chunk(model, json!({}), Some(finish)));
    let usage = json!({
        "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000u32,
        "model": model, "choices": [],
        "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
    });
    out.push(format!("data: {usage}\n\n"));
    out.push("data: [DONE]\n\n".into());
    out
}

fn ollama_line(model: &str, message: Value) -> String {
    let line = json!({
        "model": model, "created_at": "2024-01-01T00:00:00Z", "message": message, "done": false,
    });
    format!("{line}\n")
}

fn ollama_lines(reply: &Reply, model: &str) -> Vec<String> {
    let (text, calls) = match reply {
        Reply::Text(t) => (t.as_str(), &[][..]),
        Reply::ToolCalls(c) => ("", &c[..]),
        Reply::TextThenTools(t, c) => (t.as_str(), &c[..]),
        Reply::CutMidStream => {
            return vec![
                ollama_line(
                    model,
                    json!({"role": "assistant", "content": "Checking the "}),
                ),
                "{\"model\":\"x\",\"created_at\":\"2024-01-01T00:0".into(),
            ];
        }
        Reply::Malformed => {
            return vec![
                ollama_line(model, json!({"role": "assistant", "content": "Checking"})),
                "{\"model\": x, not json}\n".into(),
            ];
        }
        Reply::Truncated(t) => (t.as_str(), &[][..]),
        Reply::TruncatedToolCall(..) => ("", &[][..]),
        Reply::Status(..) | Reply::Disconnect => return Vec::new(),
    };
    let text = match reply {
        Reply::TruncatedToolCall(name, args) => {
            format!("{{\"name\": {}, \"arguments\": {args}", json!(name))
        }
        _ => text.to_string(),
    };
    let done_reason = match reply {
        Reply::Truncated(_) | Reply::TruncatedToolCall(..) => "length",
        _ => "stop",
    };
    let mut out: Vec<String> = split_text(&text, 4)
        .into_iter()
        .map(|piece| ollama_line(model, json!({"role": "assistant", "content": piece})))
        .collect();
    if !calls.is_empty() {
        let calls: Vec<Value> = calls
            .iter()
            .map(|(name, args)| json!({"function": {"name": name, "arguments": args}}))
            .collect();
        out.push(ollama_line(
            model,
            json!({"role": "assistant", "content": "", "tool_calls": calls}),
        ));
    }
    let last = json!({
        "model": model, "created_at": "2024-01-01T00:00:01Z",
        "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": done_reason,
        "total_duration": 1000, "load_duration": 10, "prompt_eval_count": 42,
        "prompt_eval_duration": 100, "eval_count": 7, "eval_duration": 200,
    });
    out.push(format!("{last}\n"));
    out
}
