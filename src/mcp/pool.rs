//! The MCP servers of one process (console or daemon): each started lazily the first time a
//! session needs its tools, once, kept running, and restarted after a crash (at once the first
//! time, then with a growing backoff while it keeps failing). A server that cannot start or
//! died leaves its last known tools offered; calling them answers with a clear error.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResponse};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::McpError;
use super::class::tool_class;
use super::config::McpServerConfig;
use super::naming;
use crate::policy::Class;

/// Longest wait between restarts of a server that keeps failing.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Bytes of a stdio server's stderr kept to explain why it failed.
const STDERR_TAIL: usize = 2048;

/// One tool of one server, as offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct McpTool {
    /// The `[[mcp]]` name.
    pub server: String,
    /// The tool's name on the server.
    pub name: String,
    /// `mcp__<server>__<tool>`, what the model calls.
    pub public: String,
    /// The server's description, neutralised and marked untrusted.
    pub description: String,
    /// The input schema (checked, a plain object schema).
    pub schema: Value,
    pub class: Class,
    pub class_reason: String,
}

/// The MCP servers configured for this process. Clones share the servers.
#[derive(Debug, Clone, Default)]
pub struct McpPool {
    servers: Arc<Vec<Arc<Server>>>,
}

#[derive(Debug)]
struct Server {
    config: McpServerConfig,
    state: tokio::sync::Mutex<State>,
    /// The last tool list (kept when the server dies, so its tools answer with an error).
    tools: Mutex<Option<Vec<McpTool>>>,
    /// Tools the server offered that could not be offered, with why (for `doctor`).
    skipped: Mutex<Vec<String>>,
    /// Set by `notifications/tools/list_changed` and by a (re)start.
    dirty: Arc<AtomicBool>,
    /// The last reason the server was unusable.
    last_error: Mutex<Option<String>>,
}

enum State {
    Idle,
    /// The connection, and for a stdio server the process group it runs in (stopped when
    /// this state is let go).
    Running(
        RunningService<RoleClient, Handler>,
        #[expect(dead_code, reason = "held for its Drop, which stops the group")]
        Option<super::server_group::ServerGroup>,
    ),
    Failed {
        error: String,
        retry_at: Instant,
        failures: u32,
    },
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            State::Idle => f.write_str("Idle"),
            State::Running(..) => f.write_str("Running"),
            State::Failed { error, .. } => write!(f, "Failed({error})"),
        }
    }
}

/// The client side of one connection: notes `tools/list_changed`.
struct Handler {
    dirty: Arc<AtomicBool>,
}

impl ClientHandler for Handler {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.dirty.store(true, Ordering::SeqCst);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a call ended.
#[derive(Debug)]
pub enum CallEnd {
    /// The server answered (the `tools/call` result, serialised).
    Done(Value),
    TimedOut,
    Cancelled,
}

impl McpPool {
    /// A pool for `servers` (nothing starts yet).
    pub fn new(servers: &[McpServerConfig]) -> McpPool {
        McpPool {
            servers: Arc::new(
                servers
                    .iter()
                    .map(|config| {
                        Arc::new(Server {
                            config: config.clone(),
                            state: tokio::sync::Mutex::new(State::Idle),
                            tools: Mutex::new(None),
                            skipped: Mutex::new(Vec::new()),
                            dirty: Arc::new(AtomicBool::new(true)),
                            last_error: Mutex::new(None),
                        })
                    })
                    .collect(),
            ),
        }
    }

    /// True when no server is configured.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// The configured servers.
    pub fn configs(&self) -> impl Iterator<Item = &McpServerConfig> {
        self.servers.iter().map(|s| &s.config)
    }

    fn server(&self, name: &str) -> Option<&Arc<Server>> {
        self.servers.iter().find(|s| s.config.name == name)
    }

