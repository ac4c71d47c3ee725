//! A model's (or an operator's edited) MCP call resolved into exactly what would be sent,
//! and running it: the result goes into the call's output file like command output, so it is
//! capped, hashed, redacted and marked untrusted on the same path.

use std::time::Instant;

use serde_json::Value;

use super::McpPool;
use super::pool::{CallEnd, McpTool};
use crate::exec::output::OutputSink;
use crate::exec::{Cancel, ExecError, ExecOutcome, ExecRequest};
use crate::llm::ToolCall;
use crate::policy::Class;
use crate::protocol::Target;
use crate::tools::{Program, ResolvedCall, ToolsError};

/// Bytes of a result sent to the model (head and tail), as for a tools.toml tool.
const OUTPUT_CAP: usize = 16 * 1024;

/// One `tools/call` as it would be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpCall {
    /// The `[[mcp]]` name.
    pub server: String,
    /// The tool's name on the server.
    pub tool: String,
    /// The JSON arguments (an object).
    pub arguments: Value,
    pub class: Class,
    pub class_reason: String,
}

/// The command line shown for an MCP call: its public name and compact JSON arguments.
pub fn display(public: &str, arguments: &Value) -> String {
    format!("{public} {arguments}")
}

fn bad(tool: &str, message: String) -> ToolsError {
    ToolsError::BadArguments {
        tool: tool.to_string(),
        message,
    }
}

/// Build the resolved call for `tool` with `arguments` (checked against its schema). A
/// `reason` field the schema does not define is taken as the model's stated reason.
fn build(
    pool: &McpPool,
    tool: &McpTool,
    arguments: &str,
    fallback_reason: Option<String>,
) -> Result<ResolvedCall, ToolsError> {
    let mut value: Value = serde_json::from_str(if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    })
    .map_err(|e| bad(&tool.public, format!("not JSON: {e}")))?;
    let mut reason = fallback_reason;
    if let Value::Object(map) = &mut value {
        let defined = tool
            .schema
            .get("properties")
            .and_then(|p| p.get("reason"))
            .is_some();
        if !defined && let Some(said) = map.remove("reason") {
            reason = said.as_str().map(str::to_string).or(reason);
        }
    }
    super::naming::check_args(&tool.schema, &value).map_err(|m| bad(&tool.public, m))?;
    let timeout = pool
        .config(&tool.server)
        .map(|c| c.timeout())
        .unwrap_or_else(|| std::time::Duration::from_secs(super::config::DEFAULT_TIMEOUT_SECS));
    let command = display(&tool.public, &value);
    Ok(ResolvedCall {
        tool: tool.public.clone(),
        target: Target::Mcp {
            server: tool.server.clone(),
        },
        program: Program::Mcp(McpCall {
            server: tool.server.clone(),
            tool: tool.name.clone(),
            arguments: value,
            class: tool.class,
            class_reason: tool.class_reason.clone(),
        }),
        command,
        reason,
        timeout,
        output_cap: OUTPUT_CAP,
        shell: false,
        declared_class: Some(tool.class),
    })
}

fn lookup(pool: &McpPool, public: &str) -> Option<Result<McpTool, ToolsError>> {
    pool.lookup(public).map(|found| {
        found.map_err(|e| ToolsError::BadArguments {
            tool: public.to_string(),
            message: e.to_string(),
        })
    })
}

/// Resolve a model's call of an MCP tool; None when `call` names no MCP tool.
pub fn resolve(pool: &McpPool, call: &ToolCall) -> Option<Result<ResolvedCall, ToolsError>> {
    let tool = match lookup(pool, &call.name)? {
        Ok(tool) => tool,
        Err(e) => return Some(Err(e)),
    };
    Some(build(pool, &tool, &call.arguments, None))
}

/// Resolve an operator's edit of `original` (new JSON arguments), checked against the tool's
/// schema and classified again; the class comes from the current tool list.
pub fn resolve_edit(
    pool: &McpPool,
    original: &ResolvedCall,
    replacement: &str,
) -> Result<ResolvedCall, ToolsError> {
    let tool = match lookup(pool, &original.tool) {
        Some(found) => found?,
        None => return Err(ToolsError::UnknownTool(original.tool.clone())),
    };
    build(pool, &tool, replacement, original.reason.clone())
        .map_err(|e| bad(&tool.public, format!("edit (JSON arguments expected): {e}")))
}

/// Run an MCP call. The result text (or the failure) is written to the output file; the
/// outcome reads like a command's: exit 0, 1 for a tool error or failed call, none when it
/// timed out or was cancelled (the server was sent `notifications/cancelled`).
pub async fn run(
    pool: &McpPool,
    request: &ExecRequest,
    mut cancel: Cancel,
    max_file_bytes: u64,
) -> Result<ExecOutcome, ExecError> {
    let Program::Mcp(call) = &request.program else {
        return Err(ExecError::Spawn {
            program: request.program.display(),
            source: std::io::Error::other("not an MCP call"),
        });
    };
    let output_error = |source| ExecError::Output {
        path: request.output_path.clone(),
        source,
    };
    let mut sink =
        OutputSink::create_capped(&request.output_path, request.output_cap, max_file_bytes)
            .map_err(output_error)?;
    let started = Instant::now();
    let arguments = match &call.arguments {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    let ended = pool
        .call(
            &call.server,
            &call.tool,
            arguments,
            request.timeout,
            cancel.cancelled(),
        )
        .await;
    let duration = started.elapsed();
    let (exit_code, timed_out, cancelled) = match ended {
        Ok(CallEnd::Done(result)) => {
            let (text, is_error) = super::render::result_text(&result);
            sink.write(text.as_bytes()).map_err(output_error)?;
            if is_error {
                sink.note("the tool reported an error (isError)")
                    .map_err(output_error)?;
            }
            (Some(i32::from(is_error)), false, false)
        }
        Ok(CallEnd::TimedOut) => {
            sink.note(&format!(
                "timed out after {} s; the server was sent notifications/cancelled",
                request.timeout.as_secs()
            ))
            .map_err(output_error)?;
            (None, true, false)
        }
        Ok(CallEnd::Cancelled) => {
            sink.note(&format!(
                "cancelled by operator after {:.1} s; the server was sent notifications/cancelled",
                duration.as_secs_f64()
            ))
            .map_err(output_error)?;
            (None, false, true)
        }
        Err(e) => {
            sink.write(format!("{e}\n").as_bytes())
                .map_err(output_error)?;
            (Some(1), false, false)
        }
    };
    let bytes = sink.cap.total();
    let (sha, capped, dropped_bytes) = sink.finish().map_err(output_error)?;
    Ok(ExecOutcome {
        exit_code,
        signal: None,
        duration,
        timed_out,
        connection_error: None,
        stdout_bytes: bytes,
        stderr_bytes: 0,
        output_sha256: sha,
        capped_output: capped.render(),
        capture: capped,
        cancelled,
        dropped_bytes,
    })
}
