//! tools.toml: the tool registry, argv templates and shell tools, JSON schemas for the model,
//! and resolving a model's tool call into exactly what would run where.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::config::HostEntry;
use crate::llm::{ToolCall, ToolSpec};
use crate::protocol::Target;

/// The default toolset shipped with opsassist (the repo's `tools.toml`).
pub const DEFAULT_TOOLS_TOML: &str = include_str!("../../tools.toml");

/// Problems loading tools or resolving a call. Messages name the tool and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToolsError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    #[error("invalid arguments for `{tool}`: {message}")]
    BadArguments { tool: String, message: String },
    #[error("host `{host}` is not in the inventory (allowed: {allowed}); refused before ssh ran")]
    HostNotAllowed { host: String, allowed: String },
}

/// What runs: a shell string for `sh -c`, or an argv executed directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    Shell(String),
    Argv(Vec<String>),
}

/// A tool call resolved against the registry and inventory: exactly what would run, where.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCall {
    pub tool: String,
    pub target: Target,
    pub program: Program,
    /// The command shown to the operator and classified by policy.
    pub command: String,
    /// The model's stated reason (the optional `reason` argument every tool accepts).
    pub reason: Option<String>,
    pub timeout: Duration,
    /// Bytes of output sent to the model (head + tail).
    pub output_cap: usize,
    /// True for shell tools: an edit replaces the command line rather than the JSON arguments.
    pub shell: bool,
}

/// The loaded tools.
#[derive(Debug, Clone, Default)]
pub struct ToolRegistry {
    _private: (),
}

impl ToolRegistry {
    /// Parse tools.toml text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ToolRegistry, ToolsError> {
        let _ = text;
        Err(ToolsError::Invalid {
            origin: origin.into(),
            message: "tool registry not built yet".into(),
        })
    }

    /// The user's `tools.toml` in `config_dir` if present, else the shipped default.
    pub fn load(config_dir: &Path) -> Result<ToolRegistry, ToolsError> {
        let _ = config_dir;
        Self::parse(DEFAULT_TOOLS_TOML, "built-in tools.toml")
    }

    /// Specs for the model; host parameters carry an enum of inventory names.
    pub fn specs(&self, inventory: &BTreeMap<String, HostEntry>) -> Vec<ToolSpec> {
        let _ = inventory;
        Vec::new()
    }

    /// Resolve a model's call. Refuses unknown tools, bad arguments and non-inventory hosts.
    pub fn resolve(
        &self,
        call: &ToolCall,
        inventory: &BTreeMap<String, HostEntry>,
    ) -> Result<ResolvedCall, ToolsError> {
        let _ = inventory;
        Err(ToolsError::UnknownTool(call.name.clone()))
    }

    /// Resolve an operator edit of `original`: a new command line for shell tools, new JSON
    /// arguments otherwise. The target rules are the same as for the model.
    pub fn resolve_edit(
        &self,
        original: &ResolvedCall,
        replacement: &str,
        inventory: &BTreeMap<String, HostEntry>,
    ) -> Result<ResolvedCall, ToolsError> {
        let _ = (replacement, inventory);
        Err(ToolsError::UnknownTool(original.tool.clone()))
    }
}