    /// Every server's tools, starting servers that are not running (lazily, once) and
    /// listing again after `tools/list_changed` or a restart. A server that is unusable keeps
    /// its last known tools; its problem is returned beside them.
    pub async fn refresh(&self) -> (Vec<McpTool>, Vec<(String, String)>) {
        let mut tools = Vec::new();
        let mut problems = Vec::new();
        for server in self.servers.iter() {
            if let Err(e) = server.refresh().await {
                problems.push((server.config.name.clone(), e.to_string()));
            }
            tools.extend(lock(&server.tools).clone().unwrap_or_default());
        }
        (tools, problems)
    }

    /// The tool the model calls `public`, from the last listing. `Some(Err)` for a name of a
    /// configured server whose tools are not known (it never started).
    pub fn lookup(&self, public: &str) -> Option<Result<McpTool, McpError>> {
        for server in self.servers.iter() {
            let known = lock(&server.tools).clone();
            if let Some(tool) = known.iter().flatten().find(|t| t.public == public) {
                return Some(Ok(tool.clone()));
            }
            let prefix = format!("mcp__{}__", server.config.name);
            if public.starts_with(&prefix) {
                return Some(Err(match known {
                    None => McpError::Unavailable {
                        server: server.config.name.clone(),
                        error: lock(&server.last_error)
                            .clone()
                            .unwrap_or_else(|| "it has not started".into()),
                    },
                    Some(_) => McpError::UnknownTool {
                        server: server.config.name.clone(),
                        tool: public.to_string(),
                    },
                }));
            }
        }
        None
    }

    /// Start (if needed) and list server `name` now: its tools as offered.
    pub async fn probe(&self, name: &str) -> Result<Vec<McpTool>, McpError> {
        let server = self.server(name).ok_or_else(|| McpError::Unavailable {
            server: name.into(),
            error: "no such [[mcp]] server".into(),
        })?;
        server.refresh().await?;
        Ok(lock(&server.tools).clone().unwrap_or_default())
    }

    /// The config of server `name`.
    pub fn config(&self, name: &str) -> Option<&McpServerConfig> {
        self.server(name).map(|s| &s.config)
    }

    /// Tools of `server` that were not offered, with why.
    pub fn skipped(&self, server: &str) -> Vec<String> {
        self.server(server)
            .map(|s| lock(&s.skipped).clone())
            .unwrap_or_default()
    }

    /// Call `tool` (the server's name for it) on `server` with `arguments`, within `timeout`;
    /// when `cancel` resolves first, or the timeout passes, the request is dropped, which
    /// sends the server `notifications/cancelled`.
    pub async fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Map<String, Value>,
        timeout: Duration,
        cancel: impl std::future::Future<Output = ()>,
    ) -> Result<CallEnd, McpError> {
        let Some(entry) = self.server(server) else {
            return Err(McpError::Unavailable {
                server: server.into(),
                error: "no such [[mcp]] server".into(),
            });
        };
        let peer = entry.peer().await?;
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let call = peer.call_tool_once(params);
        let end = tokio::select! {
            biased;
            () = cancel => CallEnd::Cancelled,
            r = tokio::time::timeout(timeout, call) => match r {
                Err(_) => CallEnd::TimedOut,
                Ok(Ok(CallToolResponse::Complete(result))) => {
                    CallEnd::Done(serde_json::to_value(result).unwrap_or(Value::Null))
                }
                Ok(Ok(_)) => {
                    return Err(McpError::Call {
                        server: server.into(),
                        error: "the server asked for input or started a task; opsassist \
                                supports only direct tool results"
                            .into(),
                    });
                }
                Ok(Err(e)) => {
                    let error = if peer.is_transport_closed() {
                        format!("the server exited during the call ({e}); it is restarted at the next use")
                    } else {
                        e.to_string()
                    };
                    *lock(&entry.last_error) = Some(error.clone());
                    return Err(McpError::Call { server: server.into(), error });
                }
            },
        };
        Ok(end)
    }
}

