//! The agent loop in-process against fake OpenAI (SSE) and Ollama (NDJSON) servers: approve,
//! edit, reject, FIFO order, check mode, destructive confirmation, auto-approve, prefixes,
//! inventory refusal, follow-up messages. Every run checks one result per tool call, both in
//! the session log and in what reached the server.

mod session_harness;
mod support;

use std::collections::BTreeMap;

use serde_json::json;
use tokio::sync::mpsc;

use opsassist::config::HostEntry;
use opsassist::protocol::{Decision, Event, Mode, Op, SessionState, Verdict};
use opsassist::session;
use session_harness::*;
use support::fake_llm::{FakeLlm, Flavor, Reply};

const FLAVORS: [Flavor; 2] = [Flavor::OpenAi, Flavor::Ollama];

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

fn exec_commands(events: &[opsassist::protocol::EventEnvelope]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::ExecStarted { command, .. } => Some(command.clone()),
            _ => None,
        })
        .collect()
}

fn check(fake: &FakeLlm, events: &[opsassist::protocol::EventEnvelope]) {
    assert_one_result_per_call_in_log(events);
    assert_requests_answer_every_call(fake);
}

#[tokio::test]
async fn approve_runs_the_command_and_the_output_reaches_the_model() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::TextThenTools("Let me look.".into(), vec![shell("echo hello-from-test")]),
                Reply::Text("All good: summary.".into()),
            ],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (handle, _rx, events) =
            run_session(core.clone(), alert("Disk full", "x"), |_| approve()).await;
        check(&fake, &events);
        assert_eq!(verdicts(&events), vec![Verdict::Approved]);
        assert!(
            last_tool_content(&fake).contains("hello-from-test"),
            "{flavor:?}"
        );
        assert!(last_tool_content(&fake).contains("exit code 0"));
        let finished = events.last().expect("events");
        assert!(matches!(
            &finished.event,
            Event::Finished {
                state: SessionState::Done,
                ..
            }
        ));
        // The log is the same stream the front end saw, in order, and the output is on disk.
        let log = session::read_log(&core.paths, &handle.id).expect("log");
        assert_eq!(log, events);
        let summary = events
            .iter()
            .find_map(|e| match &e.event {
                Event::ExecFinished { summary } => Some(summary.clone()),
                _ => None,
            })
            .expect("exec finished");
        let full = std::fs::read_to_string(&summary.output_path).expect("output file");
        assert!(full.contains("hello-from-test"));
        let deltas: String = events
            .iter()
            .filter_map(|e| match &e.event {
                Event::ModelDelta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(deltas.contains("Let me look.") && deltas.contains("All good"));
        let listed = session::list(&core.paths).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, handle.id);
        assert_eq!(listed[0].state, SessionState::Done);
        assert_eq!(listed[0].title, "Disk full");
    }
}

#[tokio::test]
async fn edit_runs_the_edited_command_and_tells_the_model() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake =
            FakeLlm::start(flavor, vec![Reply::ToolCalls(vec![shell("echo proposed")])]).await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| {
            Some(Decision::Edit {
                replacement: "echo edited-by-operator".into(),
                confirm: None,
            })
        })
        .await;
        check(&fake, &events);
        assert_eq!(exec_commands(&events), vec!["echo edited-by-operator"]);
        let content = last_tool_content(&fake);
        assert!(content.contains("The operator edited your command before running it."));
        assert!(content.contains("You proposed: echo proposed"));
        assert!(content.contains("It ran: echo edited-by-operator"));
        assert!(content.contains("edited-by-operator\n"), "{content}");
    }
}

#[tokio::test]
async fn reject_runs_nothing_and_the_reason_reaches_the_model() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("marker");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![shell(&format!(
                "touch {}",
                marker.display()
            ))])],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| {
            Some(Decision::Reject {
                reason: "not on prod at 3am".into(),
            })
        })
        .await;
        check(&fake, &events);
        assert!(exec_commands(&events).is_empty());
        assert!(!marker.exists());
        assert_eq!(
            last_tool_content(&fake),
            "The operator rejected this call: not on prod at 3am"
        );
    }
}

