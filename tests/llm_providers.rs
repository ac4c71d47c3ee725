//! Provider tests against the in-process fake OpenAI and Ollama servers.

mod support;

use support::fake_llm::{FakeLlm, Reply};

#[tokio::test]
async fn fake_server_starts() {
    let fake = FakeLlm::openai(vec![Reply::Text("hi".into())]).await;
    assert!(fake.base_url.ends_with("/v1"));
}