impl Server {
    async fn refresh(&self) -> Result<(), McpError> {
        let peer = self.peer().await?;
        if !self.dirty.swap(false, Ordering::SeqCst) && lock(&self.tools).is_some() {
            return Ok(());
        }
        let listed = tokio::time::timeout(self.config.timeout(), peer.list_all_tools())
            .await
            .map_err(|_| self.unavailable("tools/list timed out".into()))?
            .map_err(|e| self.unavailable(format!("tools/list failed: {e}")))?;
        let mut tools = Vec::new();
        let mut skipped = Vec::new();
        let mut names: HashMap<String, String> = HashMap::new();
        for tool in listed {
            let value = serde_json::to_value(&tool).unwrap_or(Value::Null);
            let name = tool.name.to_string();
            if !self.config.tools.is_empty() && !self.config.tools.contains(&name) {
                continue;
            }
            let schema =
                match naming::input_schema(value.get("inputSchema").unwrap_or(&Value::Null)) {
                    Ok(schema) => schema,
                    Err(why) => {
                        skipped.push(format!("{}: {why}", crate::text::neutralize_line(&name)));
                        continue;
                    }
                };
            let public = naming::public_name(&self.config.name, &name);
            if let Some(other) = names.insert(public.clone(), name.clone()) {
                skipped.push(format!(
                    "{}: its name `{public}` is taken by `{}`",
                    crate::text::neutralize_line(&name),
                    crate::text::neutralize_line(&other)
                ));
                continue;
            }
            let (class, class_reason) = tool_class(&self.config, &name, value.get("annotations"));
            tools.push(McpTool {
                server: self.config.name.clone(),
                public,
                description: naming::description(
                    &self.config.name,
                    value.get("description").and_then(Value::as_str),
                ),
                schema,
                class,
                class_reason,
                name,
            });
        }
        for wanted in &self.config.tools {
            if !tools.iter().any(|t| &t.name == wanted)
                && !skipped.iter().any(|s| s.starts_with(wanted.as_str()))
            {
                skipped.push(format!(
                    "{wanted}: in `tools` but not offered by the server"
                ));
            }
        }
        *lock(&self.tools) = Some(tools);
        *lock(&self.skipped) = skipped;
        Ok(())
    }

    fn unavailable(&self, error: String) -> McpError {
        *lock(&self.last_error) = Some(error.clone());
        McpError::Unavailable {
            server: self.config.name.clone(),
            error,
        }
    }

    /// A live connection: the running one, or a new start (lazily, after a crash at once,
    /// after failed starts only once the backoff has passed).
    async fn peer(&self) -> Result<rmcp::Peer<RoleClient>, McpError> {
        let mut state = self.state.lock().await;
        let mut failures = 0;
        match &*state {
            State::Running(service, _) if !service.peer().is_transport_closed() => {
                return Ok(service.peer().clone());
            }
            State::Running(..) => {
                tracing::warn!(server = %self.config.name, "MCP server exited; restarting it");
            }
            State::Failed {
                error,
                retry_at,
                failures: n,
            } => {
                let now = Instant::now();
                if now < *retry_at {
                    return Err(McpError::Unavailable {
                        server: self.config.name.clone(),
                        error: format!(
                            "{error} (next start attempt in {} s)",
                            (*retry_at - now).as_secs().max(1)
                        ),
                    });
                }
                failures = *n;
            }
            State::Idle => {}
        }
        match self.start().await {
            Ok((service, group)) => {
                let peer = service.peer().clone();
                *state = State::Running(service, group);
                self.dirty.store(true, Ordering::SeqCst);
                *lock(&self.last_error) = None;
                Ok(peer)
            }
            Err(error) => {
                let failures = failures + 1;
                let backoff = Duration::from_secs(1u64 << (failures - 1).min(5)).min(MAX_BACKOFF);
                *state = State::Failed {
                    error: error.clone(),
                    retry_at: Instant::now() + backoff,
                    failures,
                };
                Err(self.unavailable(error))
            }
        }
    }

