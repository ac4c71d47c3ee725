//! Unit tests for the registry: loading, validation errors, specs and resolving calls.

use super::*;

fn registry() -> ToolRegistry {
    match ToolRegistry::parse(DEFAULT_TOOLS_TOML, "built-in tools.toml") {
        Ok(r) => r,
        Err(e) => panic!("default tools.toml is invalid: {e}"),
    }
}

fn inventory() -> BTreeMap<String, HostEntry> {
    let mut inv = BTreeMap::new();
    inv.insert(
        "web01".to_string(),
        HostEntry {
            destination: "deploy@10.0.0.5".into(),
            port: None,
            tags: vec![],
        },
    );
    inv
}

fn call(name: &str, args: &str) -> ToolCall {
    ToolCall {
        id: "c1".into(),
        name: name.into(),
        arguments: args.into(),
    }
}

fn invalid(text: &str) -> String {
    match ToolRegistry::parse(text, "tools.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn default_tools_load_with_the_promised_set() {
    let names: Vec<String> = registry().summaries().into_iter().map(|s| s.name).collect();
    for want in [
        "local_shell",
        "remote_shell",
        "service_status",
        "journal_tail",
        "log_tail",
        "disk_usage",
        "top_processes",
        "memory",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}");
    }
}

#[test]
fn spliced_placeholders_are_rejected_with_tool_and_field() {
    let text = r#"
[[tool]]
name = "ok"
description = "d"
argv = ["true"]

[[tool]]
name = "journal_tail"
description = "d"
argv = ["journalctl", "-n{lines}"]
[tool.parameters]
required = ["lines"]
[tool.parameters.properties.lines]
type = "integer"
"#;
    assert_eq!(
        invalid(text),
        "tools.toml: tool \"journal_tail\" (#2): field \"argv\": placeholder {lines} must be a \
         whole element (found in \"-n{lines}\")"
    );
    let two = text.replace("\"-n{lines}\"", "\"{lines} {lines}\"");
    assert!(invalid(&two).contains("placeholder {lines} must be a whole element"));
    let shell = r#"
[[tool]]
name = "bad_shell"
description = "d"
shell = "ls {dir}"
[tool.parameters.properties.dir]
type = "string"
"#;
    let err = invalid(shell);
    assert!(
        err.contains("tool \"bad_shell\" (#1): field \"shell\""),
        "{err}"
    );
}

#[test]
fn structural_mistakes_name_the_field() {
    let base = "[[tool]]\nname = \"t\"\ndescription = \"d\"\n";
    let cases = [
        (
            format!("{base}argv = [\"x\", \"{{p}}\"]\n"),
            "placeholder {p} is not a declared",
        ),
        (
            format!(
                "{base}argv = [\"{{p}}\"]\n[tool.parameters.properties.p]\ntype = \"string\"\n"
            ),
            "program (first element) must be fixed",
        ),
        (
            format!("{base}argv = [\"x\"]\nshell = \"y\"\n"),
            "either `argv` or `shell`",
        ),
        (
            format!("{base}argv = [\"x\"]\ntimeout_secs = \"5\"\n"),
            "field \"timeout_secs\"",
        ),
        (
            format!("{base}argv = [\"x\"]\nargvv = 1\n"),
            "field \"argvv\": unknown field",
        ),
        (
            format!("{base}argv = [\"x\"]\ntarget = \"host\"\n"),
            "field \"target\"",
        ),
        (
            format!(
                "{base}argv = [\"x\"]\n[tool.parameters.properties.reason]\ntype = \"string\"\n"
            ),
            "`reason` is reserved",
        ),
        (
            format!(
                "{base}argv = [\"x\"]\n[tool.parameters.properties.unused]\ntype = \"string\"\n"
            ),
            "never used",
        ),
        (
            format!(
                "{base}argv = [\"x\", \"{{n}}\"]\n[tool.parameters.properties.n]\ntype = \"integer\"\n"
            ),
            "needs a required parameter or a default",
        ),
        (
            format!("{base}argv = [\"x\"]\n{base}argv = [\"y\"]\n"),
            "duplicate tool name",
        ),
    ];
    for (text, want) in cases {
        let err = invalid(&text);
        assert!(err.contains(want), "want {want:?} in {err:?}");
    }
}

#[test]
fn toml_syntax_errors_carry_line_and_column() {
    let err = invalid("[[tool]]\nname = \"t\"\ndescription = \n");
    assert!(err.contains("line 3, column"), "{err}");
}

