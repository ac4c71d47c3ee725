//! tools.toml: the tool registry, argv templates and shell tools, JSON schemas for the model,
//! and resolving a model's tool call into exactly what would run where.

mod args;
mod params;
mod quote;
mod schema;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::config::HostEntry;
use crate::llm::{ToolCall, ToolSpec};
use crate::protocol::Target;

pub use quote::{shell_join, shell_quote};
use schema::{Elem, ParamDef, REASON_PARAM, TargetRule, Template, ToolDef};

/// The default toolset shipped with opsassist (the repo's `tools.toml`).
pub const DEFAULT_TOOLS_TOML: &str = include_str!("../../tools.toml");

/// Problems loading tools or resolving a call. Messages name the tool and field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToolsError {
    /// The tools file is unreadable or invalid; `message` names the tool and field.
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    /// The model called a tool that is not in the registry.
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    /// The arguments do not match the tool's parameters (or an edit is unusable).
    #[error("invalid arguments for `{tool}`: {message}")]
    BadArguments { tool: String, message: String },
    /// The target host is not an inventory name; nothing was run.
    #[error("host `{host}` is not in the inventory (allowed: {allowed}); refused before ssh ran")]
    HostNotAllowed { host: String, allowed: String },
    /// The container is not a watched Docker container; nothing was sent to Docker.
    #[error(
        "container `{container}` is not watched (allowed: {allowed}); refused before the Docker API was called"
    )]
    ContainerNotWatched { container: String, allowed: String },
}

/// What runs: a shell string for `sh -c`, or an argv executed directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    Shell(String),
    Argv(Vec<String>),
    /// A `tools/call` to an `[[mcp]]` server.
    Mcp(crate::mcp::McpCall),
}

impl Program {
    /// The command line shown to the operator: the shell string, or the argv shell-quoted.
    pub fn display(&self) -> String {
        match self {
            Program::Shell(s) => s.clone(),
            Program::Argv(argv) => shell_join(argv),
            Program::Mcp(call) => format!("{}/{} {}", call.server, call.tool, call.arguments),
        }
    }
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
    /// The least class tools.toml declares for this tool (`class = "destructive"` on
    /// `docker_stop`); classification takes the higher of it and the policy's class.
    pub declared_class: Option<crate::policy::Class>,
}

/// One line of `opsassist tools list`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSummary {
    pub name: String,
    /// `local`, `ssh:host` (host required) or `local|ssh:host` (host optional).
    pub target: String,
    pub timeout: Duration,
    pub output_cap: usize,
    pub description: String,
    /// The argv template (shell-quoted) or the shell command line.
    pub template: String,
}

/// The loaded tools.
#[derive(Debug, Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<ToolDef>,
    origin: String,
    /// Names of the watched Docker containers: the only values a `docker:` target takes.
    watched: Vec<String>,
}

