//! The real `opsassist run` binary against fake OpenAI and Ollama servers, with decisions
//! scripted on stdin: approve, reject with reason, edit, end of input, `--json`, bad input.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use opsassist::protocol::{Event, EventEnvelope};
use support::fake_llm::{FakeLlm, Flavor, Reply};

const FLAVORS: [Flavor; 2] = [Flavor::OpenAi, Flavor::Ollama];

fn shell(command: &str) -> (String, Value) {
    (
        "local_shell".into(),
        json!({"command": command, "reason": "look at it"}),
    )
}

struct Run {
    out: Output,
    stdout: String,
    stderr: String,
}

fn write_alert(dir: &Path) -> PathBuf {
    let path = dir.join("alert.json");
    std::fs::write(
        &path,
        r#"{"title":"Disk almost full","severity":"critical","host":"web01","description":"/var at 97%"}"#,
    )
    .expect("alert");
    path
}

fn run(dir: &Path, fake: &FakeLlm, alert: &Path, stdin: &str, extra: &[&str]) -> Run {
    let provider = match fake.flavor {
        Flavor::OpenAi => "openai",
        Flavor::Ollama => "ollama",
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .arg("run")
        .arg("--alert")
        .arg(alert)
        .args([
            "--provider",
            provider,
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ])
        .args(extra)
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env("OPSASSIST_RETRY_BASE_MS", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OLLAMA_HOST")
        // As under su, cron or in a container: the audit log must still name the operator.
        .env_remove("USER")
        .env_remove("LOGNAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn opsassist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        out,
    }
}

fn outputs(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(sessions) = std::fs::read_dir(dir.join("data/outputs")) {
        for s in sessions.flatten() {
            for f in std::fs::read_dir(s.path())
                .expect("session outputs")
                .flatten()
            {
                files.push(f.path());
            }
        }
    }
    files
}

#[test]
fn y_approves_and_the_output_is_shown_kept_and_sent_back() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = FakeLlm::spawn_blocking(
            flavor,
            vec![
                Reply::TextThenTools("Checking disk.".into(), vec![shell("echo headless-ok")]),
                Reply::Text("Summary: fine.".into()),
            ],
        );
        let alert = write_alert(dir.path());
        let r = run(dir.path(), &fake, &alert, "y\n", &[]);
        assert!(
            r.out.status.success(),
            "{flavor:?}: {}\n{}",
            r.stdout,
            r.stderr
        );
        assert!(r.stdout.contains("Checking disk."));
        assert!(r.stdout.contains("on:      local"));
        assert!(r.stdout.contains("command: echo headless-ok"));
        assert!(r.stdout.contains("✔ approved"));
        assert!(r.stdout.contains("│ headless-ok"));
        assert!(r.stdout.contains("Summary: fine."));
        let files = outputs(dir.path());
        assert_eq!(files.len(), 1);
        assert!(
            std::fs::read_to_string(&files[0])
                .expect("output")
                .contains("headless-ok")
        );
        let last = fake.requests().last().cloned().expect("request");
        assert!(last.to_string().contains("headless-ok"));
        let whoami = Command::new("id").arg("-un").output().expect("id -un");
        let account = String::from_utf8_lossy(&whoami.stdout).trim().to_string();
        let audit = std::fs::read_to_string(dir.path().join("data/audit.jsonl")).expect("audit");
        assert!(audit.lines().count() >= 4, "proposal, decision, start, end");
        for line in audit.lines() {
            let record: Value = serde_json::from_str(line).expect("audit record");
            assert_eq!(record["operator"], account.as_str(), "{line}");
        }
    }
}

#[test]
fn n_rejects_with_the_next_line_as_reason() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("marker");
        let fake = FakeLlm::spawn_blocking(
            flavor,
            vec![Reply::ToolCalls(vec![shell(&format!(
                "touch {}",
                marker.display()
            ))])],
        );
        let alert = write_alert(dir.path());
        let r = run(dir.path(), &fake, &alert, "n\nwrong host\n", &[]);
        assert!(r.out.status.success(), "{}", r.stderr);
        assert!(r.stdout.contains("✘ rejected: wrong host"));
        assert!(!marker.exists());
        assert!(outputs(dir.path()).is_empty());
        let last = fake
            .requests()
            .last()
            .cloned()
            .expect("request")
            .to_string();
        assert!(last.contains("The operator rejected this call: wrong host"));
    }
}

