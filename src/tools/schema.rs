//! Reading and validating tools.toml into tool definitions; errors name the tool and field.

use std::collections::BTreeSet;
use std::time::Duration;

use toml::{Table, Value};

use super::params::parse_parameters;
pub use super::params::{Kind, ParamDef};
use crate::policy::Class;

/// Default `timeout_secs`.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Default `output_cap_bytes`.
pub const DEFAULT_OUTPUT_CAP: usize = 16 * 1024;
/// The parameter the registry adds to every tool.
pub const REASON_PARAM: &str = "reason";

/// Where a tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRule {
    Local,
    /// The named string parameter holds an inventory host name (absent: local, if optional).
    Param(String),
    /// The named string parameter holds a watched Docker container name (`docker:NAME`).
    Docker(String),
}

/// One argv template element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elem {
    Literal(String),
    Param(String),
}

/// How a tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    Argv(Vec<Elem>),
    /// `shell = "{param}"`: the whole command line is the parameter's value.
    ShellParam(String),
    /// A fixed command line for `sh -c`.
    ShellFixed(String),
}

/// One validated tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    pub name: String,
    pub description: String,
    pub target: TargetRule,
    pub template: Template,
    pub params: Vec<ParamDef>,
    pub timeout: Duration,
    pub output_cap: usize,
    /// `class = "…"` (docker tools only): the least class the call gets, whatever the policy
    /// reads in its argv (the policy may still raise it, never lower it).
    pub class: Option<Class>,
}

impl ToolDef {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Parse and validate a whole tools.toml. Errors are complete messages (without the origin).
pub fn parse_tools(text: &str) -> Result<Vec<ToolDef>, String> {
    let doc: Table = text.parse::<Table>().map_err(|e| syntax_error(text, &e))?;
    for key in doc.keys() {
        if key != "version" && key != "tool" {
            return Err(format!(
                "unknown top-level key \"{key}\" (expected `version` or `[[tool]]`)"
            ));
        }
    }
    if let Some(v) = doc.get("version")
        && v.as_integer() != Some(1)
    {
        return Err("field \"version\": only version 1 is supported".into());
    }
    let tools = match doc.get("tool") {
        None => return Err("no tools: add at least one [[tool]] table".into()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err("`tool` must be an array of tables ([[tool]])".into()),
    };
    let mut defs = Vec::with_capacity(tools.len());
    let mut names = BTreeSet::new();
    for (i, item) in tools.iter().enumerate() {
        let index = i + 1;
        let table = item
            .as_table()
            .ok_or_else(|| format!("tool #{index}: must be a table ([[tool]])"))?;
        let label = match table.get("name").and_then(Value::as_str) {
            Some(name) => format!("tool \"{name}\" (#{index})"),
            None => format!("tool #{index}"),
        };
        let def = parse_tool(table).map_err(|e| format!("{label}: {e}"))?;
        if !names.insert(def.name.clone()) {
            return Err(format!("{label}: field \"name\": duplicate tool name"));
        }
        defs.push(def);
    }
    Ok(defs)
}

fn syntax_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            let col = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            format!("TOML syntax error at line {line}, column {col}: {message}")
        }
        None => format!("TOML syntax error: {message}"),
    }
}

const TOOL_KEYS: &[&str] = &[
    "name",
    "description",
    "target",
    "argv",
    "shell",
    "parameters",
    "timeout_secs",
    "output_cap_bytes",
    "class",
];

pub(super) fn field(name: &str, message: impl std::fmt::Display) -> String {
    format!("field \"{name}\": {message}")
}

fn get_str<'a>(table: &'a Table, key: &str) -> Result<Option<&'a str>, String> {
    match table.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(field(
            key,
            format!("must be a string, not {}", other.type_str()),
        )),
    }
}