#[tokio::test]
async fn two_calls_in_one_turn_run_in_queue_order_whatever_the_decision_order() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![
                shell("echo first"),
                shell("echo second"),
            ])],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let handle = session::start(core, alert("t", "d"), tx).expect("start");
        // Both requests arrive before any decision; answer the second one first.
        let mut requested = Vec::new();
        let mut events = drive(
            &handle,
            &mut rx,
            |_| None,
            |e| matches!(e, Event::ApprovalRequested { .. }),
        )
        .await;
        let more = drive(
            &handle,
            &mut rx,
            |_| None,
            |e| matches!(e, Event::ApprovalRequested { .. }),
        )
        .await;
        events.extend(more);
        for e in &events {
            if let Event::ApprovalRequested { proposal } = &e.event {
                requested.push(proposal.call_id.clone());
            }
        }
        assert_eq!(requested.len(), 2);
        for id in requested.iter().rev() {
            handle.send(Op::Decide {
                call_id: id.clone(),
                decision: Decision::Approve { confirm: None },
            });
        }
        events.extend(drive(&handle, &mut rx, |_| None, finished).await);
        check(&fake, &events);
        assert_eq!(exec_commands(&events), vec!["echo first", "echo second"]);
        let results = tool_messages(fake.requests().last().expect("request"));
        assert!(results[0].1.contains("first") && results[1].1.contains("second"));
    }
}

#[tokio::test]
async fn check_mode_refuses_changes_and_tells_the_model() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("marker");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![
                shell(&format!("touch {}", marker.display())),
                shell("echo looking"),
            ])],
        )
        .await;
        let setup = Setup {
            mode: Mode::Check,
            ..Setup::default()
        };
        let core = core(dir.path(), &fake, &setup);
        let mut asked = Vec::new();
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |p| {
            asked.push(p.command.clone());
            approve()
        })
        .await;
        check(&fake, &events);
        assert!(!marker.exists());
        assert_eq!(
            asked,
            vec!["echo looking"],
            "only the read-only call is asked"
        );
        assert!(
            matches!(&verdicts(&events)[0], Verdict::Refused { reason } if reason.contains("check mode"))
        );
        let results = tool_messages(fake.requests().last().expect("request"));
        assert!(results[0].1.contains("check mode"));
        assert!(results[1].1.contains("looking"));
    }
}

#[tokio::test]
async fn destructive_needs_yes_and_a_bare_approval_is_asked_again() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![shell(&format!(
                "rm -rf {}",
                victim.display()
            ))])],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let mut asks = 0;
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |p| {
            assert_eq!(p.class, opsassist::policy::Class::Destructive);
            asks += 1;
            if asks == 1 {
                Some(Decision::Approve {
                    confirm: Some("y".into()),
                })
            } else {
                Some(Decision::Approve {
                    confirm: Some("yes".into()),
                })
            }
        })
        .await;
        check(&fake, &events);
        assert_eq!(asks, 2);
        assert!(
            events.iter().any(|e| matches!(&e.event, Event::ApprovalReasked(opsassist::protocol::Reask { why, needs_confirm: true, edit: None, .. }) if why.contains("yes"))),
            "a bare approval is asked again, as its own event"
        );
        assert!(!victim.exists());
    }
}

#[tokio::test]
async fn auto_approve_runs_read_only_without_asking_but_still_asks_for_changes() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![
                ("disk_usage".into(), json!({"reason": "space"})),
                shell(&format!("touch {}", dir.path().join("m").display())),
            ])],
        )
        .await;
        let setup = Setup {
            auto: true,
            ..Setup::default()
        };
        let core = core(dir.path(), &fake, &setup);
        let mut asked = Vec::new();
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |p| {
            asked.push(p.tool.clone());
            Some(Decision::Reject {
                reason: "no".into(),
            })
        })
        .await;
        check(&fake, &events);
        assert_eq!(asked, vec!["local_shell"]);
        assert!(matches!(
            &verdicts(&events)[0],
            Verdict::AutoApproved { .. }
        ));
        assert_eq!(exec_commands(&events).len(), 1);
    }
}

#[tokio::test]
async fn approved_prefix_covers_later_calls_but_never_chained_ones() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("chained");
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::ToolCalls(vec![shell("printf one")]),
                Reply::ToolCalls(vec![shell("printf two")]),
                Reply::ToolCalls(vec![shell(&format!(
                    "printf three && touch {}",
                    marker.display()
                ))]),
            ],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let mut asked = Vec::new();
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |p| {
            asked.push(p.command.clone());
            if asked.len() == 1 {
                Some(Decision::ApprovePrefix)
            } else {
                Some(Decision::Reject {
                    reason: "chained".into(),
                })
            }
        })
        .await;
        check(&fake, &events);
        assert_eq!(asked.len(), 2, "{asked:?}");
        assert!(asked[1].contains("&&"));
        assert!(matches!(
            &verdicts(&events)[1],
            Verdict::AutoApproved { .. }
        ));
        assert_eq!(exec_commands(&events), vec!["printf one", "printf two"]);
        assert!(!marker.exists());
    }
}

