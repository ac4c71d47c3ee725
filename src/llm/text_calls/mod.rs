//! Tool calls a model printed as text instead of using the API's tool-call field: find the
//! candidate spans (one file per format), parse them with serde_json, and keep only calls that
//! name a declared tool with arguments that validate against its schema.

mod fenced;
mod hermes;
mod json;
mod llama;
mod mistral;
mod scan;
mod validate;
mod wire;

pub use wire::{describe_tools, format_reminder, text_mode_messages};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ToolSpec;

/// The text format a call was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// Qwen / Hermes: `<tool_call>{"name": …, "arguments": …}</tool_call>`.
    Hermes,
    /// Llama 3.x: `<|python_tag|>{"name": …, "parameters": …}`.
    PythonTag,
    /// Llama 3.x: a bare `{"name": …, "parameters": …}` on its own line(s).
    BareJson,
    /// Mistral: `[TOOL_CALLS][{"name": …, "arguments": …}]` or `[TOOL_CALLS]name[ARGS]{…}`.
    Mistral,
    /// A fenced ```json block holding a call.
    Fenced,
}

impl TextFormat {
    /// Short name for events and warnings.
    pub fn as_str(self) -> &'static str {
        match self {
            TextFormat::Hermes => "hermes",
            TextFormat::PythonTag => "python_tag",
            TextFormat::BareJson => "bare_json",
            TextFormat::Mistral => "mistral",
            TextFormat::Fenced => "fenced_json",
        }
    }
}

/// A call recovered from the model's text: a declared tool with schema-valid arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct TextCall {
    pub name: String,
    /// The arguments object as compact JSON text.
    pub arguments: String,
    pub format: TextFormat,
}

/// What one assistant text held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// Calls to propose, in the order written, at most the configured maximum.
    pub calls: Vec<TextCall>,
    /// One line per call-shaped text that was not taken, saying why (for the model).
    pub rejected: Vec<String>,
}

impl Recovery {
    /// The line that tells the model why its text calls were not taken, if any were not.
    pub fn rejection_note(&self) -> Option<String> {
        (!self.rejected.is_empty()).then(|| self.rejected.join("\n"))
    }
}

/// One span that looked like a call, before validation.
pub(crate) struct Candidate {
    /// Byte offset in the text, for ordering.
    pub at: usize,
    pub format: TextFormat,
    /// The parsed JSON value, or why the span is not JSON.
    pub value: Result<Value, String>,
    /// Whether a non-call value here is a mistake worth reporting (inside an explicit tool-call
    /// marker) or just JSON in the answer (a fenced or bare object without a `name`).
    pub explicit: bool,
}

/// Recover the calls in `text` (the model's own assistant text, never a tool result or an
/// alert). `max_calls` bounds the calls one turn may yield.
pub fn recover(text: &str, tools: &[ToolSpec], max_calls: usize) -> Recovery {
    let mut candidates = scan::candidates(text);
    candidates.sort_by_key(|c| c.at);
    let mut recovery = Recovery::default();
    let mut extra = 0usize;
    for candidate in candidates {
        for checked in validate::check(candidate, tools) {
            match checked {
                validate::Checked::Call(call) => {
                    if recovery.calls.len() < max_calls {
                        recovery.calls.push(call);
                    } else {
                        extra += 1;
                    }
                }
                validate::Checked::Rejected(reason) => recovery.rejected.push(reason),
                validate::Checked::NotACall => {}
            }
        }
    }
    if extra > 0 {
        recovery.rejected.push(format!(
            "{extra} more call(s) were not taken: one answer may hold at most {max_calls} calls"
        ));
    }
    recovery
}