fn parse_tool(table: &Table) -> Result<ToolDef, String> {
    for key in table.keys() {
        if !TOOL_KEYS.contains(&key.as_str()) {
            return Err(field(
                key,
                format!("unknown field (expected one of: {})", TOOL_KEYS.join(", ")),
            ));
        }
    }
    let name = get_str(table, "name")?.ok_or_else(|| field("name", "missing"))?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(field(
            "name",
            "use 1-64 letters, digits, `_` or `-` (models reject other names)",
        ));
    }
    let description = get_str(table, "description")?
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| field("description", "missing or empty"))?;
    let params = match table.get("parameters") {
        None => Vec::new(),
        Some(Value::Table(t)) => parse_parameters(t)?,
        Some(other) => {
            return Err(field(
                "parameters",
                format!("must be a table, not {}", other.type_str()),
            ));
        }
    };
    let target = match get_str(table, "target")? {
        None | Some("local") => TargetRule::Local,
        Some(t) => match (t.strip_prefix("param:"), t.strip_prefix("docker:")) {
            (Some(p), _) => TargetRule::Param(p.to_string()),
            (None, Some(p)) => TargetRule::Docker(p.to_string()),
            (None, None) => {
                return Err(field(
                    "target",
                    format!("\"{t}\" is not \"local\", \"param:NAME\" or \"docker:NAME\""),
                ));
            }
        },
    };
    let template = parse_template(table)?;
    check_uses(&params, &target, &template)?;
    let timeout_secs = match table.get("timeout_secs") {
        None => DEFAULT_TIMEOUT_SECS,
        Some(Value::Integer(n)) if (1..=86_400).contains(n) => *n as u64,
        Some(_) => return Err(field("timeout_secs", "must be an integer from 1 to 86400")),
    };
    let output_cap = match table.get("output_cap_bytes") {
        None => DEFAULT_OUTPUT_CAP,
        Some(Value::Integer(n)) if (256..=10 * 1024 * 1024).contains(n) => *n as usize,
        Some(_) => {
            return Err(field(
                "output_cap_bytes",
                "must be an integer from 256 to 10485760",
            ));
        }
    };
    let class = match get_str(table, "class")? {
        None => None,
        Some(_) if !matches!(target, TargetRule::Docker(_)) => {
            return Err(field(
                "class",
                "only docker tools (target = \"docker:NAME\") declare a class; \
                 the policy classifies every other tool from what it runs",
            ));
        }
        Some("read-only") => Some(Class::ReadOnly),
        Some("change") => Some(Class::Change),
        Some("destructive") => Some(Class::Destructive),
        Some(other) => {
            return Err(field(
                "class",
                format!("\"{other}\" is not \"read-only\", \"change\" or \"destructive\""),
            ));
        }
    };
    Ok(ToolDef {
        name: name.to_string(),
        description: description.to_string(),
        target,
        template,
        params,
        timeout: Duration::from_secs(timeout_secs),
        output_cap,
        class,
    })
}

/// The `{name}` placeholder an element is made of, if it is exactly one.
fn whole_placeholder(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    is_ident(inner).then_some(inner)
}

pub(super) fn is_ident(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The first `{ident}` inside `s`, if any.
fn find_placeholder(s: &str) -> Option<&str> {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}')
            && is_ident(&after[..close])
        {
            return Some(&rest[open..open + close + 2]);
        }
        rest = after;
    }
    None
}

