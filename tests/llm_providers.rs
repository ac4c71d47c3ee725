//! Provider tests against the in-process fake OpenAI (SSE) and Ollama (NDJSON) servers:
//! streaming, tool-call reassembly, wire format, auth header, failures and retries.

mod support;

use std::sync::Arc;
use std::time::Duration;

use opsassist::config::{LlmConfig, ProviderKind};
use opsassist::llm::{
    AssistantTurn, ChatMessage, LlmError, Provider, RetryPolicy, ToolCall, ToolSpec,
    build_provider_with_env, stream_with_policy,
};
use serde_json::{Value, json};
use support::fake_llm::{FakeLlm, Flavor, Reply};
use tokio::sync::mpsc;

const FLAVORS: [Flavor; 2] = [Flavor::OpenAi, Flavor::Ollama];

fn provider_for(flavor: Flavor, base_url: &str, key: Option<&str>) -> Arc<dyn Provider> {
    provider_capped(flavor, base_url, key, 4096)
}

fn provider_capped(
    flavor: Flavor,
    base_url: &str,
    key: Option<&str>,
    max_tokens: u32,
) -> Arc<dyn Provider> {
    let cfg = LlmConfig {
        provider: match flavor {
            Flavor::OpenAi => ProviderKind::Openai,
            Flavor::Ollama => ProviderKind::Ollama,
        },
        model: Some("test-model".into()),
        base_url: Some(base_url.into()),
        max_retries: 3,
        request_timeout_secs: 30,
        stream_idle_timeout_secs: 60,
        max_tokens,
        ..LlmConfig::default()
    };
    let key = key.map(str::to_string);
    build_provider_with_env(&cfg, &move |name| {
        (name == "OPENAI_API_KEY").then(|| key.clone()).flatten()
    })
    .expect("provider builds")
}

async fn fake_and_provider(flavor: Flavor, script: Vec<Reply>) -> (FakeLlm, Arc<dyn Provider>) {
    let fake = FakeLlm::start(flavor, script).await;
    let provider = provider_for(flavor, &fake.base_url, None);
    (fake, provider)
}

fn tools() -> Vec<ToolSpec> {
    vec![ToolSpec {
        name: "disk_usage".into(),
        description: "Show disk usage".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    }]
}

fn user(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::System {
            content: "You are an SRE.".into(),
        },
        ChatMessage::User {
            content: text.into(),
        },
    ]
}

/// One turn; returns the result and every delta that arrived.
async fn turn(
    provider: &dyn Provider,
    messages: &[ChatMessage],
) -> (Result<AssistantTurn, LlmError>, Vec<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result = provider.stream_turn(messages, &tools(), &tx).await;
    drop(tx);
    let mut deltas = Vec::new();
    while let Some(d) = rx.recv().await {
        deltas.push(d);
    }
    (result, deltas)
}

fn args(call: &ToolCall) -> Value {
    serde_json::from_str(&call.arguments).expect("arguments are JSON")
}

#[tokio::test]
async fn text_streams_as_several_deltas() {
    for flavor in FLAVORS {
        let text = "The disk on web-1 is 97% full; /var/log is the culprit.";
        let (fake, p) = fake_and_provider(flavor, vec![Reply::Text(text.into())]).await;
        let (result, deltas) = turn(p.as_ref(), &user("disk alert")).await;
        let t = result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t.content, text, "{flavor:?}");
        assert!(t.tool_calls.is_empty());
        assert!(
            deltas.len() >= 3,
            "{flavor:?}: only {} deltas",
            deltas.len()
        );
        assert_eq!(deltas.concat(), text);
        let usage = t.usage.expect("usage reported");
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (42, 7));
        assert_eq!(fake.chat_count(), 1);
        assert_eq!(fake.requests()[0]["model"], "test-model");
        assert_eq!(fake.requests()[0]["stream"], true);
    }
}