    /// Start the server: its connection, and for a stdio server its process group.
    async fn start(
        &self,
    ) -> Result<
        (
            RunningService<RoleClient, Handler>,
            Option<super::server_group::ServerGroup>,
        ),
        String,
    > {
        let handler = Handler {
            dirty: Arc::clone(&self.dirty),
        };
        let limit = self.config.timeout().max(Duration::from_secs(10));
        match &self.config.url {
            Some(url) => {
                use rmcp::transport::StreamableHttpClientTransport;
                use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
                let mut cfg = StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(path) = &self.config.bearer_token_file {
                    let token = crate::secret_file::read_private(path)
                        .map_err(|e| format!("bearer_token_file: {e}"))?;
                    cfg = cfg.auth_header(token.trim().to_string());
                }
                let mut headers = HashMap::new();
                for (k, v) in &self.config.headers {
                    let name = http::HeaderName::from_bytes(k.as_bytes())
                        .map_err(|e| format!("header `{k}`: {e}"))?;
                    let value =
                        http::HeaderValue::from_str(v).map_err(|e| format!("header `{k}`: {e}"))?;
                    headers.insert(name, value);
                }
                cfg.custom_headers = headers;
                let transport = StreamableHttpClientTransport::from_config(cfg);
                match tokio::time::timeout(limit, handler.serve(transport)).await {
                    Err(_) => Err(format!(
                        "no answer to initialize within {} s",
                        limit.as_secs()
                    )),
                    Ok(Err(e)) => Err(format!("initialize failed: {e}")),
                    Ok(Ok(service)) => Ok((service, None)),
                }
            }
            None => {
                let (program, args) = self
                    .config
                    .command
                    .split_first()
                    .ok_or_else(|| "no command".to_string())?;
                let mut cmd = tokio::process::Command::new(program);
                cmd.args(args).env_clear();
                for key in ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"] {
                    if let Some(value) = std::env::var_os(key) {
                        cmd.env(key, value);
                    }
                }
                cmd.envs(&self.config.env);
                if let Some(cwd) = &self.config.cwd {
                    cmd.current_dir(cwd);
                }
                // Its own group: what it starts goes with it ([`ServerGroup`]), and a Ctrl-C
                // in opsassist's terminal is opsassist's to handle.
                cmd.process_group(0);
                let (transport, stderr) = rmcp::transport::TokioChildProcess::builder(cmd)
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot start `{program}`: {e}"))?;
                let group = transport
                    .id()
                    .and_then(super::server_group::ServerGroup::led_by);
                let tail = Arc::new(Mutex::new(Vec::<u8>::new()));
                if let Some(mut stderr) = stderr {
                    let tail = Arc::clone(&tail);
                    tokio::spawn(async move {
                        let mut buf = [0u8; 1024];
                        while let Ok(n) = stderr.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                            let mut t = lock(&tail);
                            t.extend_from_slice(&buf[..n]);
                            let excess = t.len().saturating_sub(STDERR_TAIL);
                            t.drain(..excess);
                        }
                    });
                }
                let said = |tail: &Arc<Mutex<Vec<u8>>>| {
                    let text = String::from_utf8_lossy(&lock(tail)).trim().to_string();
                    let last = text.lines().last().unwrap_or("").to_string();
                    if last.is_empty() {
                        String::new()
                    } else {
                        format!("; its stderr ends: {}", crate::text::neutralize_line(&last))
                    }
                };
                match tokio::time::timeout(limit, handler.serve(transport)).await {
                    Err(_) => Err(format!(
                        "no answer to initialize within {} s{}",
                        limit.as_secs(),
                        said(&tail)
                    )),
                    Ok(Err(e)) => {
                        // Give the exiting child a moment to finish its complaint.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Err(format!("initialize failed: {e}{}", said(&tail)))
                    }
                    Ok(Ok(service)) => Ok((service, group)),
                }
            }
        }
    }
}
