//! The class of an MCP tool call: without `trust_annotations` every call is at least change
//! (a server's `destructiveHint` may still raise it); with it `readOnlyHint` is read-only and
//! `destructiveHint` destructive. A per-tool `class` in config raises always and lowers only
//! on a trusted server.

use serde_json::Value;

use super::config::McpServerConfig;
use crate::policy::Class;

/// The class of every call of `tool` on `server`, with the reason shown to the operator.
pub fn tool_class(
    server: &McpServerConfig,
    tool: &str,
    annotations: Option<&Value>,
) -> (Class, String) {
    let hint = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let (read_only, destructive) = (hint("readOnlyHint"), hint("destructiveHint"));
    let name = &server.name;
    let (mut class, mut reason) = if destructive {
        (
            Class::Destructive,
            format!("MCP server `{name}` marks `{tool}` destructiveHint"),
        )
    } else if !server.trust_annotations {
        (
            Class::Change,
            format!(
                "MCP server `{name}` is not trusted (trust_annotations = false): every call is \
                 at least change"
            ),
        )
    } else if read_only {
        (
            Class::ReadOnly,
            format!("trusted MCP server `{name}` marks `{tool}` readOnlyHint"),
        )
    } else {
        (
            Class::Change,
            format!("trusted MCP server `{name}` does not mark `{tool}` read-only"),
        )
    };
    if let Some(&configured) = server.class.get(tool) {
        if configured > class {
            reason = format!(
                "config raises `{tool}` to {} ({reason})",
                configured.as_str()
            );
            class = configured;
        } else if configured < class && server.trust_annotations {
            reason = format!(
                "config lowers `{tool}` to {} on trusted server `{name}` ({reason})",
                configured.as_str()
            );
            class = configured;
        } else if configured < class {
            reason = format!(
                "{reason}; config's {} for `{tool}` is ignored: only a trusted server's class \
                 may be lowered",
                configured.as_str()
            );
        }
    }
    (class, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server(trust: bool, class: &[(&str, Class)]) -> McpServerConfig {
        McpServerConfig {
            name: "fs".into(),
            command: vec!["x".into()],
            trust_annotations: trust,
            class: class.iter().map(|(t, c)| (t.to_string(), *c)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn untrusted_servers_are_at_least_change() {
        let s = server(false, &[]);
        let ro = json!({"readOnlyHint": true});
        assert_eq!(tool_class(&s, "read", Some(&ro)).0, Class::Change);
        assert_eq!(tool_class(&s, "read", None).0, Class::Change);
        let d = json!({"destructiveHint": true});
        assert_eq!(tool_class(&s, "rm", Some(&d)).0, Class::Destructive);
    }

    #[test]
    fn trusted_servers_follow_the_hints() {
        let s = server(true, &[]);
        let ro = json!({"readOnlyHint": true});
        assert_eq!(tool_class(&s, "read", Some(&ro)).0, Class::ReadOnly);
        let d = json!({"readOnlyHint": false, "destructiveHint": true});
        assert_eq!(tool_class(&s, "rm", Some(&d)).0, Class::Destructive);
        let both = json!({"readOnlyHint": true, "destructiveHint": true});
        assert_eq!(tool_class(&s, "odd", Some(&both)).0, Class::Destructive);
        let neither = json!({"readOnlyHint": false, "destructiveHint": false});
        assert_eq!(tool_class(&s, "w", Some(&neither)).0, Class::Change);
        assert_eq!(tool_class(&s, "w", None).0, Class::Change);
    }

    #[test]
    fn config_raises_always_and_lowers_only_when_trusted() {
        let ro = json!({"readOnlyHint": true});
        let up = server(false, &[("read", Class::Destructive)]);
        assert_eq!(tool_class(&up, "read", Some(&ro)).0, Class::Destructive);
        let down = server(false, &[("write", Class::ReadOnly)]);
        let (class, reason) = tool_class(&down, "write", None);
        assert_eq!(class, Class::Change);
        assert!(reason.contains("ignored"), "{reason}");
        let trusted_down = server(true, &[("write", Class::ReadOnly)]);
        assert_eq!(tool_class(&trusted_down, "write", None).0, Class::ReadOnly);
        let d = json!({"destructiveHint": true});
        assert_eq!(
            tool_class(&trusted_down, "rm", Some(&d)).0,
            Class::Destructive
        );
        let same = server(true, &[("read", Class::ReadOnly)]);
        assert_eq!(tool_class(&same, "read", Some(&ro)).0, Class::ReadOnly);
    }
}
