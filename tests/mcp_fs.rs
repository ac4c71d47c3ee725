//! The reference MCP filesystem server (from the npm registry, over stdio) behind the gate,
//! driven by `opsassist run` and a scripted OpenAI model: trusted read-only calls run under
//! `--auto-approve read-only`, writes need a typed `yes`, a `tool =` forbid rule holds,
//! untrusted servers' calls are all asked, secrets a file holds never reach the model, a JSON
//! edit that breaks the schema is refused and stays pending, and a server killed mid-call
//! gives a clear error while the session goes on and the next call restarts it.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use support::fake_llm::{FakeLlm, Reply};

struct Setup {
    dir: tempfile::TempDir,
    /// The directory the server may read and write.
    root: PathBuf,
}

fn setup(trust: bool, extra_config: &str, rules: &str) -> Setup {
    let server = support::mcp_servers::fs_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("share");
    std::fs::create_dir_all(&root).expect("share");
    std::fs::write(
        root.join("notes.txt"),
        "disk is at 97% because of /var/log/big.log\n",
    )
    .expect("notes");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config");
    let command = json!(["node", server, root]);
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[[mcp]]\nname = \"fs\"\ncommand = {command}\ntrust_annotations = {trust}\n\
             timeout_secs = 20\n{extra_config}"
        ),
    )
    .expect("config.toml");
    if !rules.is_empty() {
        std::fs::write(config.join("rules.toml"), rules).expect("rules.toml");
    }
    Setup { dir, root }
}

fn alert(dir: &Path) -> PathBuf {
    let path = dir.join("alert.json");
    std::fs::write(
        &path,
        r#"{"title":"Disk almost full","severity":"critical","description":"/var at 97%"}"#,
    )
    .expect("alert");
    path
}