#[tokio::test]
async fn a_host_outside_the_inventory_is_refused_before_ssh() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![(
                "remote_shell".into(),
                json!({"host": "evil.example.com", "command": "uptime"}),
            )])],
        )
        .await;
        let mut hosts = BTreeMap::new();
        hosts.insert(
            "web01".to_string(),
            HostEntry {
                destination: "127.0.0.1".into(),
                port: Some(1),
                tags: vec![],
            },
        );
        let setup = Setup {
            hosts,
            ..Setup::default()
        };
        let core = core(dir.path(), &fake, &setup);
        let (_h, _rx, events) =
            run_session(core, alert("t", "d"), |_| panic!("nothing to ask")).await;
        check(&fake, &events);
        assert!(exec_commands(&events).is_empty());
        let content = last_tool_content(&fake);
        assert!(
            content.contains("evil.example.com") && content.contains("inventory"),
            "{content}"
        );
        assert!(matches!(&verdicts(&events)[0], Verdict::Refused { .. }));
    }
}

#[tokio::test]
async fn a_follow_up_message_resumes_the_same_conversation() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::Text("First summary.".into()),
                Reply::Text("Second look done.".into()),
            ],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (handle, mut rx, mut events) = run_session(core, alert("t", "d"), |_| None).await;
        assert!(handle.send(Op::UserMessage {
            text: "check again please".into(),
        }));
        events.extend(drive(&handle, &mut rx, |_| None, finished).await);
        let requests = fake.requests();
        assert_eq!(requests.len(), 2);
        let messages = requests[1]["messages"].as_array().expect("messages");
        let texts: Vec<String> = messages
            .iter()
            .map(|m| m["content"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(texts.iter().any(|t| t == "First summary."));
        assert_eq!(texts.last().map(String::as_str), Some("check again please"));
        assert!(handle.send(Op::Shutdown));
    }
}

#[tokio::test]
async fn the_step_limit_hands_back_to_the_operator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell("echo 1")]),
            Reply::ToolCalls(vec![shell("echo 2")]),
            Reply::ToolCalls(vec![shell("echo 3")]),
        ],
    )
    .await;
    let setup = Setup {
        max_steps: 2,
        auto: true,
        ..Setup::default()
    };
    let core = core(dir.path(), &fake, &setup);
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    assert_one_result_per_call_in_log(&events);
    assert_eq!(fake.chat_count(), 2);
    assert!(
        matches!(&events.last().expect("e").event, Event::Finished { reason, .. } if reason.contains("step limit"))
    );
}

#[tokio::test]
async fn provider_failure_fails_the_turn_and_a_message_retries_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::Ollama,
        vec![
            Reply::Status(404, r#"{"error":"model 'fake-model' not found"}"#.into()),
            Reply::Text("Recovered.".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (handle, mut rx, events) = run_session(core, alert("t", "d"), |_| None).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, Event::Error { .. }))
    );
    assert!(matches!(
        &events.last().expect("e").event,
        Event::Finished {
            state: SessionState::Failed,
            ..
        }
    ));
    handle.send(Op::UserMessage {
        text: "try again".into(),
    });
    let more = drive(&handle, &mut rx, |_| None, finished).await;
    assert!(matches!(
        &more.last().expect("e").event,
        Event::Finished {
            state: SessionState::Done,
            ..
        }
    ));
    // The console's connection indicator follows the model: unusable, then usable again,
    // each reported once.
    let connection: Vec<bool> = events
        .iter()
        .chain(more.iter())
        .filter_map(|e| match &e.event {
            Event::Connection { connected, .. } => Some(*connected),
            _ => None,
        })
        .collect();
    assert_eq!(connection, vec![false, true]);
}

#[tokio::test]
async fn shutdown_with_pending_calls_answers_each_and_runs_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![Reply::ToolCalls(vec![shell("echo a"), shell("echo b")])],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(core.clone(), alert("t", "d"), tx).expect("start");
    let mut events = drive(
        &handle,
        &mut rx,
        |_| None,
        |e| matches!(e, Event::ApprovalRequested { .. }),
    )
    .await;
    handle.send(Op::Shutdown);
    events.extend(drive(&handle, &mut rx, |_| None, finished).await);
    assert_one_result_per_call_in_log(&events);
    assert!(exec_commands(&events).is_empty());
    let listed = session::list(&core.paths).expect("list");
    assert_eq!(listed[0].state, SessionState::Done);
}