impl ToolRegistry {
    /// Parse tools.toml text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ToolRegistry, ToolsError> {
        let tools = schema::parse_tools(text).map_err(|message| ToolsError::Invalid {
            origin: origin.into(),
            message,
        })?;
        Ok(ToolRegistry {
            tools,
            origin: origin.into(),
            watched: Vec::new(),
        })
    }

    /// Read and parse one tools file.
    pub fn load_file(path: &Path) -> Result<ToolRegistry, ToolsError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ToolsError::Invalid {
            origin: origin.clone(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &origin)
    }

    /// The user's `tools.toml` in `config_dir` if present (it replaces the built-in set
    /// entirely), else the shipped default.
    pub fn load(config_dir: &Path) -> Result<ToolRegistry, ToolsError> {
        let user = config_dir.join("tools.toml");
        if user.exists() {
            Self::load_file(&user)
        } else {
            Self::parse(DEFAULT_TOOLS_TOML, "built-in tools.toml")
        }
    }

    /// Set the watched Docker containers (from `[watch.docker]`): docker tools offer exactly
    /// these names and refuse every other. With none, docker tools are not offered.
    pub fn set_watched_containers(&mut self, names: Vec<String>) {
        self.watched = names;
    }

    /// Where the tools came from (a path, or "built-in tools.toml").
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// One summary per tool, in file order.
    pub fn summaries(&self) -> Vec<ToolSummary> {
        self.tools
            .iter()
            .map(|t| ToolSummary {
                name: t.name.clone(),
                target: match &t.target {
                    TargetRule::Local => "local".into(),
                    TargetRule::Param(p) if t.param(p).is_some_and(|d| d.required) => {
                        format!("ssh:{{{p}}}")
                    }
                    TargetRule::Param(p) => format!("local|ssh:{{{p}}}"),
                    TargetRule::Docker(p) => format!("docker:{{{p}}}"),
                },
                timeout: t.timeout,
                output_cap: t.output_cap,
                description: t.description.clone(),
                template: match &t.template {
                    Template::Argv(elems) => elems
                        .iter()
                        .map(|e| match e {
                            Elem::Literal(s) => shell_quote(s),
                            Elem::Param(p) => format!("{{{p}}}"),
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    Template::ShellParam(p) => format!("sh -c {{{p}}}"),
                    Template::ShellFixed(s) => format!("sh -c {}", shell_quote(s)),
                },
            })
            .collect()
    }

    /// Specs for the model. Every tool gets an optional `reason`; host parameters carry an
    /// `enum` of inventory names. With an empty inventory, tools that require a host are left
    /// out and optional host parameters are removed (those tools then run locally only).
    pub fn specs(&self, inventory: &BTreeMap<String, HostEntry>) -> Vec<ToolSpec> {
        let hosts: Vec<Value> = inventory.keys().map(|h| Value::from(h.as_str())).collect();
        let mut specs = Vec::with_capacity(self.tools.len());
        for tool in &self.tools {
            let host_param = match &tool.target {
                TargetRule::Param(p) => Some(p.as_str()),
                TargetRule::Local | TargetRule::Docker(_) => None,
            };
            let container_param = match &tool.target {
                TargetRule::Docker(p) => Some(p.as_str()),
                _ => None,
            };
            if container_param.is_some() && self.watched.is_empty() {
                continue;
            }
            let mut properties = Map::new();
            let mut required = Vec::new();
            let mut skip_tool = false;
            for param in &tool.params {
                let is_host = host_param == Some(param.name.as_str());
                if is_host && hosts.is_empty() {
                    skip_tool |= param.required;
                    continue;
                }
                let mut schema = param_schema(param);
                if is_host {
                    schema.insert("enum".into(), Value::Array(hosts.clone()));
                }
                if container_param == Some(param.name.as_str()) {
                    let names = self
                        .watched
                        .iter()
                        .map(|n| Value::from(n.as_str()))
                        .collect();
                    schema.insert("enum".into(), Value::Array(names));
                }
                if param.required {
                    required.push(Value::from(param.name.as_str()));
                }
                properties.insert(param.name.clone(), Value::Object(schema));
            }
            if skip_tool {
                continue;
            }
            properties.insert(
                REASON_PARAM.into(),
                json!({
                    "type": "string",
                    "description": "Why you want to run this; shown to the operator."
                }),
            );
            specs.push(ToolSpec {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: json!({
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                }),
            });
        }
        specs
    }

    fn find(&self, name: &str) -> Result<&ToolDef, ToolsError> {
        self.tools
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| ToolsError::UnknownTool(name.to_string()))
    }

    /// Resolve a model's call. Refuses unknown tools, bad arguments and non-inventory hosts.
    pub fn resolve(
        &self,
        call: &ToolCall,
        inventory: &BTreeMap<String, HostEntry>,
    ) -> Result<ResolvedCall, ToolsError> {
        let def = self.find(&call.name)?;
        let args = args::check(def, &call.arguments).map_err(|message| bad(def, message))?;
        build(def, args, inventory, &self.watched)
    }

    /// Resolve an operator edit of `original`: a new command line for shell tools, new JSON
    /// arguments otherwise. The target rules are the same as for the model.
    pub fn resolve_edit(
        &self,
        original: &ResolvedCall,
        replacement: &str,
        inventory: &BTreeMap<String, HostEntry>,
    ) -> Result<ResolvedCall, ToolsError> {
        let def = self.find(&original.tool)?;
        if matches!(def.template, Template::Argv(_)) {
            let mut args = args::check(def, replacement)
                .map_err(|m| bad(def, format!("edit (JSON arguments expected): {m}")))?;
            if args.reason.is_none() {
                args.reason = original.reason.clone();
            }
            return build(def, args, inventory, &self.watched);
        }
        if replacement.trim().is_empty() {
            return Err(bad(
                def,
                "edit: the replacement command line is empty".into(),
            ));
        }
        if replacement.contains('\0') {
            return Err(bad(
                def,
                "edit: the command line contains a NUL byte".into(),
            ));
        }
        let target = match &original.target {
            Target::Local => Target::Local,
            Target::Ssh { host } => check_host(host, inventory)?,
            Target::Docker { container } => Target::Docker {
                container: container.clone(),
            },
            Target::Mcp { .. } => {
                return Err(bad(def, "edit: not an MCP tool's call".into()));
            }
        };
        Ok(ResolvedCall {
            target,
            program: Program::Shell(replacement.to_string()),
            command: replacement.to_string(),
            ..original.clone()
        })
    }
}

