//! `tool_calls = "text"`: the conversation rewritten for a server that gets no `tools` field.
//! The tools are described in the system prompt with one exact call format; the model's calls
//! stay in its text; each tool result goes back as a user message.

use serde_json::Value;

use crate::llm::{ChatMessage, ToolSpec};

/// The system-prompt section that declares the tools and the one format to call them in.
pub fn describe_tools(tools: &[ToolSpec]) -> String {
    let mut out = String::from(
        "## Tools\nYou call a tool by writing exactly this, on its own lines, and nothing after \
         it in that answer:\n<tool_call>\n{\"name\": \"TOOL_NAME\", \"arguments\": {ARGUMENTS}}\n\
         </tool_call>\nOne <tool_call> block per call. The arguments are a JSON object that \
         matches the tool's parameters. Each result comes back in a <tool_response> block. When \
         you are done, answer in plain text with no <tool_call>.\n\nThe tools:\n",
    );
    for tool in tools {
        let params = serde_json::to_string(&tool.parameters).unwrap_or_else(|_| "{}".into());
        out.push_str(&format!(
            "- {}: {}\n  parameters: {params}\n",
            tool.name,
            tool.description.trim()
        ));
    }
    out
}

/// The format reminder used when a model's answer held neither a call nor a final answer.
pub fn format_reminder(tools: &[ToolSpec]) -> String {
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    format!(
        "To call a tool, write <tool_call>{{\"name\": \"TOOL_NAME\", \"arguments\": {{…}}}}\
         </tool_call> with one of: {}. To finish, answer in plain text.",
        names.join(", ")
    )
}

/// The messages to send in text mode: the tools described in the (first) system message, the
/// assistant's calls as the text it wrote, and tool results (with any user message right after
/// them) folded into one user message, so roles still alternate.
pub fn text_mode_messages(messages: &[ChatMessage], tools: &[ToolSpec]) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::with_capacity(messages.len() + 1);
    let mut described = false;
    for message in messages {
        match message {
            ChatMessage::System { content } if !described => {
                described = true;
                out.push(ChatMessage::System {
                    content: format!("{content}\n\n{}", describe_tools(tools)),
                });
            }
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => {
                let mut text = content.clone();
                if text.trim().is_empty() {
                    for call in tool_calls {
                        let arguments = serde_json::from_str::<Value>(&call.arguments)
                            .unwrap_or(Value::String(call.arguments.clone()));
                        text.push_str(&format!(
                            "<tool_call>\n{}\n</tool_call>\n",
                            serde_json::json!({"name": call.name, "arguments": arguments})
                        ));
                    }
                }
                out.push(ChatMessage::Assistant {
                    content: text,
                    tool_calls: Vec::new(),
                });
            }
            ChatMessage::Tool { call_id, content } => {
                let name = tool_name(messages, call_id).unwrap_or("tool");
                let block = format!("<tool_response name=\"{name}\">\n{content}\n</tool_response>");
                push_user(&mut out, block, true);
            }
            ChatMessage::User { content } => push_user(&mut out, content.clone(), false),
            other => out.push(other.clone()),
        }
    }
    if !described {
        out.insert(
            0,
            ChatMessage::System {
                content: describe_tools(tools),
            },
        );
    }
    out
}

/// Append a user message, joining it to a previous one built from tool results.
fn push_user(out: &mut Vec<ChatMessage>, text: String, is_result: bool) {
    if let Some(ChatMessage::User { content }) = out.last_mut()
        && (is_result || content.ends_with("</tool_response>"))
    {
        content.push_str("\n\n");
        content.push_str(&text);
        return;
    }
    out.push(ChatMessage::User { content: text });
}

fn tool_name<'a>(messages: &'a [ChatMessage], call_id: &str) -> Option<&'a str> {
    messages.iter().find_map(|m| match m {
        ChatMessage::Assistant { tool_calls, .. } => tool_calls
            .iter()
            .find(|c| c.id == call_id)
            .map(|c| c.name.as_str()),
        _ => None,
    })
}
