//! Checking a model's JSON arguments against a tool's parameters and rendering each value as
//! exactly one string.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schema::{Kind, REASON_PARAM, ToolDef};

/// Validated arguments: rendered values by parameter name, plus the stated reason.
#[derive(Debug, Default)]
pub struct Args {
    pub values: BTreeMap<String, String>,
    pub reason: Option<String>,
}

/// Validate `arguments` (JSON text; empty means `{}`). Errors name the field.
pub fn check(def: &ToolDef, arguments: &str) -> Result<Args, String> {
    let parsed: Value = if arguments.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(arguments)
            .map_err(|e| format!("arguments are not valid JSON ({e})"))?
    };
    let Value::Object(map) = parsed else {
        return Err("arguments must be a JSON object".into());
    };
    let mut args = Args::default();
    for (key, value) in &map {
        if key == REASON_PARAM {
            args.reason = match value {
                Value::Null => None,
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err("field `reason` must be a string".into()),
            };
            continue;
        }
        if def.param(key).is_none() {
            let known: Vec<&str> = def.params.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "unknown field `{key}` (expected: {})",
                if known.is_empty() {
                    "no arguments".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
    }
    for param in &def.params {
        let value = match map.get(&param.name) {
            Some(Value::Null) | None => match &param.default {
                Some(d) => d.clone(),
                None if param.required => {
                    return Err(format!("missing required field `{}`", param.name));
                }
                None => continue,
            },
            Some(v) => v.clone(),
        };
        let rendered = render(param.kind, &param.name, &value)?;
        if let Some(allowed) = &param.enum_values
            && !allowed
                .iter()
                .any(|a| render(param.kind, &param.name, a).ok() == Some(rendered.clone()))
        {
            let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
            return Err(format!(
                "field `{}` must be one of {}, got {value}",
                param.name,
                list.join(", ")
            ));
        }
        if param.kind == Kind::Integer {
            let n: i64 = rendered.parse().unwrap_or_default();
            if param.minimum.is_some_and(|min| n < min) || param.maximum.is_some_and(|max| n > max)
            {
                return Err(format!(
                    "field `{}` must be between {} and {}, got {n}",
                    param.name,
                    param.minimum.map_or("-∞".into(), |m| m.to_string()),
                    param.maximum.map_or("∞".into(), |m| m.to_string()),
                ));
            }
        }
        args.values.insert(param.name.clone(), rendered);
    }
    Ok(args)
}

fn render(kind: Kind, name: &str, value: &Value) -> Result<String, String> {
    let wrong = || {
        let shown: String = value.to_string().chars().take(60).collect();
        format!("field `{name}` must be {}, got {shown}", article(kind))
    };
    match (kind, value) {
        (Kind::String, Value::String(s)) => {
            if s.contains('\0') {
                return Err(format!("field `{name}` must not contain NUL bytes"));
            }
            Ok(s.clone())
        }
        (Kind::Integer, Value::Number(n)) => n.as_i64().map(|n| n.to_string()).ok_or_else(wrong),
        (Kind::Integer, Value::String(s)) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            if !digits.is_empty()
                && digits.len() <= 18
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                s.parse::<i64>().map(|n| n.to_string()).map_err(|_| wrong())
            } else {
                Err(wrong())
            }
        }
        (Kind::Boolean, Value::Bool(b)) => Ok(b.to_string()),
        _ => Err(wrong()),
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "a string",
        Kind::Integer => "an integer",
        Kind::Boolean => "a boolean",
    }
}