fn bad(def: &ToolDef, message: String) -> ToolsError {
    ToolsError::BadArguments {
        tool: def.name.clone(),
        message,
    }
}

fn param_schema(param: &ParamDef) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), Value::from(param.kind.as_str()));
    if let Some(d) = &param.description {
        schema.insert("description".into(), Value::from(d.as_str()));
    }
    if let Some(values) = &param.enum_values {
        schema.insert("enum".into(), Value::Array(values.clone()));
    }
    if let Some(min) = param.minimum {
        schema.insert("minimum".into(), Value::from(min));
    }
    if let Some(max) = param.maximum {
        schema.insert("maximum".into(), Value::from(max));
    }
    if let Some(default) = &param.default {
        schema.insert("default".into(), default.clone());
    }
    schema
}

/// `host` as an ssh target, if it is an inventory name.
fn check_host(host: &str, inventory: &BTreeMap<String, HostEntry>) -> Result<Target, ToolsError> {
    if inventory.contains_key(host) {
        return Ok(Target::Ssh {
            host: host.to_string(),
        });
    }
    let allowed = if inventory.is_empty() {
        "none — no [hosts] in config.toml".to_string()
    } else {
        inventory.keys().cloned().collect::<Vec<_>>().join(", ")
    };
    Err(ToolsError::HostNotAllowed {
        host: host.to_string(),
        allowed,
    })
}

fn build(
    def: &ToolDef,
    args: args::Args,
    inventory: &BTreeMap<String, HostEntry>,
    watched: &[String],
) -> Result<ResolvedCall, ToolsError> {
    let target = match &def.target {
        TargetRule::Local => Target::Local,
        TargetRule::Param(p) => match args.values.get(p) {
            None => Target::Local,
            Some(host) => check_host(host, inventory)?,
        },
        TargetRule::Docker(p) => {
            let name = args.values.get(p).cloned().unwrap_or_default();
            // Absent (an optional parameter): the tool is about all watched containers.
            if !watched.contains(&name) && args.values.contains_key(p) {
                return Err(ToolsError::ContainerNotWatched {
                    container: name,
                    allowed: if watched.is_empty() {
                        "none".into()
                    } else {
                        watched.join(", ")
                    },
                });
            }
            Target::Docker { container: name }
        }
    };
    let value = |name: &str| -> Result<String, ToolsError> {
        args.values
            .get(name)
            .cloned()
            .ok_or_else(|| bad(def, format!("missing required field `{name}`")))
    };
    let program = match &def.template {
        Template::Argv(elems) => Program::Argv(
            elems
                .iter()
                .map(|e| match e {
                    Elem::Literal(s) => Ok(s.clone()),
                    Elem::Param(p) => value(p),
                })
                .collect::<Result<_, _>>()?,
        ),
        Template::ShellParam(p) => {
            let command = value(p)?;
            if command.trim().is_empty() {
                return Err(bad(def, format!("field `{p}` must not be empty")));
            }
            Program::Shell(command)
        }
        Template::ShellFixed(s) => Program::Shell(s.clone()),
    };
    Ok(ResolvedCall {
        tool: def.name.clone(),
        target,
        command: program.display(),
        program,
        reason: args.reason,
        timeout: def.timeout,
        output_cap: def.output_cap,
        shell: !matches!(def.template, Template::Argv(_)),
        declared_class: def.class,
    })
}

#[cfg(test)]
mod tests;
