//! The CLI around `[[mcp]]` servers, with the real reference filesystem server: `doctor`
//! starts each server and says which works (its tools with class and trust) and which is
//! broken and why; `tools list` shows MCP tools beside the others; `policy explain --tool
//! --args` explains a call; `policy check` validates `tool =` rules; bad config is one line.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

fn opsassist(dir: &Path, args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .args(args)
        .env("OPSASSIST_DATA_DIR", dir.join("data"))
        .env("OPSASSIST_CONFIG_DIR", dir.join("config"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("run opsassist");
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn configure(dir: &Path, config: &str) {
    std::fs::create_dir_all(dir.join("config")).expect("config dir");
    std::fs::write(dir.join("config/config.toml"), config).expect("config.toml");
}

fn fs_entry(root: &Path, name: &str, trust: bool) -> String {
    let server = support::mcp_servers::fs_server();
    format!(
        "[[mcp]]\nname = \"{name}\"\ncommand = {}\ntrust_annotations = {trust}\n\
         tools = [\"read_text_file\", \"write_file\", \"no_such_tool\"]\n\n",
        json!(["node", server, root])
    )
}

#[test]
fn doctor_says_which_server_works_and_which_is_broken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "{}[[mcp]]\nname = \"gone\"\ncommand = [\"{}\"]\n\n\
         [[mcp]]\nname = \"dies\"\ncommand = [\"sh\", \"-c\", \"echo 'cannot reach prometheus' >&2; exit 3\"]\n",
        fs_entry(dir.path(), "fs", true),
        dir.path().join("no-such-server").display()
    );
    configure(dir.path(), &config);
    let (out, text) = opsassist(dir.path(), &["doctor", "--no-llm"]);
    assert!(!out.status.success(), "broken servers fail doctor: {text}");
    assert!(text.contains("ok  mcp fs working"), "{text}");
    assert!(text.contains("trusted): 2 tools"), "{text}");
    assert!(
        text.contains("mcp__fs__read_text_file [read-only]"),
        "{text}"
    );
    assert!(text.contains("mcp__fs__write_file [destructive]"), "{text}");
    assert!(
        text.contains("not offered: no_such_tool: in `tools` but not offered"),
        "{text}"
    );
    assert!(text.contains("FAIL mcp gone: broken"), "{text}");
    assert!(text.contains("cannot start"), "{text}");
    assert!(text.contains("FAIL mcp dies: broken"), "{text}");
    assert!(
        text.contains("cannot reach prometheus"),
        "the server's stderr: {text}"
    );
}

#[test]
fn tools_list_shows_mcp_tools_with_class_and_trust() {
    let dir = tempfile::tempdir().expect("tempdir");
    configure(dir.path(), &fs_entry(dir.path(), "fs", false));
    let (out, text) = opsassist(dir.path(), &["tools", "list"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("local_shell"), "the others too: {text}");
    assert!(text.contains("mcp server fs (untrusted)"), "{text}");
    assert!(text.contains("mcp__fs__read_text_file  mcp:fs"), "{text}");
    assert!(
        text.contains("[change]"),
        "untrusted reads are change: {text}"
    );
}

#[test]
fn policy_explain_and_check_know_mcp_calls_and_tool_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    configure(dir.path(), &fs_entry(dir.path(), "fs", true));
    std::fs::write(
        dir.path().join("config/rules.toml"),
        "[[rule]]\nname = \"no-fs-writes\"\naction = \"forbid\"\ntool = \"mcp__fs__write_*\"\n\
         reason = \"evidence\"\nmatch = ['{\"path\": \"/x\"}']\n",
    )
    .expect("rules");
    let (out, text) = opsassist(dir.path(), &["policy", "check"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 rules, 1 examples pass"), "{text}");
    let (out, text) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--tool",
            "mcp__fs__write_file",
            "--args",
            r#"{"path": "/tmp/x", "content": "y"}"#,
        ],
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("class:   destructive"), "{text}");
    assert!(text.contains("target:  mcp: fs"), "{text}");
    assert!(text.contains("forbid rule `no-fs-writes`"), "{text}");
    assert!(
        text.contains("heal   refuse: forbidden by rule `no-fs-writes`"),
        "{text}"
    );
    let (out, text) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--tool",
            "mcp__fs__read_text_file",
            "--args",
            r#"{"path": "/tmp/x"}"#,
        ],
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("class:   read-only"), "{text}");
    // Arguments that break the schema: one line, exit 2.
    let (out, text) = opsassist(
        dir.path(),
        &[
            "policy",
            "explain",
            "--tool",
            "mcp__fs__read_text_file",
            "--args",
            r#"{"path": 1}"#,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("`path` must be string"), "{text}");
    // A bad tool rule fails `policy check` with one line.
    std::fs::write(
        dir.path().join("config/rules.toml"),
        "[[rule]]\nname = \"bad\"\naction = \"forbid\"\ntool = \"mcp fs\"\n",
    )
    .expect("rules");
    let (out, text) = opsassist(dir.path(), &["policy", "check"]);
    assert!(!out.status.success());
    assert!(
        text.contains("rule `bad`: tool `mcp fs` is not a tool name"),
        "{text}"
    );
}

#[test]
fn bad_mcp_config_is_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    configure(
        dir.path(),
        "[[mcp]]\nname = \"has space\"\ncommand = [\"x\"]\n",
    );
    let (out, text) = opsassist(dir.path(), &["doctor", "--no-llm"]);
    assert!(!out.status.success());
    assert!(text.contains("[[mcp]] name `has space`"), "{text}");
    configure(
        dir.path(),
        "[[mcp]]\nname = \"x\"\ncommand = [\"x\"]\nurl = \"https://x/mcp\"\n",
    );
    let (_, text) = opsassist(dir.path(), &["doctor", "--no-llm"]);
    assert!(text.contains("either `command` or `url`"), "{text}");
}