#[test]
fn e_edits_with_the_next_line_as_the_command() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let fake =
            FakeLlm::spawn_blocking(flavor, vec![Reply::ToolCalls(vec![shell("echo original")])]);
        let alert = write_alert(dir.path());
        let r = run(dir.path(), &fake, &alert, "e\necho replaced-line\n", &[]);
        assert!(r.out.status.success(), "{}", r.stderr);
        assert!(
            r.stdout
                .contains("✎ edited: echo original → echo replaced-line")
        );
        assert!(r.stdout.contains("│ replaced-line"));
        let last = fake
            .requests()
            .last()
            .cloned()
            .expect("request")
            .to_string();
        assert!(last.contains("The operator edited your command before running it."));
    }
}

#[test]
fn end_of_input_rejects_and_stops_and_nothing_runs() {
    for flavor in FLAVORS {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("marker");
        let fake = FakeLlm::spawn_blocking(
            flavor,
            vec![Reply::ToolCalls(vec![
                shell(&format!("touch {}", marker.display())),
                shell(&format!("touch {}.2", marker.display())),
            ])],
        );
        let alert = write_alert(dir.path());
        let r = run(dir.path(), &fake, &alert, "", &[]);
        assert!(r.out.status.success(), "{}", r.stderr);
        assert!(r.stdout.contains("✘ rejected: end of input"));
        assert!(r.stderr.contains("end of input"));
        assert!(!marker.exists());
        assert!(outputs(dir.path()).is_empty());
        assert_eq!(fake.chat_count(), 1, "no model turn after the stop");
    }
}

#[test]
fn destructive_bare_y_asks_again_and_yes_runs_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&victim).expect("mkdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![shell(&format!(
        "rm -rf {}",
        victim.display()
    ))])]);
    let alert = write_alert(dir.path());
    let r = run(dir.path(), &fake, &alert, "y\nyes\n", &[]);
    assert!(r.out.status.success(), "{}", r.stderr);
    assert!(r.stdout.contains("DESTRUCTIVE"));
    assert!(r.stdout.contains("type `yes`"));
    assert!(!victim.exists());
}

#[test]
fn the_typed_word_goes_to_the_core_which_judges_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&victim).expect("mkdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![shell(&format!(
        "rm -rf {}",
        victim.display()
    ))])]);
    let alert = write_alert(dir.path());
    // `ye` is not the word: the core asks again. `YES` is (the gate ignores case).
    let r = run(dir.path(), &fake, &alert, "ye\nYES\n", &[]);
    assert!(r.out.status.success(), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("↺ asked again: destructive command: type `yes`"),
        "{}",
        r.stdout
    );
    assert!(!victim.exists(), "{}", r.stdout);
}

#[test]
fn json_prints_every_event_as_jsonl_and_prompts_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake =
        FakeLlm::spawn_blocking_ollama(vec![Reply::ToolCalls(vec![shell("echo json-mode")])]);
    let alert = write_alert(dir.path());
    let r = run(dir.path(), &fake, &alert, "y\n", &["--json"]);
    assert!(r.out.status.success(), "{}", r.stderr);
    let events: Vec<EventEnvelope> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(matches!(events[0].event, Event::SessionStarted { .. }));
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert!(events.iter().any(|e| matches!(&e.event, Event::ExecFinished { summary } if summary.model_output.contains("json-mode"))));
    assert!(matches!(
        events.last().expect("e").event,
        Event::Finished { .. }
    ));
    assert!(r.stderr.contains("command: echo json-mode"));
    // The same session is listed and shown by `opsassist sessions`.
    let list = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "list"])
        .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
        .output()
        .expect("sessions list");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains(&events[0].session_id)
            && text.contains("Disk almost full")
            && text.contains("done"),
        "{text}"
    );
    let show = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "show", &events[0].session_id])
        .env("OPSASSIST_DATA_DIR", dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.path().join("config"))
        .output()
        .expect("sessions show");
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(show.status.success());
    assert!(
        text.contains("$ echo json-mode") && text.contains("│ json-mode"),
        "{text}"
    );
}

