//! Classifying exactly what a resolved call (proposed or edited) would run. Only the core
//! classifies: front ends show the class the core sent.

use crate::policy::{self, Classification};
use crate::tools::{Program, ResolvedCall};

/// The policy class of exactly what a resolved call would run.
/// A class tools.toml declares for the tool (docker tools) is a floor: it raises, never lowers.
pub fn classify_call(resolved: &ResolvedCall) -> Classification {
    let mut c = match &resolved.program {
        Program::Shell(command) => policy::classify(command),
        Program::Argv(argv) => policy::classify_argv(argv),
        Program::Mcp(call) => Classification {
            class: call.class,
            reason: call.class_reason.clone(),
        },
    };
    if let Some(declared) = resolved.declared_class
        && declared > c.class
    {
        c.reason = format!(
            "tools.toml declares {} {} ({})",
            resolved.tool,
            declared.as_str(),
            c.reason
        );
        c.class = declared;
    }
    c
}