#[tokio::test]
async fn split_tool_call_deltas_are_reassembled() {
    for flavor in FLAVORS {
        let a = json!({"path": "/var/log", "depth": 2, "note": "quotes \" and unicode ✓"});
        let b = json!({"unit": "nginx.service"});
        let script = vec![
            Reply::TextThenTools(
                "Let me look.".into(),
                vec![("disk_usage".into(), a.clone())],
            ),
            Reply::ToolCalls(vec![
                ("disk_usage".into(), a.clone()),
                ("service_status".into(), b.clone()),
            ]),
        ];
        let (_fake, p) = fake_and_provider(flavor, script).await;
        let (result, _) = turn(p.as_ref(), &user("disk alert")).await;
        let t = result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t.content, "Let me look.");
        assert_eq!(t.tool_calls.len(), 1, "{flavor:?}");
        assert_eq!(t.tool_calls[0].name, "disk_usage");
        assert_eq!(args(&t.tool_calls[0]), a);

        let mut history = user("disk alert");
        history.push(ChatMessage::Assistant {
            content: t.content.clone(),
            tool_calls: t.tool_calls.clone(),
        });
        history.push(ChatMessage::Tool {
            call_id: t.tool_calls[0].id.clone(),
            content: "80G /var/log".into(),
        });
        let (result, _) = turn(p.as_ref(), &history).await;
        let t2 = result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t2.tool_calls.len(), 2, "{flavor:?}: parallel calls");
        assert_eq!(t2.tool_calls[0].name, "disk_usage");
        assert_eq!(args(&t2.tool_calls[0]), a);
        assert_eq!(t2.tool_calls[1].name, "service_status");
        assert_eq!(args(&t2.tool_calls[1]), b);
        let mut ids: Vec<&str> = t2.tool_calls.iter().map(|c| c.id.as_str()).collect();
        ids.push(&t.tool_calls[0].id);
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            3,
            "{flavor:?}: tool call ids are unique across turns"
        );
    }
}

#[tokio::test]
async fn openai_request_has_tools_and_tool_results_in_wire_format() {
    let (fake, p) = fake_and_provider(Flavor::OpenAi, vec![]).await;
    let mut history = user("disk alert");
    history.push(ChatMessage::Assistant {
        content: String::new(),
        tool_calls: vec![ToolCall {
            id: "call_abc".into(),
            name: "disk_usage".into(),
            arguments: r#"{"path":"/"}"#.into(),
        }],
    });
    history.push(ChatMessage::Tool {
        call_id: "call_abc".into(),
        content: "97% /".into(),
    });
    let (result, _) = turn(p.as_ref(), &history).await;
    assert_eq!(result.expect("turn").content, "done.");
    let body = &fake.requests()[0];
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "disk_usage");
    assert_eq!(
        body["tools"][0]["function"]["parameters"]["required"][0],
        "path"
    );
    assert_eq!(body["stream_options"]["include_usage"], true);
    let msgs = body["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[0]["role"], "system");
    assert_eq!(msgs[2]["role"], "assistant");
    assert_eq!(msgs[2]["tool_calls"][0]["id"], "call_abc");
    assert_eq!(msgs[2]["tool_calls"][0]["type"], "function");
    assert_eq!(
        msgs[2]["tool_calls"][0]["function"]["arguments"],
        r#"{"path":"/"}"#
    );
    assert_eq!(msgs[3]["role"], "tool");
    assert_eq!(msgs[3]["tool_call_id"], "call_abc");
    assert_eq!(msgs[3]["content"], "97% /");
}