#[test]
fn bad_input_fails_with_one_line_and_no_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![]);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").expect("write");
    let r = run(dir.path(), &fake, &bad, "", &[]);
    assert_eq!(r.out.status.code(), Some(2), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    let r = run(
        dir.path(),
        &fake,
        &write_alert(dir.path()),
        "",
        &["--auto-approve", "change"],
    );
    assert!(!r.out.status.success());
    assert!(r.stderr.contains("only `read-only`"), "{}", r.stderr);
    assert_eq!(fake.chat_count(), 0);
}

#[test]
fn an_unreachable_model_exits_non_zero_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::Status(
        401,
        r#"{"error":{"message":"bad key"}}"#.into(),
    )]);
    let r = run(dir.path(), &fake, &write_alert(dir.path()), "", &[]);
    assert_eq!(r.out.status.code(), Some(1), "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("401") || r.stderr.to_lowercase().contains("auth"),
        "{}",
        r.stderr
    );
}

fn sessions_show(dir: &Path) -> String {
    let list = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "list", "--json"])
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .output()
        .expect("sessions list");
    let first: Value = String::from_utf8_lossy(&list.stdout)
        .lines()
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    let id = first["id"].as_str().unwrap_or_default().to_string();
    let show = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(["sessions", "show", &id])
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .output()
        .expect("sessions show");
    String::from_utf8_lossy(&show.stdout).into_owned()
}

#[test]
fn auto_approved_and_refused_calls_show_their_command_in_run_and_sessions_show() {
    let dir = tempfile::tempdir().expect("tempdir");
    let touched = dir.path().join("touched");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![
            shell("echo auto-visible"),
            shell(&format!("touch {}", touched.display())),
        ]),
        Reply::Text("Diagnosed.".into()),
    ]);
    let alert = write_alert(dir.path());
    let r = run(
        dir.path(),
        &fake,
        &alert,
        "",
        &["--mode", "check", "--auto-approve", "read-only"],
    );
    assert!(r.out.status.success(), "{}", r.stderr);
    for text in [r.stdout.clone(), sessions_show(dir.path())] {
        assert!(text.contains("┌ call: local_shell"), "{text}");
        assert!(text.contains("command: echo auto-visible"), "{text}");
        assert!(
            text.contains("✔ approved automatically (auto-approve read-only)"),
            "{text}"
        );
        assert!(
            text.contains(&format!("command: touch {}", touched.display())),
            "{text}"
        );
        assert!(
            text.contains("⛔ refused: refused: the session is in check mode"),
            "{text}"
        );
    }
    assert!(!touched.exists());
}

#[test]
fn the_prompt_says_what_a_remembers_and_a_is_refused_when_no_prefix_is_offered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![shell("echo one && echo two")]),
        Reply::Text("Done.".into()),
    ]);
    let alert = write_alert(dir.path());
    let r = run(dir.path(), &fake, &alert, "a\ny\n", &[]);
    assert!(r.out.status.success(), "{}", r.stderr);
    assert!(
        r.stdout.contains("a: no prefix for this command"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("answer y, n, e (got `a`)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("│ one"), "{}", r.stdout);
}

#[test]
fn an_edit_that_turns_destructive_is_asked_again_with_its_class_and_needs_yes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(victim.join("sub")).expect("mkdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![shell(&format!("ls {}", victim.display()))]),
        Reply::Text("Removed.".into()),
    ]);
    let alert = write_alert(dir.path());
    let edit = format!("rm -rf {}", victim.display());
    // A bare approval of the re-ask is not enough; then `yes` for the edited text runs it.
    let r = run(
        dir.path(),
        &fake,
        &alert,
        &format!("e\n{edit}\nno\ne\n{edit}\nyes\n"),
        &[],
    );
    assert!(r.out.status.success(), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("↺ asked again: the edited command is destructive"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("class:   DESTRUCTIVE"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("the edited command `{edit}` is DESTRUCTIVE")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[destructive]"), "{}", r.stdout);
    assert!(!victim.exists());
}

#[test]
fn a_json_edit_the_core_refuses_is_asked_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![(
            "log_tail".into(),
            json!({"path": "/etc/hostname", "lines": 5}),
        )]),
        Reply::Text("Read.".into()),
    ]);
    let alert = write_alert(dir.path());
    let r = run(dir.path(), &fake, &alert, "e\nnot json\ny\n", &[]);
    assert!(r.out.status.success(), "{}", r.stderr);
    assert!(
        r.stdout.contains("↺ asked again: edit not accepted"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("✔ approved"), "{}", r.stdout);
}
