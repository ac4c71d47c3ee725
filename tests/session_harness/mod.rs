//! Driving the session core in-process against the fake LLM servers: building a `Core` in a
//! temp dir, a scripted operator, and checks that every tool call got exactly one result.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

use opsassist::audit::AuditLog;
use opsassist::config::{Config, HostEntry, ProviderKind};
use opsassist::exec::Executor;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::{Decision, Event, EventEnvelope, Mode, Op, Proposal};
use opsassist::session::prompt::{Prompts, render_system};
use opsassist::session::{self, Core, SessionHandle, SessionOptions};
use opsassist::tools::ToolRegistry;

use crate::support::fake_llm::{FakeLlm, Flavor};

/// The store every [`core`] uses: unset = the files in the data dir (the default); a test
/// binary that sets it (tests/team_sessions.rs), or `OPSASSIST_TEST_STORE=postgres`, runs the
/// same scenarios with the session events and the audit chain also in PostgreSQL.
pub static STORE_URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Session settings for one test.
#[derive(Clone)]
pub struct Setup {
    pub mode: Mode,
    pub auto: bool,
    pub max_steps: u32,
    pub hosts: BTreeMap<String, HostEntry>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            mode: Mode::Heal,
            auto: false,
            max_steps: 10,
            hosts: BTreeMap::new(),
        }
    }
}

/// A Core rooted in `root` (config/ and data/), talking to `fake`.
pub fn core(root: &std::path::Path, fake: &FakeLlm, setup: &Setup) -> Arc<Core> {
    let paths = Paths::in_dir(root);
    std::fs::create_dir_all(&paths.data_dir).expect("data dir");
    std::fs::create_dir_all(&paths.config_dir).expect("config dir");
    let mut config = Config::default();
    config.llm.provider = match fake.flavor {
        Flavor::OpenAi => ProviderKind::Openai,
        Flavor::Ollama => ProviderKind::Ollama,
    };
    config.llm.base_url = Some(fake.base_url.clone());
    config.llm.model = Some("fake-model".into());
    config.llm.max_retries = 0;
    config.hosts = setup.hosts.clone();
    let provider = opsassist::llm::build_provider(&config.llm).expect("provider");
    let tools = ToolRegistry::load(&paths.config_dir).expect("tools");
    let executor = Executor::new(&config, &paths);
    let mut audit = AuditLog::open(&paths.audit_log()).expect("audit");
    // `OPSASSIST_TEST_STORE=postgres` runs any suite built on this harness against a
    // throwaway PostgreSQL cluster (tests/run.sh runs session_loop and crash_resume so).
    if std::env::var("OPSASSIST_TEST_STORE").as_deref() == Ok("postgres") {
        STORE_URL.get_or_init(|| crate::support::postgres::database("suite"));
    }
    if let Some(url) = STORE_URL.get() {
        let pg = Arc::new(opsassist::store::PgStore::connect(url, None).expect("team store"));
        opsassist::session::log::set_event_sink(pg.clone());
        audit = audit.with_sink(Some(pg));
    }
    let prompts = Prompts::load(&paths.config_dir).expect("prompts");
    let system_prompt = render_system(&prompts.system, setup.mode, &config.hosts);
    Arc::new(Core {
        config,
        paths,
        provider,
        tools,
        executor,
        redactor: Redactor::new(Vec::new()),
        audit: Arc::new(Mutex::new(audit)),
        options: SessionOptions {
            mode: setup.mode,
            auto_approve_read_only: setup.auto,
            max_steps: setup.max_steps,
        },
        system_prompt,
        user_template: prompts.user,
    })
}

/// A plain alert for tests.
pub fn alert(title: &str, description: &str) -> opsassist::alert::Alert {
    let payload = serde_json::json!({"title": title, "description": description, "host": "web01", "severity": "critical"});
    let mut alerts = opsassist::alert::parse(payload.to_string().as_bytes(), &Default::default())
        .expect("test alert parses");
    alerts.remove(0)
}