#[tokio::test]
async fn ollama_request_has_tools_and_tool_results_in_wire_format() {
    let (fake, p) = fake_and_provider(Flavor::Ollama, vec![]).await;
    let mut history = user("disk alert");
    history.push(ChatMessage::Assistant {
        content: String::new(),
        tool_calls: vec![ToolCall {
            id: "call_1".into(),
            name: "disk_usage".into(),
            arguments: r#"{"path":"/"}"#.into(),
        }],
    });
    history.push(ChatMessage::Tool {
        call_id: "call_1".into(),
        content: "97% /".into(),
    });
    let (result, _) = turn(p.as_ref(), &history).await;
    assert_eq!(result.expect("turn").content, "done.");
    let body = &fake.requests()[0];
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "disk_usage");
    let msgs = body["messages"].as_array().expect("messages");
    assert_eq!(msgs[2]["role"], "assistant");
    assert_eq!(msgs[2]["tool_calls"][0]["function"]["name"], "disk_usage");
    assert_eq!(
        msgs[2]["tool_calls"][0]["function"]["arguments"]["path"],
        "/"
    );
    assert_eq!(msgs[3]["role"], "tool");
    assert_eq!(msgs[3]["content"], "97% /");
    assert_eq!(msgs[3]["tool_name"], "disk_usage");
}

#[tokio::test]
async fn authorization_only_with_a_key() {
    let fake = FakeLlm::openai(vec![]).await;
    let keyless = provider_for(Flavor::OpenAi, &fake.base_url, None);
    turn(keyless.as_ref(), &user("hi"))
        .await
        .0
        .expect("keyless turn");
    let keyed = provider_for(Flavor::OpenAi, &fake.base_url, Some("sk-test-123"));
    turn(keyed.as_ref(), &user("hi"))
        .await
        .0
        .expect("keyed turn");
    let received = fake.received();
    assert_eq!(received[0].header("authorization"), None);
    assert_eq!(
        received[1].header("authorization"),
        Some("Bearer sk-test-123")
    );
    keyless.probe().await.expect("probe works without a key");
}

#[tokio::test]
async fn connection_refused_names_the_url_and_the_fix() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    for flavor in FLAVORS {
        let base = match flavor {
            Flavor::OpenAi => format!("{url}/v1"),
            Flavor::Ollama => url.clone(),
        };
        let p = provider_for(flavor, &base, None);
        let err = turn(p.as_ref(), &user("hi")).await.0.expect_err("refused");
        let LlmError::Connect { url: ref got, .. } = err else {
            panic!("{flavor:?}: expected Connect, got {err:?}");
        };
        assert_eq!(got, &base);
        let msg = err.to_string();
        assert!(msg.contains("connection refused"), "{msg}");
        assert!(msg.contains("--base-url"), "{msg}");
        if flavor == Flavor::Ollama {
            assert!(msg.contains("ollama serve"), "{msg}");
        }
        assert!(err.is_transient());
        assert!(
            matches!(p.probe().await, Err(LlmError::Connect { .. })),
            "{flavor:?} probe"
        );
    }
}

