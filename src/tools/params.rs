//! Tool parameters in tools.toml: the JSON-schema subset opsassist accepts (string, integer,
//! boolean; enum, minimum, maximum, default) and its validation.

use toml::{Table, Value};

use super::schema::{REASON_PARAM, field, is_ident};

/// Parameter value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Boolean,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
        }
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    pub name: String,
    pub kind: Kind,
    pub description: Option<String>,
    pub enum_values: Option<Vec<serde_json::Value>>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub default: Option<serde_json::Value>,
    pub required: bool,
}

const PARAM_KEYS: &[&str] = &[
    "type",
    "description",
    "enum",
    "minimum",
    "maximum",
    "default",
];

pub(super) fn parse_parameters(table: &Table) -> Result<Vec<ParamDef>, String> {
    for key in table.keys() {
        if !matches!(key.as_str(), "type" | "properties" | "required") {
            return Err(field(
                &format!("parameters.{key}"),
                "unknown key (expected type, properties, required)",
            ));
        }
    }
    if let Some(t) = table.get("type")
        && t.as_str() != Some("object")
    {
        return Err(field("parameters.type", "must be \"object\""));
    }
    let required: Vec<&str> = match table.get("required") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| field("parameters.required", "must be an array of strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(field("parameters.required", "must be an array of strings")),
    };
    let empty = Table::new();
    let props = match table.get("properties") {
        None => &empty,
        Some(Value::Table(t)) => t,
        Some(_) => return Err(field("parameters.properties", "must be a table")),
    };
    for r in &required {
        if !props.contains_key(*r) {
            return Err(field(
                "parameters.required",
                format!("\"{r}\" is not a declared property"),
            ));
        }
    }
    let mut params = Vec::with_capacity(props.len());
    for (name, schema) in props {
        let at = format!("parameters.properties.{name}");
        if name == REASON_PARAM {
            return Err(field(
                &at,
                "`reason` is reserved: the registry adds it to every tool",
            ));
        }
        if !is_ident(name) {
            return Err(field(&at, "parameter names are letters, digits and `_`"));
        }
        let schema = schema
            .as_table()
            .ok_or_else(|| field(&at, "must be a table"))?;
        params.push(parse_param(
            name,
            schema,
            required.contains(&name.as_str()),
            &at,
        )?);
    }
    Ok(params)
}

fn parse_param(name: &str, schema: &Table, required: bool, at: &str) -> Result<ParamDef, String> {
    for key in schema.keys() {
        if !PARAM_KEYS.contains(&key.as_str()) {
            return Err(field(
                &format!("{at}.{key}"),
                format!("unknown key (expected one of: {})", PARAM_KEYS.join(", ")),
            ));
        }
    }
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("boolean") => Kind::Boolean,
        _ => {
            return Err(field(
                &format!("{at}.type"),
                "must be \"string\", \"integer\" or \"boolean\"",
            ));
        }
    };
    let matches_kind = |v: &Value| match kind {
        Kind::String => v.is_str(),
        Kind::Integer => v.is_integer(),
        Kind::Boolean => v.is_bool(),
    };
    let description = match schema.get("description") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(field(&format!("{at}.description"), "must be a string")),
    };
    let enum_values = match schema.get("enum") {
        None => None,
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(matches_kind) => {
            Some(items.iter().map(to_json).collect())
        }
        Some(_) => {
            return Err(field(
                &format!("{at}.enum"),
                format!("must be a non-empty array of {} values", kind.as_str()),
            ));
        }
    };
    let bound = |key: &str| -> Result<Option<i64>, String> {
        match schema.get(key) {
            None => Ok(None),
            Some(Value::Integer(n)) if kind == Kind::Integer => Ok(Some(*n)),
            Some(_) => Err(field(
                &format!("{at}.{key}"),
                "only integer parameters take an integer bound",
            )),
        }
    };
    let minimum = bound("minimum")?;
    let maximum = bound("maximum")?;
    let default = match schema.get("default") {
        None => None,
        Some(v) if matches_kind(v) => Some(to_json(v)),
        Some(_) => {
            return Err(field(
                &format!("{at}.default"),
                format!("must be a {} value", kind.as_str()),
            ));
        }
    };
    Ok(ParamDef {
        name: name.to_string(),
        kind,
        description,
        enum_values,
        minimum,
        maximum,
        default,
        required,
    })
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::Value::from(s.clone()),
        Value::Integer(n) => serde_json::Value::from(*n),
        Value::Boolean(b) => serde_json::Value::from(*b),
        other => serde_json::Value::from(other.to_string()),
    }
}