/// Receive events until `done` matches one (inclusive), answering approvals with `decide`.
/// Panics after 30 s.
pub async fn drive(
    handle: &SessionHandle,
    rx: &mut mpsc::UnboundedReceiver<EventEnvelope>,
    mut decide: impl FnMut(&Proposal) -> Option<Decision>,
    done: impl Fn(&Event) -> bool,
) -> Vec<EventEnvelope> {
    let mut seen = Vec::new();
    let mut asked_before: std::collections::HashMap<String, Proposal> =
        std::collections::HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let envelope = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; events so far: {seen:#?}"))
            .unwrap_or_else(|| panic!("session ended; events so far: {seen:#?}"));
        let finished = done(&envelope.event);
        // A re-ask is the same call asked again, with what an approval would now run.
        let asked = match &envelope.event {
            Event::ApprovalRequested { proposal } => {
                asked_before.insert(proposal.call_id.clone(), proposal.clone());
                Some(proposal.clone())
            }
            // The core's offer, as every front end asks it again.
            Event::ApprovalReasked(reask) => {
                asked_before.get(&reask.call_id).map(|p| reask.offer(p))
            }
            _ => None,
        };
        if let Some(proposal) = asked
            && let Some(decision) = decide(&proposal)
        {
            assert!(handle.send(Op::Decide {
                call_id: proposal.call_id.clone(),
                decision,
            }));
        }
        seen.push(envelope);
        if finished {
            return seen;
        }
    }
}

/// True for the `Finished` event.
pub fn finished(event: &Event) -> bool {
    matches!(event, Event::Finished { .. })
}

/// Start a session and drive it to `Finished`.
pub async fn run_session(
    core: Arc<Core>,
    alert: opsassist::alert::Alert,
    decide: impl FnMut(&Proposal) -> Option<Decision>,
) -> (
    SessionHandle,
    mpsc::UnboundedReceiver<EventEnvelope>,
    Vec<EventEnvelope>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(core, alert, tx).expect("start");
    let events = drive(&handle, &mut rx, decide, finished).await;
    (handle, rx, events)
}

pub fn approve() -> Option<Decision> {
    Some(Decision::Approve { confirm: None })
}

/// Every tool call in the log got exactly one `ToolResult`, before the next model turn.
pub fn assert_one_result_per_call_in_log(events: &[EventEnvelope]) {
    let mut open: Vec<String> = Vec::new();
    for e in events {
        match &e.event {
            Event::ModelText { tool_calls, .. } => {
                assert!(open.is_empty(), "model turn before results for {open:?}");
                open = tool_calls.iter().map(|c| c.id.clone()).collect();
            }
            Event::ToolResult { call_id, .. } => {
                let pos = open
                    .iter()
                    .position(|id| id == call_id)
                    .unwrap_or_else(|| panic!("unexpected or duplicate result for {call_id}"));
                open.remove(pos);
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "calls without a result: {open:?}");
}

/// The tool results (content) in a request body, in order, with the OpenAI call id if any.
pub fn tool_messages(body: &Value) -> Vec<(Option<String>, String)> {
    body["messages"]
        .as_array()
        .map(|m| m.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().map(str::to_string),
                m["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// From the server's view: in every request, each assistant message's tool calls are answered
/// by exactly as many tool messages right after it (and by id, for OpenAI).
pub fn assert_requests_answer_every_call(fake: &FakeLlm) {
    let requests = fake.requests();
    assert!(!requests.is_empty(), "no requests reached the server");
    for body in &requests {
        let messages = body["messages"].as_array().expect("messages array");
        let mut i = 0;
        while i < messages.len() {
            let calls = messages[i]["tool_calls"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if messages[i]["role"] == "assistant" && !calls.is_empty() {
                let results: Vec<&Value> = messages[i + 1..]
                    .iter()
                    .take_while(|m| m["role"] == "tool")
                    .collect();
                assert_eq!(
                    results.len(),
                    calls.len(),
                    "results for {calls:?} in {body}"
                );
                if fake.flavor == Flavor::OpenAi {
                    for call in &calls {
                        let id = call["id"].as_str().expect("call id");
                        let n = results.iter().filter(|r| r["tool_call_id"] == id).count();
                        assert_eq!(n, 1, "call {id} answered {n} times");
                    }
                }
                i += results.len();
            }
            i += 1;
        }
    }
}

/// The content of the last tool message that reached the server.
pub fn last_tool_content(fake: &FakeLlm) -> String {
    let requests = fake.requests();
    let last = requests.last().expect("a request");
    tool_messages(last)
        .last()
        .map(|(_, c)| c.clone())
        .unwrap_or_default()
}

/// The events of one kind.
pub fn events_of<'a>(
    events: &'a [EventEnvelope],
    pred: impl Fn(&Event) -> bool + 'a,
) -> Vec<&'a Event> {
    events
        .iter()
        .map(|e| &e.event)
        .filter(|e| pred(e))
        .collect()
}
