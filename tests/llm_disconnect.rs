//! The `disconnect` fault: the model server closes the connection after reading the request,
//! before any response. Both providers report it as a cut stream and retry it like a 5xx.

mod support;

use std::time::Duration;

use opsassist::config::{LlmConfig, ProviderKind};
use opsassist::llm::{
    ChatMessage, LlmError, RetryPolicy, build_provider_with_env, stream_with_policy,
};
use support::fake_llm::{FakeLlm, Flavor, Reply};
use tokio::sync::mpsc;

#[tokio::test]
async fn a_disconnect_before_the_answer_is_transient_and_retried() {
    for flavor in [Flavor::OpenAi, Flavor::Ollama] {
        let fake =
            FakeLlm::start(flavor, vec![Reply::Disconnect, Reply::Text("whole".into())]).await;
        let cfg = LlmConfig {
            provider: match flavor {
                Flavor::OpenAi => ProviderKind::Openai,
                Flavor::Ollama => ProviderKind::Ollama,
            },
            model: Some("test-model".into()),
            base_url: Some(fake.base_url.clone()),
            max_retries: 2,
            request_timeout_secs: 30,
            stream_idle_timeout_secs: 60,
            ..LlmConfig::default()
        };
        let provider = build_provider_with_env(&cfg, &|_| None)
            .unwrap_or_else(|e| panic!("{flavor:?}: provider: {e}"));
        let messages = vec![ChatMessage::User {
            content: "hi".into(),
        }];
        let policy = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        };
        let (tx, _rx) = mpsc::unbounded_channel();
        let mut retries: Vec<LlmError> = Vec::new();
        let turn = stream_with_policy(provider.as_ref(), &messages, &[], &tx, policy, |e, _, _| {
            retries.push(e.clone())
        })
        .await
        .unwrap_or_else(|e| panic!("{flavor:?}: not retried: {e:?}"));
        assert_eq!(turn.content, "whole", "{flavor:?}");
        assert_eq!(retries.len(), 1, "{flavor:?}");
        assert!(
            matches!(retries[0], LlmError::StreamCut { .. }),
            "{flavor:?}: {:?}",
            retries[0]
        );
        assert_eq!(fake.chat_count(), 2, "{flavor:?}");
    }
}
