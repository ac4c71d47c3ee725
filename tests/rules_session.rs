//! Approval rules in the agent loop with the fake model: an allow rule runs a call without
//! asking and is named in the verdict and the audit log; a forbid rule refuses a call the
//! operator would approve, and an edit to a forbidden command, and the model is told which
//! rule refused it.

mod session_harness;
mod support;

use std::sync::Arc;

use serde_json::json;

use opsassist::protocol::{Decision, Event, Verdict};
use opsassist::session::Core;
use opsassist::session::rules::RuleSet;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

fn shell(command: &str) -> (String, serde_json::Value) {
    (
        "local_shell".into(),
        json!({"command": command, "reason": "test step"}),
    )
}

fn verdicts(events: &[opsassist::protocol::EventEnvelope]) -> Vec<Verdict> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Decided { verdict, .. } => Some(verdict.clone()),
            _ => None,
        })
        .collect()
}

const RULES: &str = r#"[[rule]]
name = "echo-ok"
action = "allow"
prefix = "echo"
tools = ["local_shell"]
match = ["echo hello"]

[[rule]]
name = "no-touch"
action = "forbid"
prefix = "touch"
reason = "nothing is created from a console"
match = ["touch /tmp/x"]
"#;

/// The harness core with the rules of `RULES` loaded from its config dir.
fn with_rules(core: Arc<Core>) -> Arc<Core> {
    let Ok(mut core) = Arc::try_unwrap(core) else {
        panic!("the core is shared");
    };
    std::fs::write(core.paths.config_dir.join("rules.toml"), RULES).expect("write rules");
    let set = RuleSet::load(&core.paths.config_dir, &[], Default::default())
        .unwrap_or_else(|e| panic!("rules: {e}"));
    core.config.rules = Arc::new(set);
    Arc::new(core)
}

#[tokio::test]
async fn an_allow_rule_runs_without_asking_and_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell("echo allowed-by-rule")]),
            Reply::Text("done".into()),
        ],
    )
    .await;
    let core = with_rules(core(dir.path(), &fake, &Setup::default()));
    let mut asked = 0;
    let (_h, _rx, events) = run_session(core.clone(), alert("t", "d"), |_| {
        asked += 1;
        None
    })
    .await;
    assert_eq!(asked, 0, "an allowed call is never asked");
    assert_eq!(
        verdicts(&events),
        vec![Verdict::AutoApproved {
            rule: "rule `echo-ok` (rules.toml:1)".into()
        }]
    );
    assert!(last_tool_content(&fake).contains("allowed-by-rule"));
    let audit = std::fs::read_to_string(core.paths.audit_log()).expect("audit log");
    assert!(audit.contains("rule `echo-ok` (rules.toml:1)"), "{audit}");
}

#[tokio::test]
async fn a_forbid_rule_refuses_what_the_operator_would_approve_and_tells_the_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("marker");
    let command = format!("touch {}", marker.display());
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell(&command)]),
            Reply::Text("ok".into()),
        ],
    )
    .await;
    let core = with_rules(core(dir.path(), &fake, &Setup::default()));
    let (_h, _rx, events) = run_session(core.clone(), alert("t", "d"), |_| {
        Some(Decision::Approve {
            confirm: Some("yes".into()),
        })
    })
    .await;
    let why = "forbidden by rule `no-touch` (rules.toml:8): nothing is created from a console";
    assert_eq!(
        verdicts(&events),
        vec![Verdict::Refused { reason: why.into() }]
    );
    assert!(!marker.exists(), "a forbidden command never runs");
    assert!(last_tool_content(&fake).contains(why));
    let audit = std::fs::read_to_string(core.paths.audit_log()).expect("audit log");
    assert!(audit.contains("rule `no-touch` (rules.toml:8)"), "{audit}");
}

#[tokio::test]
async fn a_forbid_rule_refuses_an_operators_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("marker");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell("uname -a; sleep 0")]),
            Reply::Text("ok".into()),
        ],
    )
    .await;
    let core = with_rules(core(dir.path(), &fake, &Setup::default()));
    let replacement = format!("touch {}", marker.display());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| {
        Some(Decision::Edit {
            replacement: replacement.clone(),
            confirm: Some("yes".into()),
        })
    })
    .await;
    assert!(!marker.exists(), "a forbidden edit never runs");
    let verdicts = verdicts(&events);
    assert!(
        matches!(verdicts.as_slice(), [Verdict::Refused { reason }]
            if reason.contains("forbidden by rule `no-touch` (rules.toml:8)")),
        "{verdicts:?}"
    );
    let told = last_tool_content(&fake);
    assert!(
        told.contains("The operator edited your command") && told.contains("no-touch"),
        "{told}"
    );
}