/// Group commit batches delivery but never reorders it: front ends get every event, in log
/// order, each already written to the log when it arrives, and the command sees its own
/// `ExecStarted` in the log.
#[tokio::test]
async fn events_arrive_in_log_order_already_written_and_exec_started_precedes_the_spawn() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let sessions = dir.path().join("data/sessions");
        let probe = format!(
            "grep -c '\"type\":\"exec_started\"' {}/*.jsonl",
            sessions.display()
        );
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::TextThenTools("Checking the log.".into(), vec![shell(&probe)]),
                Reply::Text("Done: the log was written first.".into()),
            ],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let handle = session::start(core, alert("Ordering", "x"), tx).expect("start");
        let log = sessions.join(format!("{}.jsonl", handle.id));
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let envelope = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .expect("timed out")
                .expect("session ended");
            let on_disk = std::fs::read_to_string(&log).expect("read log");
            assert!(
                on_disk.contains(&format!("\"seq\":{},", envelope.seq)),
                "{flavor:?}: seq {} delivered before it was written",
                envelope.seq
            );
            if let Event::ApprovalRequested { proposal } = &envelope.event {
                handle.send(Op::Decide {
                    call_id: proposal.call_id.clone(),
                    decision: Decision::Approve { confirm: None },
                });
            }
            let done = matches!(envelope.event, Event::Finished { .. });
            seen.push(envelope.seq);
            if done {
                break;
            }
        }
        let expected: Vec<u64> = (1..=seen.len() as u64).collect();
        assert_eq!(seen, expected, "{flavor:?}");
        let result = last_tool_content(&fake);
        assert!(
            result.contains("exit code 0") && result.contains(">>>\n1\n<<<"),
            "{flavor:?}: the command did not find its ExecStarted in the log: {result}"
        );
        handle.send(Op::Shutdown);
    }
}

#[tokio::test]
async fn the_approval_shows_the_models_reason_from_its_argument_or_its_text() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![
                Reply::ToolCalls(vec![shell("echo with-argument")]),
                Reply::TextThenTools(
                    "Disk looks fine.\n\nNext I check memory pressure.".into(),
                    vec![("local_shell".into(), json!({"command": "echo no-argument"}))],
                ),
            ],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
        check(&fake, &events);
        let reasons: Vec<Option<String>> = events
            .iter()
            .filter_map(|e| match &e.event {
                Event::ApprovalRequested { proposal } => Some(proposal.reason.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            reasons,
            vec![
                Some("test step".to_string()),
                Some("Next I check memory pressure.".to_string())
            ]
        );
    }
}

#[tokio::test]
async fn a_call_cut_at_the_token_limit_is_refused_and_the_operator_is_warned() {
    // Ollama never streams a partial tool call, so only the OpenAI protocol can cut one.
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("marker");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![Reply::TruncatedToolCall(
            "local_shell".into(),
            format!("{{\"command\": \"touch {}", marker.display()),
        )],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    check(&fake, &events);
    assert!(!marker.exists());
    assert!(exec_commands(&events).is_empty());
    assert!(
        events
            .iter()
            .all(|e| !matches!(e.event, Event::ApprovalRequested { .. }))
    );
    assert!(matches!(
        verdicts(&events).as_slice(),
        [Verdict::Refused { reason }] if reason.contains("cut at the token limit")
    ));
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::Warning { message } if message.contains("max_tokens = 4096")
    )));
}

#[tokio::test]
async fn a_text_answer_cut_at_the_token_limit_says_so_instead_of_finished() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(flavor, vec![Reply::Truncated("The disk is".into())]).await;
        let core = core(dir.path(), &fake, &Setup::default());
        let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
        assert!(events.iter().any(|e| matches!(
            &e.event,
            Event::Warning { message } if message.contains("cut at max_tokens")
        )));
        assert!(events.iter().any(|e| matches!(
            &e.event,
            Event::Finished { state: SessionState::Done, reason } if reason.contains("cut at max_tokens")
        )));
    }
}

#[tokio::test]
async fn secrets_the_operator_types_in_an_edit_or_a_reason_never_reach_the_model() {
    let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::start(
            flavor,
            vec![Reply::ToolCalls(vec![shell("echo one"), shell("echo two")])],
        )
        .await;
        let core = core(dir.path(), &fake, &Setup::default());
        let mut n = 0;
        let (_h, _rx, events) = run_session(core, alert("t", "d"), move |_| {
            n += 1;
            Some(if n == 1 {
                Decision::Edit {
                    replacement: format!("true GITHUB_TOKEN={token}"),
                    confirm: None,
                }
            } else {
                Decision::Reject {
                    reason: format!("use {token} instead"),
                }
            })
        })
        .await;
        check(&fake, &events);
        let bodies = serde_json::to_string(&fake.requests()).expect("json");
        assert!(!bodies.contains(token), "a typed secret reached the model");
        assert!(bodies.contains("[REDACTED:"), "{bodies}");
    }
}

