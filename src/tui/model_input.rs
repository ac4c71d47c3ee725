//! "What the model saw" (`w`): the last request the session sent, message by message, as the
//! core recorded it (prompts and tool results were redacted before they were sent).

use crate::llm::ChatMessage;
use crate::session::last_request::SentRequest;

use super::views::{TextView, Tone};

/// The view of `request`; None: nothing was sent by this session in this process.
pub fn view(request: Option<&SentRequest>) -> TextView {
    let mut v = TextView::new(
        " What the model saw (last request) · j/k PgUp/PgDn scroll · any other key closes ",
    );
    let Some(request) = request else {
        v.push(
            Tone::Warn,
            "The model has not answered a request in this incident yet.",
        );
        return v;
    };
    if request.from_log {
        v.push(
            Tone::Warn,
            "Rebuilt from the session log (not sent by this console): the request the model \
             last answered.",
        );
    }
    v.push(
        Tone::Dim,
        format!(
            "{} {} · {} message(s) · tools offered: {}",
            if request.from_log { "answered" } else { "sent" },
            request.at.format("%Y-%m-%d %H:%M:%S UTC"),
            request.messages.len(),
            if request.tools.is_empty() {
                "(none as API tools)".to_string()
            } else {
                request.tools.join(", ")
            }
        ),
    );
    for (i, message) in request.messages.iter().enumerate() {
        v.push(Tone::Plain, "");
        match message {
            ChatMessage::System { content } => {
                v.push(Tone::Heading, format!("[{}] system prompt", i + 1));
                v.push_block(Tone::Plain, "  ", content);
            }
            ChatMessage::User { content } => {
                let what = if i == 1 { "user (alert block)" } else { "user" };
                v.push(Tone::Heading, format!("[{}] {what}", i + 1));
                v.push_block(Tone::Plain, "  ", content);
            }
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => {
                v.push(Tone::Heading, format!("[{}] assistant", i + 1));
                if !content.is_empty() {
                    v.push_block(Tone::Plain, "  ", content);
                }
                for call in tool_calls {
                    v.push(
                        Tone::Key,
                        format!("  → {} ({}) {}", call.name, call.id, call.arguments),
                    );
                }
            }
            ChatMessage::Tool { call_id, content } => {
                v.push(
                    Tone::Heading,
                    format!("[{}] tool result for {call_id}", i + 1),
                );
                v.push_block(Tone::Dim, "  ", content);
            }
        }
    }
    v
}
