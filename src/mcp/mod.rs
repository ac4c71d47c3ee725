//! MCP tool servers behind the gate: `[[mcp]]` config, the servers of this process and their
//! lifecycle, naming and schemas of the tools offered, classes, resolving a model's call,
//! running it into an output file like a command, and rendering results.

mod call;
pub mod class;
pub mod config;
pub mod naming;
pub mod pool;
pub mod render;
pub mod report;
mod server_group;

pub use call::{McpCall, resolve, resolve_edit, run};
pub use config::McpServerConfig;
pub use pool::{McpPool, McpTool};

/// Problems reaching an MCP server or calling its tools. One line each, naming the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// The server is not running and could not be (re)started.
    #[error("MCP server `{server}` is unavailable: {error}")]
    Unavailable { server: String, error: String },
    /// The server has no such tool (or it is not in the `tools` allowlist).
    #[error("MCP server `{server}` offers no tool `{tool}`")]
    UnknownTool { server: String, tool: String },
    /// The call failed on the way (the server exited, or the protocol failed).
    #[error("MCP call to `{server}` failed: {error}")]
    Call { server: String, error: String },
}