#[tokio::test]
async fn unauthorized_is_an_auth_error_that_mentions_the_key() {
    let body = r#"{"error":{"message":"Incorrect API key provided: sk-bad","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
    let (_fake, p) = fake_and_provider(Flavor::OpenAi, vec![Reply::Status(401, body.into())]).await;
    let err = turn(p.as_ref(), &user("hi")).await.0.expect_err("401");
    assert!(matches!(err, LlmError::Auth { status: 401, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("Incorrect API key") && msg.contains("OPENAI_API_KEY"),
        "{msg}"
    );
    assert!(!err.is_transient());

    let (_fake, p) = fake_and_provider(
        Flavor::Ollama,
        vec![Reply::Status(401, "unauthorized".into())],
    )
    .await;
    let err = turn(p.as_ref(), &user("hi")).await.0.expect_err("401");
    assert!(matches!(err, LlmError::Auth { status: 401, .. }), "{err:?}");
}

#[tokio::test]
async fn unknown_model_uses_the_real_error_bodies() {
    let openai_body = r#"{"error":{"message":"The model `test-model` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
    let (_fake, p) =
        fake_and_provider(Flavor::OpenAi, vec![Reply::Status(404, openai_body.into())]).await;
    let err = turn(p.as_ref(), &user("hi")).await.0.expect_err("404");
    assert!(
        matches!(err, LlmError::UnknownModel { ref model, .. } if model == "test-model"),
        "{err:?}"
    );
    assert!(err.to_string().contains("--model"), "{err}");

    let ollama_body = r#"{"error":"model \"test-model\" not found, try pulling it first"}"#;
    let (_fake, p) =
        fake_and_provider(Flavor::Ollama, vec![Reply::Status(404, ollama_body.into())]).await;
    let err = turn(p.as_ref(), &user("hi")).await.0.expect_err("404");
    assert!(matches!(err, LlmError::UnknownModel { .. }), "{err:?}");
    assert!(err.to_string().contains("ollama pull test-model"), "{err}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn server_error_then_success_is_retried_with_backoff() {
    for flavor in FLAVORS {
        let script = vec![
            Reply::Status(500, "upstream exploded".into()),
            Reply::Status(503, "<html>overloaded</html>".into()),
            Reply::Text("recovered".into()),
        ];
        let (fake, p) = fake_and_provider(flavor, script).await;
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        };
        let mut seen = Vec::new();
        let (tx, _rx) = mpsc::unbounded_channel();
        let t = stream_with_policy(
            p.as_ref(),
            &user("hi"),
            &tools(),
            &tx,
            policy,
            |e, attempt, delay| {
                seen.push((e.clone(), attempt, delay));
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t.content, "recovered");
        assert_eq!(seen.len(), 2, "{flavor:?}");
        assert!(
            matches!(seen[0].0, LlmError::Server { status: 500, .. }),
            "{:?}",
            seen[0].0
        );
        assert!(seen[0].0.to_string().contains("upstream exploded"));
        assert!(matches!(seen[1].0, LlmError::Server { status: 503, .. }));
        assert_eq!((seen[0].1, seen[1].1), (1, 2));
        assert_eq!(
            (seen[0].2, seen[1].2),
            (Duration::from_millis(5), Duration::from_millis(10))
        );
        assert_eq!(fake.chat_count(), 3);
    }
}

#[tokio::test]
async fn retries_are_bounded_and_permanent_errors_are_not_retried() {
    let script = vec![
        Reply::Status(500, "a".into()),
        Reply::Status(500, "b".into()),
        Reply::Status(500, "c".into()),
    ];
    let (fake, p) = fake_and_provider(Flavor::OpenAi, script).await;
    let policy = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut retries = 0;
    let err = stream_with_policy(p.as_ref(), &user("hi"), &[], &tx, policy, |_, _, _| {
        retries += 1
    })
    .await
    .expect_err("gives up");
    assert!(
        err.to_string().contains("c"),
        "last error is reported: {err}"
    );
    assert_eq!((retries, fake.chat_count()), (2, 3));

    let (fake, p) = fake_and_provider(Flavor::OpenAi, vec![Reply::Status(401, "{}".into())]).await;
    let mut retries = 0;
    stream_with_policy(p.as_ref(), &user("hi"), &[], &tx, policy, |_, _, _| {
        retries += 1
    })
    .await
    .expect_err("401");
    assert_eq!((retries, fake.chat_count()), (0, 1));
}

#[tokio::test]
async fn a_stream_cut_midway_is_reported_and_retried() {
    for flavor in FLAVORS {
        let (fake, p) = fake_and_provider(flavor, vec![Reply::CutMidStream]).await;
        let (result, deltas) = turn(p.as_ref(), &user("hi")).await;
        let err = result.expect_err("cut");
        assert!(
            matches!(err, LlmError::StreamCut { .. }),
            "{flavor:?}: {err:?}"
        );
        assert!(err.is_transient());
        assert_eq!(
            deltas.concat(),
            "Checking the ",
            "{flavor:?}: partial text was streamed"
        );

        fake.push([Reply::CutMidStream, Reply::Text("whole".into())]);
        let policy = RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        };
        let (tx, _rx) = mpsc::unbounded_channel();
        let mut retries = Vec::new();
        let t = stream_with_policy(p.as_ref(), &user("hi"), &[], &tx, policy, |e, n, _| {
            retries.push((e.clone(), n))
        })
        .await
        .unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t.content, "whole");
        assert_eq!(retries.len(), 1);
        assert!(matches!(retries[0].0, LlmError::StreamCut { .. }));
        assert_eq!(fake.chat_count(), 3);
    }
}

#[tokio::test]
async fn malformed_json_is_reported_not_skipped() {
    for flavor in FLAVORS {
        let (_fake, p) = fake_and_provider(flavor, vec![Reply::Malformed]).await;
        let err = turn(p.as_ref(), &user("hi"))
            .await
            .0
            .expect_err("malformed");
        assert!(
            matches!(err, LlmError::Malformed { .. }),
            "{flavor:?}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("not json"), "{msg}");
        assert!(!msg.contains('\n'));
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn huge_error_bodies_are_truncated_to_one_safe_line() {
    let body = format!("\u{1b}[2J{}\n{}", "x".repeat(5000), "y".repeat(5000));
    let (_fake, p) = fake_and_provider(Flavor::Ollama, vec![Reply::Status(500, body)]).await;
    let msg = turn(p.as_ref(), &user("hi"))
        .await
        .0
        .expect_err("500")
        .to_string();
    assert!(msg.len() < 600, "{} chars", msg.len());
    assert!(!msg.contains('\n') && !msg.contains('\u{1b}'), "{msg}");
}

#[tokio::test]
async fn probes_answer_ok_and_are_not_counted() {
    for flavor in FLAVORS {
        let (fake, p) = fake_and_provider(flavor, vec![]).await;
        p.probe()
            .await
            .unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(fake.chat_count(), 0);
    }
}

#[test]
fn blocking_fake_serves_a_synchronous_caller() {
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Text("from a thread".into())]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let p = provider_for(Flavor::OpenAi, &fake.base_url, None);
    let t = rt.block_on(turn(p.as_ref(), &user("hi"))).0.expect("turn");
    assert_eq!(t.content, "from a thread");
    drop(fake);
}

#[tokio::test]
async fn servers_that_reject_stream_options_still_work() {
    let body = r#"{"error":{"message":"Unrecognized request argument supplied: stream_options","type":"invalid_request_error","param":null,"code":null}}"#;
    let (fake, p) = fake_and_provider(Flavor::OpenAi, vec![Reply::Status(400, body.into())]).await;
    let t = turn(p.as_ref(), &user("hi")).await.0.expect("falls back");
    assert_eq!(t.content, "done.");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["stream_options"]["include_usage"], true);
    assert!(requests[1].get("stream_options").is_none());
    turn(p.as_ref(), &user("again"))
        .await
        .0
        .expect("later turns");
    assert!(fake.requests()[2].get("stream_options").is_none());
}

/// The cap the request carried: `max_tokens` (OpenAI) or `options.num_predict` (Ollama).
fn sent_cap(flavor: Flavor, body: &Value) -> Option<u64> {
    match flavor {
        Flavor::OpenAi => body.get("max_tokens").and_then(Value::as_u64),
        Flavor::Ollama => body
            .get("options")
            .and_then(|o| o.get("num_predict"))
            .and_then(Value::as_u64),
    }
}

#[tokio::test]
async fn a_turn_cut_at_max_tokens_completes_and_says_so() {
    for flavor in FLAVORS {
        let cut = "ubuntu-20.10-ubuntu-20.10-ubuntu-";
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::Truncated(cut.into()),
                Reply::Text("All fine.".into()),
            ],
        )
        .await;
        let p = provider_capped(flavor, &fake.base_url, None, 123);
        let (result, deltas) = turn(p.as_ref(), &user("cpu alert")).await;
        let t = result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert_eq!(t.content, cut, "{flavor:?}");
        assert_eq!(deltas.concat(), cut, "{flavor:?}");
        assert!(t.truncated, "{flavor:?}: a length stop must set truncated");
        assert!(t.tool_calls.is_empty(), "{flavor:?}");
        let (result, _) = turn(p.as_ref(), &user("cpu alert")).await;
        let t = result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        assert!(!t.truncated, "{flavor:?}: a normal stop is not truncated");
        for body in fake.requests() {
            assert_eq!(sent_cap(flavor, &body), Some(123), "{flavor:?}: {body}");
            assert!(body.get("max_completion_tokens").is_none(), "{body}");
        }
    }
}

