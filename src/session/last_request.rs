//! What the model received in the last request of a session: the messages exactly as sent
//! (prompts and tool results are redacted before they enter the conversation) and the tools
//! offered. The session records it; front ends ask the session's handle for it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::llm::{ChatMessage, ToolSpec};

/// One request as it went to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct SentRequest {
    /// When it was sent (rebuilt from a log: when its answer was logged).
    pub at: DateTime<Utc>,
    pub messages: Vec<ChatMessage>,
    /// Names of the tools offered (empty in text mode, where they are in the prompt).
    pub tools: Vec<String>,
    /// Rebuilt from the session log (the session sent nothing in this process) rather than
    /// recorded as sent.
    pub from_log: bool,
}

/// The last answered request of session `id`, rebuilt from its log the way a resumed session
/// rebuilds its conversation (prompts and results as logged, operator text redacted again).
/// None when the model never answered. Blocking: reads the log.
pub fn rebuild(core: &super::Core, id: &str) -> Result<Option<SentRequest>, super::SessionError> {
    let events = super::read_log(&core.paths, id)?;
    let replay = super::conversation::replay(&events, &core.redactor);
    let Some(last) = replay
        .messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::Assistant { .. }))
    else {
        return Ok(None);
    };
    let at = events
        .iter()
        .rev()
        .find(|e| matches!(e.event, crate::protocol::Event::ModelText { .. }))
        .map_or_else(Utc::now, |e| e.at);
    let tools = core
        .tools
        .specs(&core.config.hosts)
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(Some(SentRequest {
        at,
        messages: replay.messages[..last].to_vec(),
        tools,
        from_log: true,
    }))
}

/// The last request of one session, shared by its task and its handles.
#[derive(Debug, Clone, Default)]
pub struct LastRequest(Arc<Mutex<Option<Arc<SentRequest>>>>);

impl LastRequest {
    /// Record the request about to be sent.
    pub fn record(&self, messages: &[ChatMessage], specs: &[ToolSpec]) {
        let sent = SentRequest {
            at: Utc::now(),
            messages: messages.to_vec(),
            tools: specs.iter().map(|s| s.name.clone()).collect(),
            from_log: false,
        };
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Arc::new(sent));
        }
    }

    /// The last request sent, if one was sent since this process opened the session.
    pub fn get(&self) -> Option<Arc<SentRequest>> {
        self.0.lock().ok().and_then(|slot| slot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_recorded_request_is_shared_by_every_clone() {
        let slot = LastRequest::default();
        let handle = slot.clone();
        assert!(handle.get().is_none());
        slot.record(
            &[ChatMessage::User {
                content: "first".into(),
            }],
            &[],
        );
        slot.record(
            &[ChatMessage::User {
                content: "second".into(),
            }],
            &[ToolSpec {
                name: "local_shell".into(),
                description: String::new(),
                parameters: serde_json::Value::Null,
            }],
        );
        let got = handle.get().map(|r| (r.messages.clone(), r.tools.clone()));
        assert_eq!(
            got,
            Some((
                vec![ChatMessage::User {
                    content: "second".into()
                }],
                vec!["local_shell".to_string()]
            ))
        );
    }
}