fn parse_template(table: &Table) -> Result<Template, String> {
    match (table.get("argv"), table.get("shell")) {
        (Some(_), Some(_)) => Err(field("argv", "give either `argv` or `shell`, not both")),
        (None, None) => Err(field(
            "argv",
            "missing: give `argv = [...]` or `shell = \"...\"`",
        )),
        (None, Some(shell)) => {
            let shell = shell
                .as_str()
                .ok_or_else(|| field("shell", "must be a string"))?;
            if shell.trim().is_empty() {
                return Err(field("shell", "must not be empty"));
            }
            if let Some(p) = whole_placeholder(shell.trim()) {
                return Ok(Template::ShellParam(p.to_string()));
            }
            if let Some(p) = find_placeholder(shell) {
                return Err(field(
                    "shell",
                    format!(
                        "placeholder {p} must be the whole command line (`shell = \"{p}\"`); \
                         values are never spliced into a shell string — use `argv` instead"
                    ),
                ));
            }
            Ok(Template::ShellFixed(shell.to_string()))
        }
        (Some(argv), None) => {
            let items = argv
                .as_array()
                .ok_or_else(|| field("argv", "must be an array of strings"))?;
            if items.is_empty() {
                return Err(field("argv", "must not be empty"));
            }
            let mut elems = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item
                    .as_str()
                    .ok_or_else(|| field("argv", format!("element {} must be a string", i + 1)))?;
                if let Some(p) = whole_placeholder(s) {
                    if i == 0 {
                        return Err(field(
                            "argv",
                            format!("the program (first element) must be fixed, not {s}"),
                        ));
                    }
                    elems.push(Elem::Param(p.to_string()));
                } else if let Some(p) = find_placeholder(s) {
                    return Err(field(
                        "argv",
                        format!("placeholder {p} must be a whole element (found in \"{s}\")"),
                    ));
                } else {
                    elems.push(Elem::Literal(s.to_string()));
                }
            }
            Ok(Template::Argv(elems))
        }
    }
}

fn check_uses(params: &[ParamDef], target: &TargetRule, template: &Template) -> Result<(), String> {
    let mut used: Vec<&str> = match template {
        Template::Argv(elems) => elems
            .iter()
            .filter_map(|e| match e {
                Elem::Param(p) => Some(p.as_str()),
                Elem::Literal(_) => None,
            })
            .collect(),
        Template::ShellParam(p) => vec![p.as_str()],
        Template::ShellFixed(_) => Vec::new(),
    };
    let which = if matches!(template, Template::Argv(_)) {
        "argv"
    } else {
        "shell"
    };
    for p in &used {
        let Some(def) = params.iter().find(|d| d.name == *p) else {
            return Err(field(
                which,
                format!("placeholder {{{p}}} is not a declared parameter"),
            ));
        };
        if !def.required && def.default.is_none() {
            return Err(field(
                which,
                format!("placeholder {{{p}}} needs a required parameter or a default"),
            ));
        }
        if matches!(template, Template::ShellParam(_)) && def.kind != Kind::String {
            return Err(field("shell", format!("parameter {p} must be a string")));
        }
    }
    if let TargetRule::Param(host) = target {
        let Some(def) = params.iter().find(|d| d.name == *host) else {
            return Err(field(
                "target",
                format!("parameter \"{host}\" is not declared"),
            ));
        };
        if def.kind != Kind::String || def.enum_values.is_some() || def.default.is_some() {
            return Err(field(
                "target",
                format!(
                    "parameter \"{host}\" must be a plain string (no enum/default: the inventory supplies them)"
                ),
            ));
        }
        if used.contains(&host.as_str()) {
            return Err(field(
                "target",
                format!("parameter \"{host}\" picks the host; it cannot also be a placeholder"),
            ));
        }
        used.push(host);
    }
    if let TargetRule::Docker(container) = target {
        let Some(def) = params.iter().find(|d| d.name == *container) else {
            return Err(field(
                "target",
                format!("parameter \"{container}\" is not declared"),
            ));
        };
        if def.kind != Kind::String || def.enum_values.is_some() || def.default.is_some() {
            return Err(field(
                "target",
                format!(
                    "parameter \"{container}\" must be a plain string (the watched containers supply the enum)"
                ),
            ));
        }
        let Template::Argv(elems) = template else {
            return Err(field(
                "target",
                "a docker tool needs an argv, not a shell line",
            ));
        };
        if !matches!(elems.first(), Some(Elem::Literal(p)) if p == "docker") {
            return Err(field(
                "argv",
                "a docker tool's argv starts with \"docker\" (it is run through the Engine API)",
            ));
        }
        used.push(container);
    }
    for p in params {
        if !used.contains(&p.name.as_str()) {
            return Err(field(
                &format!("parameters.properties.{}", p.name),
                "declared but never used (not a placeholder or the target)",
            ));
        }
    }
    Ok(())
}