#[tokio::test]
async fn zero_max_tokens_sends_no_cap() {
    for flavor in FLAVORS {
        let fake = FakeLlm::start(flavor, vec![Reply::Text("ok".into())]).await;
        let p = provider_capped(flavor, &fake.base_url, None, 0);
        let (result, _) = turn(p.as_ref(), &user("cpu alert")).await;
        result.unwrap_or_else(|e| panic!("{flavor:?}: {e}"));
        let body = &fake.requests()[0];
        assert_eq!(sent_cap(flavor, body), None, "{flavor:?}: {body}");
        assert!(body.get("max_completion_tokens").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_tool_call_cut_at_max_tokens_is_returned_unrepaired() {
    let partial = r#"{"path": "/var/l"#;
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::TruncatedToolCall("disk_usage".into(), partial.into()),
            Reply::TruncatedToolCall("disk_usage".into(), String::new()),
        ],
    )
    .await;
    let p = provider_capped(Flavor::OpenAi, &fake.base_url, None, 50);
    let (result, _) = turn(p.as_ref(), &user("disk alert")).await;
    let t = result.expect("a cut turn still completes");
    assert!(t.truncated);
    assert_eq!(t.tool_calls.len(), 1);
    assert_eq!(t.tool_calls[0].name, "disk_usage");
    assert_eq!(t.tool_calls[0].arguments, partial);
    assert!(serde_json::from_str::<Value>(&t.tool_calls[0].arguments).is_err());
    // Cut before any argument: not turned into `{}` (which would look like a complete call).
    let (result, _) = turn(p.as_ref(), &user("disk alert")).await;
    let t = result.expect("a cut turn still completes");
    assert!(t.truncated);
    assert_eq!(t.tool_calls[0].arguments, "");

    // Ollama parses tool calls only from complete output: a cut call arrives as text.
    let fake = FakeLlm::start(
        Flavor::Ollama,
        vec![Reply::TruncatedToolCall(
            "disk_usage".into(),
            partial.into(),
        )],
    )
    .await;
    let p = provider_capped(Flavor::Ollama, &fake.base_url, None, 50);
    let (result, _) = turn(p.as_ref(), &user("disk alert")).await;
    let t = result.expect("a cut turn still completes");
    assert!(t.truncated);
    assert!(t.tool_calls.is_empty());
    assert!(t.content.ends_with(partial), "{}", t.content);
}

#[tokio::test]
async fn servers_that_want_max_completion_tokens_get_it() {
    let refusal = json!({"error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}});
    let fake = FakeLlm::openai(vec![
        Reply::Status(400, refusal.to_string()),
        Reply::Text("first".into()),
        Reply::Text("second".into()),
    ])
    .await;
    let p = provider_capped(Flavor::OpenAi, &fake.base_url, None, 77);
    let (result, _) = turn(p.as_ref(), &user("cpu alert")).await;
    assert_eq!(
        result.expect("switches field and succeeds").content,
        "first"
    );
    let (result, _) = turn(p.as_ref(), &user("cpu alert")).await;
    assert_eq!(result.expect("remembers the field").content, "second");
    let bodies = fake.requests();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["max_tokens"], 77);
    for body in &bodies[1..] {
        assert_eq!(body["max_completion_tokens"], 77, "{body}");
        assert!(body.get("max_tokens").is_none(), "{body}");
    }

    // Any other 400 that mentions max_tokens is reported, not retried with another field.
    let other = json!({"error": {"message": "max_tokens must be at least 1", "type": "invalid_request_error"}});
    let fake = FakeLlm::openai(vec![Reply::Status(400, other.to_string())]).await;
    let p = provider_capped(Flavor::OpenAi, &fake.base_url, None, 77);
    let (result, _) = turn(p.as_ref(), &user("cpu alert")).await;
    assert!(result.is_err());
    assert_eq!(fake.chat_count(), 1);
}

/// A one-shot HTTP server answering every request with `status` and `body`.
async fn fixed_answer(status: u16, body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    format!("http://{addr}/v1")
}

#[tokio::test]
async fn openai_probe_checks_reachability_not_the_models_schema() {
    // Compatible servers list models with fewer fields than OpenAI (no `created`/`owned_by`).
    let url = fixed_answer(
        200,
        r#"{"object":"list","data":[{"id":"local","object":"model"}]}"#,
    )
    .await;
    provider_for(Flavor::OpenAi, &url, None)
        .probe()
        .await
        .expect("a 200 with a minimal model list is reachable");
    let url = fixed_answer(401, r#"{"error":{"message":"bad key"}}"#).await;
    let err = provider_for(Flavor::OpenAi, &url, Some("sk-wrong"))
        .probe()
        .await
        .expect_err("401");
    assert!(matches!(err, LlmError::Auth { status: 401, .. }), "{err}");
}

/// A chat server with one fault: every POST is answered with `content_type` and `pieces`
/// (each its own HTTP chunk); with `stall` the connection then stays open and silent. Counts
/// the chat requests. Returns the provider base URL and the counter.
async fn faulty_server(
    flavor: Flavor,
    content_type: &'static str,
    pieces: Vec<String>,
    stall: bool,
) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let pieces = pieces.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                // Read one request: headers, then Content-Length bytes of body.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let body_end = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break end + 4 + length;
                    }
                };
                while buf.len() < body_end {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                if buf.starts_with(b"POST") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for piece in pieces {
                    let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
                if stall {
                    // Headers and some chunks, then nothing, with the connection held open.
                    tokio::time::sleep(Duration::from_secs(120)).await;
                } else {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                    let _ = socket.shutdown().await;
                }
            });
        }
    });
    let base = match flavor {
        Flavor::OpenAi => format!("http://{addr}/v1"),
        Flavor::Ollama => format!("http://{addr}"),
    };
    (base, count)
}

