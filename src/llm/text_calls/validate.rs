//! Whether a parsed candidate is a call: a declared tool's name and arguments that validate
//! against the tool's JSON schema (the subset the tool registry emits: typed properties,
//! `required`, `enum`, integer bounds, `additionalProperties: false`).

use serde_json::{Map, Value};

use super::{Candidate, TextCall};
use crate::llm::ToolSpec;
use crate::text::neutralize_line;

/// The verdict on one candidate value.
pub(crate) enum Checked {
    Call(TextCall),
    /// Call-shaped but not taken; the line says why.
    Rejected(String),
    /// Ordinary JSON in the answer, not an attempt at a call.
    NotACall,
}

pub(crate) fn check(candidate: Candidate, tools: &[ToolSpec]) -> Vec<Checked> {
    let format = candidate.format;
    let value = match candidate.value {
        Ok(value) => value,
        Err(why) if candidate.explicit => {
            return vec![Checked::Rejected(format!(
                "a {} tool call was not taken: {why}",
                format.as_str()
            ))];
        }
        Err(_) => return vec![Checked::NotACall],
    };
    let items = match value {
        Value::Array(items) if items.is_empty() && candidate.explicit => {
            return vec![Checked::Rejected(format!(
                "a {} tool call was not taken: the list of calls is empty",
                format.as_str()
            ))];
        }
        Value::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| match one(item, tools, candidate.explicit) {
            Ok(Some((name, arguments))) => Checked::Call(TextCall {
                name,
                arguments,
                format,
            }),
            Ok(None) => Checked::NotACall,
            Err(why) => Checked::Rejected(why),
        })
        .collect()
}

/// `Ok(None)`: not call-shaped (and not inside a marker). `Err`: why the call is not taken.
fn one(
    item: Value,
    tools: &[ToolSpec],
    explicit: bool,
) -> Result<Option<(String, String)>, String> {
    let Value::Object(mut object) = item else {
        return if explicit {
            Err("a tool call was not taken: it is not a JSON object".into())
        } else {
            Ok(None)
        };
    };
    // OpenAI's own shape, printed as text: {"type": "function", "function": {…}}.
    if let Some(Value::Object(function)) = object.remove("function") {
        object = function;
    }
    let args = ["arguments", "parameters", "args"]
        .iter()
        .find_map(|k| object.remove(*k));
    let Some(Value::String(name)) = object.remove("name") else {
        return if explicit {
            Err("a tool call was not taken: it has no string `name`".into())
        } else {
            Ok(None)
        };
    };
    if !explicit && args.is_none() {
        return Ok(None);
    }
    let shown = neutralize_line(&name);
    let Some(tool) = tools.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        return Err(format!(
            "`{shown}` is not a tool; the tools are {}",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ));
    };
    let arguments = match args {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        // Some models encode the arguments object as a JSON string.
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(format!(
                    "`{shown}` was not called: its arguments are not a JSON object"
                ));
            }
        },
        Some(_) => {
            return Err(format!(
                "`{shown}` was not called: its arguments are not a JSON object"
            ));
        }
    };
    validate(&arguments, &tool.parameters)
        .map_err(|why| format!("`{shown}` was not called: {why}"))?;
    Ok(Some((name, Value::Object(arguments).to_string())))
}

/// Check `args` against an object schema; the first problem found.
pub(crate) fn validate(args: &Map<String, Value>, schema: &Value) -> Result<(), String> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for key in required.iter().filter_map(Value::as_str) {
            if !args.contains_key(key) {
                return Err(format!("the required argument `{key}` is missing"));
            }
        }
    }
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    for (key, value) in args {
        let Some(prop) = properties.get(key) else {
            if closed {
                let known: Vec<&str> = properties.keys().map(String::as_str).collect();
                return Err(format!(
                    "`{}` is not one of its arguments ({})",
                    neutralize_line(key),
                    known.join(", ")
                ));
            }
            continue;
        };
        check_value(key, value, prop)?;
    }
    Ok(())
}

fn check_value(key: &str, value: &Value, prop: &Value) -> Result<(), String> {
    if let Some(kind) = prop.get("type").and_then(Value::as_str) {
        let fits = match kind {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => true,
        };
        if !fits {
            return Err(format!(
                "`{key}` must be {} (got {})",
                a(kind),
                kind_of(value)
            ));
        }
    }
    if let Some(allowed) = prop.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let shown: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err(format!("`{key}` must be one of {}", shown.join(", ")));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = prop.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            return Err(format!("`{key}` must be at least {min}"));
        }
        if let Some(max) = prop.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            return Err(format!("`{key}` must be at most {max}"));
        }
    }
    Ok(())
}

fn a(kind: &str) -> String {
    match kind {
        "integer" | "array" | "object" => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