fn command(s: &Setup, fake: &FakeLlm, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsassist"));
    cmd.arg("run")
        .arg("--alert")
        .arg(alert(s.dir.path()))
        .args([
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
        ])
        .args(extra)
        .env("OPSASSIST_DATA_DIR", s.dir.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", s.dir.path().join("config"))
        .env("OPSASSIST_RETRY_BASE_MS", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(s: &Setup, fake: &FakeLlm, stdin: &str, extra: &[&str]) -> (Output, String) {
    let mut child = command(s, fake, extra).spawn().expect("spawn opsassist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn call(tool: &str, args: Value) -> (String, Value) {
    (format!("mcp__fs__{tool}"), args)
}

/// Every request body the model server received, as one string.
fn bodies(fake: &FakeLlm) -> String {
    fake.requests()
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn trusted_reads_run_unasked_and_a_write_needs_a_typed_yes() {
    let s = setup(true, "", "");
    let notes = s.root.join("notes.txt");
    let out = s.root.join("out.txt");
    let script = || {
        vec![
            Reply::ToolCalls(vec![call("read_text_file", json!({"path": notes}))]),
            Reply::ToolCalls(vec![call(
                "write_file",
                json!({"path": out, "content": "written by the model"}),
            )]),
            Reply::Text("Done.".into()),
        ]
    };
    // A bare `y` on the write runs nothing: it is asked again, then the input ends.
    let fake = FakeLlm::spawn_blocking_openai(script());
    let (status, text) = run(&s, &fake, "y\n", &["--auto-approve", "read-only"]);
    assert!(status.status.success(), "{text}");
    assert!(text.contains("auto-approve read-only"), "{text}");
    assert!(text.contains("type `yes`"), "{text}");
    assert!(!out.exists(), "a bare y must not write: {text}");
    // The read ran unasked and its text reached the model, marked untrusted.
    let sent = bodies(&fake);
    assert!(sent.contains("/var/log/big.log"), "{sent}");
    assert!(sent.contains("UNTRUSTED-DATA"));
    // The tools were offered with the server's schema and a marked description.
    let first = &fake.requests()[0];
    let tools = first["tools"].as_array().expect("tools offered");
    let read = tools
        .iter()
        .find(|t| t["function"]["name"] == "mcp__fs__read_text_file")
        .expect("read_text_file offered");
    assert!(
        read["function"]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("[MCP server `fs`; its description is untrusted"))
    );
    assert_eq!(read["function"]["parameters"]["type"], "object");

    // Typed `yes` runs it.
    let fake = FakeLlm::spawn_blocking_openai(script());
    let (status, text) = run(&s, &fake, "y\nyes\n", &["--auto-approve", "read-only"]);
    assert!(status.status.success(), "{text}");
    assert!(text.contains("DESTRUCTIVE"), "{text}");
    assert_eq!(
        std::fs::read_to_string(&out).expect("written"),
        "written by the model"
    );
    // Audited: server, tool, arguments and the result's sha256.
    let audit = std::fs::read_to_string(s.dir.path().join("data/audit.jsonl")).expect("audit");
    assert!(audit.contains("mcp__fs__write_file"), "{audit}");
    assert!(
        audit.contains("mcp: fs") || audit.contains("\"server\":\"fs\""),
        "{audit}"
    );
    assert!(audit.contains("output_sha256"), "{audit}");
    // `sessions show` and the postmortem export name the server, tool and arguments.
    let session = std::fs::read_dir(s.dir.path().join("data/outputs"))
        .expect("outputs")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .max()
        .expect("a session");
    for args in [
        vec!["sessions", "show", session.as_str()],
        vec!["sessions", "export", session.as_str()],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
            .args(&args)
            .env("OPSASSIST_DATA_DIR", s.dir.path().join("data"))
            .env("OPSASSIST_CONFIG_DIR", s.dir.path().join("config"))
            .output()
            .expect("opsassist sessions");
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {shown}");
        assert!(shown.contains("mcp: fs"), "{args:?}: {shown}");
        assert!(shown.contains("mcp__fs__write_file"), "{args:?}: {shown}");
        assert!(shown.contains("written by the model"), "{args:?}: {shown}");
    }
}

#[test]
fn a_forbid_tool_rule_holds_against_yes_and_names_itself() {
    let rules = "[[rule]]\nname = \"no-fs-writes\"\naction = \"forbid\"\n\
                 tool = \"mcp__fs__write_file\"\nreason = \"the share is evidence\"\n\
                 match = ['{\"path\": \"/x\", \"content\": \"y\"}']\n";
    let s = setup(true, "", rules);
    let out = s.root.join("out.txt");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![call(
            "write_file",
            json!({"path": out, "content": "x"}),
        )]),
        Reply::Text("Understood.".into()),
    ]);
    let (status, text) = run(&s, &fake, "yes\nyes\n", &[]);
    assert!(status.status.success(), "{text}");
    assert!(!out.exists());
    assert!(text.contains("rule `no-fs-writes`"), "{text}");
    assert!(bodies(&fake).contains("forbidden by rule `no-fs-writes`"));
}

#[test]
fn untrusted_servers_run_nothing_unasked_and_secrets_never_reach_the_model() {
    let s = setup(false, "", "");
    std::fs::write(
        s.root.join(".env"),
        "DB_PASSWORD=Sup3rS3cretValue42\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY\n",
    )
    .expect(".env");
    let env = s.root.join(".env");
    let notes = s.root.join("notes.txt");
    // Nothing answered: the read-only call waits, even with --auto-approve read-only.
    let fake = FakeLlm::spawn_blocking_openai(vec![Reply::ToolCalls(vec![call(
        "read_text_file",
        json!({"path": notes}),
    )])]);
    let (status, text) = run(&s, &fake, "", &["--auto-approve", "read-only"]);
    assert!(status.status.success(), "{text}");
    assert!(text.contains("not trusted"), "{text}");
    assert!(!bodies(&fake).contains("big.log"), "ran unasked: {text}");
    assert!(!text.contains("auto-approve read-only"), "{text}");

    // Approved: the file's secrets are masked before the model sees them.
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": env}))]),
        Reply::Text("Read.".into()),
    ]);
    let (status, text) = run(&s, &fake, "y\n", &[]);
    assert!(status.status.success(), "{text}");
    let sent = bodies(&fake);
    assert!(sent.contains("DB_PASSWORD"), "the file was read: {sent}");
    assert!(!sent.contains("Sup3rS3cretValue42"), "{sent}");
    assert!(
        !sent.contains("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"),
        "{sent}"
    );
}

#[test]
fn an_edit_that_breaks_the_schema_is_refused_and_the_call_stays_pending() {
    let s = setup(false, "", "");
    let notes = s.root.join("notes.txt");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![call(
            "read_text_file",
            json!({"path": "/nonexistent"}),
        )]),
        Reply::Text("Read.".into()),
    ]);
    let good = json!({"path": notes}).to_string();
    let (status, text) = run(
        &s,
        &fake,
        &format!("e\n{{\"path\": 5}}\ne\n{{\"nope\": 1}}\ne\n{good}\n"),
        &[],
    );
    assert!(status.status.success(), "{text}");
    assert!(
        text.contains("edit not accepted") && text.contains("`path` must be string"),
        "{text}"
    );
    assert!(text.contains("misses the required field `path`"), "{text}");
    // The third edit was accepted and ran: the model got the file.
    assert!(bodies(&fake).contains("/var/log/big.log"));
    assert!(text.contains("edited"), "{text}");
}