fn provider_with_waits(
    flavor: Flavor,
    base_url: &str,
    request: u64,
    idle: u64,
) -> Arc<dyn Provider> {
    let cfg = LlmConfig {
        provider: match flavor {
            Flavor::OpenAi => ProviderKind::Openai,
            Flavor::Ollama => ProviderKind::Ollama,
        },
        model: Some("test-model".into()),
        base_url: Some(base_url.into()),
        request_timeout_secs: request,
        stream_idle_timeout_secs: idle,
        ..LlmConfig::default()
    };
    build_provider_with_env(&cfg, &|_| None).expect("provider builds")
}

/// One turn with up to three retries; the error and how many retries were made.
async fn with_retries(p: &dyn Provider) -> (LlmError, u32) {
    let policy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    };
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut retries = 0;
    let err = stream_with_policy(p, &user("hi"), &tools(), &tx, policy, |_, _, _| {
        retries += 1
    })
    .await
    .expect_err("a fault");
    (err, retries)
}

const EXPECTED_STREAM: [(Flavor, &str); 2] = [
    (Flavor::OpenAi, "an event stream (text/event-stream)"),
    (Flavor::Ollama, "an NDJSON stream (application/x-ndjson)"),
];

#[tokio::test]
async fn an_html_page_with_200_is_malformed_at_once() {
    // A proxy's login page: 150 bytes, with an escape sequence and a line break.
    let page = "<!DOCTYPE html><html><head><title>Sign in</title></head>\r\n<body>\u{1b}[2J<h1>Proxy authentication required</h1><p>Please sign in to continue.</p></body></html>";
    assert!(page.len() > 120);
    for (flavor, expected) in EXPECTED_STREAM {
        let (url, count) = faulty_server(
            flavor,
            "text/html; charset=utf-8",
            vec![page[..60].to_string(), page[60..].to_string()],
            false,
        )
        .await;
        let p = provider_with_waits(flavor, &url, 30, 60);
        let (err, retries) = with_retries(p.as_ref()).await;
        assert_eq!(
            err.to_string(),
            format!(
                "malformed response from the server: HTTP 200 with content type \
                 `text/html; charset=utf-8` instead of {expected}; body starts: \
                 <!DOCTYPE html><html><head><title>Sign in</title></head>\\r\\n<body>␛[2J\
                 <h1>Proxy authentication required</h1><p>Please sign…"
            ),
            "{flavor:?}"
        );
        assert!(matches!(err, LlmError::Malformed { .. }));
        assert_eq!(retries, 0, "{flavor:?}");
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{flavor:?}"
        );
    }
}

