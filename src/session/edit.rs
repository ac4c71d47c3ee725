//! Classifying a call and an operator's edit of it, in one place for the core and both front
//! ends (which ask for the typed `yes` before sending a destructive edit).

use std::collections::BTreeMap;

use crate::config::HostEntry;
use crate::llm::ToolCall;
use crate::policy::{self, Class, Classification};
use crate::protocol::Proposal;
use crate::tools::{Program, ResolvedCall, ToolRegistry};

/// The policy class of exactly what a resolved call would run.
pub fn classify_call(resolved: &ResolvedCall) -> Classification {
    match &resolved.program {
        Program::Shell(command) => policy::classify(command),
        Program::Argv(argv) => policy::classify_argv(argv),
    }
}

/// The class `replacement` would have as an edit of `proposal`, resolved the same way the
/// core resolves it; None when the edit would be refused anyway (bad JSON, unknown host).
pub fn edit_class(
    tools: &ToolRegistry,
    hosts: &BTreeMap<String, HostEntry>,
    proposal: &Proposal,
    replacement: &str,
) -> Option<Class> {
    let call = ToolCall {
        id: proposal.call_id.clone(),
        name: proposal.tool.clone(),
        arguments: proposal.arguments.clone(),
    };
    let original = tools.resolve(&call, hosts).ok()?;
    let edited = tools.resolve_edit(&original, replacement, hosts).ok()?;
    Some(classify_call(&edited).class)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Target;

    fn proposal(tool: &str, arguments: &str, shell: bool) -> Proposal {
        Proposal {
            call_id: "c1".into(),
            tool: tool.into(),
            target: Target::Local,
            command: String::new(),
            arguments: arguments.into(),
            reason: None,
            class: Class::ReadOnly,
            class_reason: String::new(),
            shell,
        }
    }

    #[test]
    fn edits_are_classified_as_the_core_would_run_them() {
        let tools = match ToolRegistry::parse(crate::tools::DEFAULT_TOOLS_TOML, "built-in") {
            Ok(tools) => tools,
            Err(e) => panic!("built-in tools: {e}"),
        };
        let hosts = BTreeMap::new();
        let shell = proposal("local_shell", r#"{"command":"df -h"}"#, true);
        assert_eq!(
            edit_class(&tools, &hosts, &shell, "rm -rf /var/lib/pgsql"),
            Some(Class::Destructive)
        );
        assert_eq!(
            edit_class(&tools, &hosts, &shell, "df -h /var"),
            Some(Class::ReadOnly)
        );
        let log = proposal(
            "log_tail",
            r#"{"path":"/var/log/syslog","lines":20}"#,
            false,
        );
        assert_eq!(
            edit_class(
                &tools,
                &hosts,
                &log,
                r#"{"path":"/var/log/auth.log","lines":5}"#
            ),
            Some(Class::ReadOnly)
        );
        assert_eq!(edit_class(&tools, &hosts, &log, "not json"), None);
    }
}