/// The proposals announced by `CallProposed` and asked by `ApprovalRequested`, by call id.
fn announced(events: &[opsassist::protocol::EventEnvelope]) -> (Vec<String>, Vec<String>) {
    let mut proposed = Vec::new();
    let mut asked = Vec::new();
    for e in events {
        match &e.event {
            Event::CallProposed { proposal } => proposed.push(proposal.command.clone()),
            Event::ApprovalRequested { proposal } => asked.push(proposal.command.clone()),
            _ => {}
        }
    }
    (proposed, asked)
}

#[tokio::test]
async fn every_call_is_announced_and_only_waiting_ones_are_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let touched = dir.path().join("touched");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![Reply::ToolCalls(vec![
            shell("echo auto"),
            shell(&format!("touch {}", touched.display())),
            ("local_shell".into(), json!({"no_command": true})),
        ])],
    )
    .await;
    let setup = Setup {
        auto: true,
        mode: Mode::Check,
        ..Setup::default()
    };
    let core = core(dir.path(), &fake, &setup);
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    check(&fake, &events);
    let (proposed, asked) = announced(&events);
    assert_eq!(proposed.len(), 3, "{proposed:?}");
    assert_eq!(proposed[0], "echo auto");
    assert_eq!(proposed[1], format!("touch {}", touched.display()));
    assert!(proposed[2].contains("no_command"), "{proposed:?}");
    assert!(asked.is_empty(), "nothing waited: {asked:?}");
    let verdicts = verdicts(&events);
    assert_eq!(verdicts.len(), 3, "{verdicts:?}");
    assert!(
        verdicts.iter().any(
            |v| matches!(v, Verdict::AutoApproved { rule } if rule == "auto-approve read-only")
        )
    );
    assert!(
        verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Refused { reason } if reason.contains("check mode")))
    );
    assert!(!touched.exists());
}

#[tokio::test]
async fn the_proposal_carries_the_offer_and_a_destructive_edit_is_reasked_then_recorded_with_its_class()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![
            Reply::ToolCalls(vec![shell(&format!("ls {}", victim.display()))]),
            Reply::Text("ok".into()),
        ],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let edit = format!("rm -rf {}", victim.display());
    let mut asks = Vec::new();
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |p| {
        asks.push((p.class, p.needs_confirm, p.command.clone()));
        Some(Decision::Edit {
            replacement: edit.clone(),
            confirm: (asks.len() > 1).then(|| "yes".to_string()),
        })
    })
    .await;
    check(&fake, &events);
    let first = events.iter().find_map(|e| match &e.event {
        Event::ApprovalRequested { proposal } => Some(proposal.clone()),
        _ => None,
    });
    let first = first.expect("asked");
    assert!(!first.needs_confirm);
    assert_eq!(first.class, opsassist::policy::Class::ReadOnly);
    assert_eq!(
        first.allows(opsassist::protocol::DecisionKind::ApprovePrefix),
        first.prefix.is_some()
    );
    assert_eq!(asks.len(), 2, "{asks:?}");
    assert_eq!(
        asks[1],
        (opsassist::policy::Class::Destructive, true, edit.clone()),
        "the re-ask carries the edited command and its class"
    );
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::ApprovalReasked(opsassist::protocol::Reask { edit: Some(r), needs_confirm: true, .. }) if *r == edit
    )));
    assert!(
        verdicts(&events).iter().any(|v| matches!(
            v,
            Verdict::Edited {
                class: Some(opsassist::policy::Class::Destructive),
                ..
            }
        )),
        "the log records the class of what ran"
    );
    assert!(!victim.exists());
}

/// The core says what the offered prefix covers and what it does not (the scope prompt shows
/// it): the same command aimed at another host is never covered.
#[tokio::test]
async fn a_proposal_carries_the_core_s_scope_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::start(
        Flavor::OpenAi,
        vec![Reply::ToolCalls(vec![shell("systemctl status cron")])],
    )
    .await;
    let core = core(dir.path(), &fake, &Setup::default());
    let (_h, _rx, events) = run_session(core, alert("t", "d"), |_| approve()).await;
    let examples = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ApprovalRequested { proposal } => proposal.scope_examples.clone(),
            _ => None,
        })
        .expect("the proposal carries scope examples");
    assert_eq!(examples.prefix, "systemctl status");
    assert!(
        examples
            .covered
            .iter()
            .any(|c| c == "systemctl status cron"),
        "{examples:?}"
    );
    assert!(
        examples.not_covered.iter().any(|c| c.contains("-H ")),
        "{examples:?}"
    );
}