#[tokio::test]
async fn a_json_error_body_with_200_is_malformed_at_once() {
    let body = r#"{"error":{"message":"upstream quota exceeded","type":"server_error"}}"#;
    for (flavor, expected) in EXPECTED_STREAM {
        let (url, count) =
            faulty_server(flavor, "application/json", vec![body.to_string()], false).await;
        let p = provider_with_waits(flavor, &url, 30, 60);
        let (err, retries) = with_retries(p.as_ref()).await;
        assert_eq!(
            err.to_string(),
            format!(
                "malformed response from the server: HTTP 200 with content type \
                 `application/json` instead of {expected}; body starts: {body}"
            ),
            "{flavor:?}"
        );
        assert_eq!(retries, 0, "{flavor:?}");
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{flavor:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_that_stalls_after_two_chunks_is_a_timeout_naming_the_wait() {
    let openai = |text: &str| {
        format!(
            "data: {}\n\n",
            json!({"id": "c1", "object": "chat.completion.chunk", "created": 0,
                   "model": "test-model", "choices": [{"index": 0,
                   "delta": {"role": "assistant", "content": text}, "finish_reason": null}]})
        )
    };
    let ollama = |text: &str| {
        format!(
            "{}\n",
            json!({"model": "test-model", "created_at": "2026-01-01T00:00:00Z",
                   "message": {"role": "assistant", "content": text}, "done": false})
        )
    };
    for flavor in FLAVORS {
        let (content_type, pieces) = match flavor {
            Flavor::OpenAi => (
                "text/event-stream",
                vec![openai("Checking "), openai("the disk")],
            ),
            Flavor::Ollama => (
                "application/x-ndjson",
                vec![ollama("Checking "), ollama("the disk")],
            ),
        };
        let (url, count) = faulty_server(flavor, content_type, pieces, true).await;
        let p = provider_with_waits(flavor, &url, 5, 1);
        let started = std::time::Instant::now();
        let (result, deltas) = turn(p.as_ref(), &user("hi")).await;
        let err = result.expect_err("stalled");
        assert_eq!(
            err.to_string(),
            "stream ended before the turn was complete: model server sent nothing for 1 s \
             (stream_idle_timeout_secs in config.toml)",
            "{flavor:?}"
        );
        assert!(err.is_transient(), "a stall is worth a retry");
        assert_eq!(deltas.concat(), "Checking the disk", "{flavor:?}");
        assert!(started.elapsed() < Duration::from_secs(4), "{flavor:?}");
        assert_eq!(
            count.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{flavor:?}"
        );
    }
}