#[test]
fn a_server_killed_mid_call_errors_clearly_and_the_next_call_restarts_it() {
    let server = support::mcp_servers::fs_server();
    let s = setup(true, "", "");
    let pidfile = s.dir.path().join("server.pid");
    // A wrapper that records the server's pid; the server is exec'd (same pid).
    let wrapper = format!(
        "echo $$ > {}; exec node {} {}",
        pidfile.display(),
        server.display(),
        s.root.display()
    );
    std::fs::write(
        s.dir.path().join("config/config.toml"),
        format!(
            "[[mcp]]\nname = \"fs\"\ncommand = {}\ntrust_annotations = true\n",
            json!(["sh", "-c", wrapper])
        ),
    )
    .expect("config");
    // Reading a FIFO nobody writes blocks the server in the middle of the call.
    let fifo = s.root.join("stuck");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let notes = s.root.join("notes.txt");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": fifo}))]),
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": notes}))]),
        Reply::Text("Recovered.".into()),
    ]);
    let mut child = command(&s, &fake, &["--auto-approve", "read-only"])
        .spawn()
        .expect("spawn");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let mut killed = None;
    for line in stdout.lines() {
        let line = line.expect("line");
        seen.push_str(&line);
        seen.push('\n');
        if killed.is_none()
            && line.starts_with("$ mcp__fs__read_text_file")
            && line.contains("stuck")
        {
            let pid = std::fs::read_to_string(&pidfile).expect("pid");
            let pid = pid.trim().to_string();
            assert!(
                Command::new("kill")
                    .args(["-9", &pid])
                    .status()
                    .expect("kill")
                    .success()
            );
            killed = Some(pid);
        }
    }
    drop(stdin);
    let status = child.wait().expect("wait");
    let stderr = {
        let mut s = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut s);
        }
        s
    };
    assert!(status.success(), "{seen}\n{stderr}");
    let killed = killed.unwrap_or_else(|| panic!("the call never started: {seen}\n{stderr}"));
    let sent = bodies(&fake);
    assert!(sent.contains("exited during the call"), "{sent}");
    // The session went on: the next call restarted the server and read the file.
    assert!(sent.contains("/var/log/big.log"), "{sent}");
    let now = std::fs::read_to_string(&pidfile).expect("pid");
    assert_ne!(now.trim(), killed, "a new server process");
    assert!(seen.contains("Recovered."), "{seen}");
}

#[test]
fn a_timed_out_call_sends_notifications_cancelled_and_the_session_goes_on() {
    let server = support::mcp_servers::fs_server();
    let s = setup(true, "", "");
    // Everything opsassist sends the server is kept, to see the cancellation arrive.
    let sent_log = s.dir.path().join("to-server.jsonl");
    let wrapper = format!(
        "tee {} | node {} {}",
        sent_log.display(),
        server.display(),
        s.root.display()
    );
    std::fs::write(
        s.dir.path().join("config/config.toml"),
        format!(
            "[[mcp]]\nname = \"fs\"\ncommand = {}\ntrust_annotations = true\ntimeout_secs = 1\n",
            json!(["sh", "-c", wrapper])
        ),
    )
    .expect("config");
    let fifo = s.root.join("stuck");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let notes = s.root.join("notes.txt");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": fifo}))]),
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": notes}))]),
        Reply::Text("Done.".into()),
    ]);
    let (status, text) = run(&s, &fake, "", &["--auto-approve", "read-only"]);
    assert!(status.status.success(), "{text}");
    let sent = bodies(&fake);
    assert!(sent.contains("timed out after 1 s"), "{sent}");
    assert!(
        sent.contains("/var/log/big.log"),
        "the session went on: {sent}"
    );
    let to_server = std::fs::read_to_string(&sent_log).expect("to-server log");
    let cancelled: Vec<&str> = to_server
        .lines()
        .filter(|l| l.contains("notifications/cancelled"))
        .collect();
    assert_eq!(cancelled.len(), 1, "{to_server}");
    // It names the request that timed out (the first tools/call).
    let first_call = to_server
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["method"] == "tools/call")
        .expect("a tools/call");
    let note: Value = serde_json::from_str(cancelled[0]).expect("json");
    assert_eq!(note["params"]["requestId"], first_call["id"], "{to_server}");
}

#[test]
fn a_server_that_cannot_start_leaves_the_session_running_with_a_clear_error() {
    let s = setup(
        true,
        "\n[[mcp]]\nname = \"gone\"\ncommand = [\"/nonexistent/mcp-server\"]\n",
        "",
    );
    let notes = s.root.join("notes.txt");
    let fake = FakeLlm::spawn_blocking_openai(vec![
        Reply::ToolCalls(vec![("mcp__gone__query".into(), json!({"query": "up"}))]),
        Reply::ToolCalls(vec![call("read_text_file", json!({"path": notes}))]),
        Reply::Text("Done without it.".into()),
    ]);
    let (status, text) = run(&s, &fake, "", &["--auto-approve", "read-only"]);
    assert!(status.status.success(), "{text}");
    let sent = bodies(&fake);
    assert!(
        sent.contains("MCP server `gone` is unavailable: cannot start `/nonexistent/mcp-server`"),
        "{sent}"
    );
    // The working server's tool ran; the operator was warned once, not every turn.
    assert!(sent.contains("/var/log/big.log"), "{sent}");
    assert_eq!(
        text.matches("the session goes on without `gone`").count(),
        1,
        "{text}"
    );
    assert!(text.contains("Done without it."), "{text}");
}
