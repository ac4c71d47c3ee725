//! What `opsassist doctor` and `opsassist tools list` say about each `[[mcp]]` server: it is
//! started, its tools listed with class and trust, or it is named broken with why.

use super::{McpPool, McpServerConfig, McpTool};

/// One server, started and listed (or not).
#[derive(Debug, Clone)]
pub struct ServerReport {
    pub name: String,
    /// The command line or url.
    pub endpoint: String,
    pub trusted: bool,
    /// Its tools as offered, or why it is broken.
    pub tools: Result<Vec<McpTool>, String>,
    /// Tools it offered that are not offered to the model, with why.
    pub skipped: Vec<String>,
}

/// Start every server of `pool` (at most once each) and list its tools.
pub async fn probe(pool: &McpPool) -> Vec<ServerReport> {
    let mut out = Vec::new();
    let configs: Vec<McpServerConfig> = pool.configs().cloned().collect();
    for config in configs {
        let tools = pool.probe(&config.name).await.map_err(|e| e.to_string());
        out.push(ServerReport {
            endpoint: config.endpoint(),
            trusted: config.trust_annotations,
            skipped: pool.skipped(&config.name),
            name: config.name,
            tools,
        });
    }
    out
}

/// [`probe`] on a runtime of its own, for the synchronous CLI commands; the servers are
/// stopped when it returns.
pub fn probe_blocking(servers: &[McpServerConfig]) -> std::io::Result<Vec<ServerReport>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pool = McpPool::new(servers);
    Ok(runtime.block_on(probe(&pool)))
}

/// `trusted` or `untrusted`, as doctor and tools list say it.
pub fn trust_word(trusted: bool) -> &'static str {
    if trusted { "trusted" } else { "untrusted" }
}

/// Resolve a call of MCP tool `tool` with JSON `arguments` as the session would (servers are
/// started to learn the tool's schema and annotations), for `policy explain --args`.
pub fn resolve_blocking(
    servers: &[McpServerConfig],
    tool: &str,
    arguments: &str,
) -> Result<crate::tools::ResolvedCall, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let pool = McpPool::new(servers);
    let (_, problems) = runtime.block_on(pool.refresh());
    let call = crate::llm::ToolCall {
        id: "explain".into(),
        name: tool.to_string(),
        arguments: arguments.to_string(),
    };
    match super::resolve(&pool, &call) {
        Some(resolved) => resolved.map_err(|e| e.to_string()),
        None if problems.is_empty() => Err(format!(
            "`{tool}` is not a tool of any [[mcp]] server in config.toml"
        )),
        None => Err(format!(
            "`{tool}` is not a tool of a working [[mcp]] server ({})",
            problems
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}