#[test]
fn argv_values_stay_single_elements() {
    let r = registry();
    let resolved = r
        .resolve(
            &call(
                "journal_tail",
                r#"{"unit":"x; touch /tmp/m","lines":"20","reason":"look at logs"}"#,
            ),
            &inventory(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        resolved.program,
        Program::Argv(
            [
                "journalctl",
                "--no-pager",
                "-u",
                "x; touch /tmp/m",
                "-n",
                "20"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert_eq!(
        resolved.command,
        "journalctl --no-pager -u 'x; touch /tmp/m' -n 20"
    );
    assert_eq!(resolved.reason.as_deref(), Some("look at logs"));
    assert_eq!(resolved.target, Target::Local);
    assert!(!resolved.shell);
}

#[test]
fn arguments_are_type_checked() {
    let r = registry();
    let inv = inventory();
    let err = |args: &str| match r.resolve(&call("journal_tail", args), &inv) {
        Ok(c) => panic!("accepted {args}: {c:?}"),
        Err(e) => e.to_string(),
    };
    assert!(
        err(r#"{"unit":"a","lines":"10; rm -rf /"}"#).contains("field `lines` must be an integer")
    );
    assert!(err(r#"{"unit":"a","lines":1.5}"#).contains("field `lines` must be an integer"));
    assert!(err(r#"{"unit":"a","lines":0}"#).contains("between 1 and 5000"));
    assert!(err(r#"{"lines":5}"#).contains("missing required field `unit`"));
    assert!(err(r#"{"unit":5}"#).contains("field `unit` must be a string"));
    assert!(err(r#"{"unit":"a","bogus":1}"#).contains("unknown field `bogus`"));
    assert!(err("not json").contains("not valid JSON"));
    assert!(err("[1]").contains("JSON object"));
    let ok = r
        .resolve(&call("journal_tail", r#"{"unit":"a"}"#), &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        ok.command.ends_with("-n 100"),
        "default applies: {}",
        ok.command
    );
}

#[test]
fn hosts_must_be_inventory_names() {
    let r = registry();
    let inv = inventory();
    for host in ["10.0.0.5", "deploy@10.0.0.5", "lab; touch x", "WEB01", ""] {
        let args = serde_json::json!({"host": host, "command": "uptime"}).to_string();
        match r.resolve(&call("remote_shell", &args), &inv) {
            Err(ToolsError::HostNotAllowed { host: h, allowed }) => {
                assert_eq!(h, host);
                assert_eq!(allowed, "web01");
            }
            other => panic!("{host}: {other:?}"),
        }
    }
    let ok = r
        .resolve(&call("disk_usage", r#"{"host":"web01"}"#), &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok.target,
        Target::Ssh {
            host: "web01".into()
        }
    );
    let local = r
        .resolve(&call("disk_usage", "{}"), &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(local.target, Target::Local);
    let none = r.resolve(
        &call("remote_shell", r#"{"host":"web01","command":"uptime"}"#),
        &BTreeMap::new(),
    );
    assert!(
        matches!(none, Err(ToolsError::HostNotAllowed { .. })),
        "{none:?}"
    );
}

#[test]
fn specs_carry_host_enum_and_reason() {
    let r = registry();
    let specs = r.specs(&inventory());
    let remote = specs
        .iter()
        .find(|s| s.name == "remote_shell")
        .unwrap_or_else(|| panic!("remote_shell missing"));
    assert_eq!(
        remote.parameters["properties"]["host"]["enum"],
        serde_json::json!(["web01"])
    );
    assert_eq!(remote.parameters["properties"]["reason"]["type"], "string");
    assert_eq!(
        remote.parameters["required"],
        serde_json::json!(["command", "host"])
    );

    let empty = r.specs(&BTreeMap::new());
    assert!(empty.iter().all(|s| s.name != "remote_shell"));
    let disk = empty
        .iter()
        .find(|s| s.name == "disk_usage")
        .unwrap_or_else(|| panic!("disk_usage missing"));
    assert!(disk.parameters["properties"].get("host").is_none());
}

#[test]
fn edits_replace_the_command_line_or_the_arguments() {
    let r = registry();
    let inv = inventory();
    let shell = r
        .resolve(
            &call(
                "remote_shell",
                r#"{"host":"web01","command":"uptime","reason":"r"}"#,
            ),
            &inv,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let edited = r
        .resolve_edit(&shell, "uptime; df -h '/'", &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(edited.program, Program::Shell("uptime; df -h '/'".into()));
    assert_eq!(edited.target, shell.target);
    assert_eq!(edited.reason.as_deref(), Some("r"));

    let argv = r
        .resolve(&call("log_tail", r#"{"path":"/var/log/syslog"}"#), &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    let edited = r
        .resolve_edit(&argv, r#"{"path":"/var/log/auth.log","lines":5}"#, &inv)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(edited.command, "tail -n 5 -- /var/log/auth.log");
    let err = r.resolve_edit(&argv, "tail -n 5 /etc/passwd", &inv);
    assert!(
        matches!(&err, Err(ToolsError::BadArguments { message, .. }) if message.contains("JSON")),
        "{err:?}"
    );
}
