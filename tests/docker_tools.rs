//! The docker tools in the shipped tools.toml: scoped to the watched containers (an enum of
//! their names for the model; any other name refused while resolving, before Docker is
//! called), run on a `docker:` target, and classified by policy like the CLI they mirror.

use std::collections::BTreeMap;

use opsassist::llm::ToolCall;
use opsassist::policy::{Class, classify_argv};
use opsassist::protocol::Target;
use opsassist::tools::{Program, ToolRegistry, ToolsError};

fn registry(watched: &[&str]) -> ToolRegistry {
    let mut r = ToolRegistry::parse(opsassist::tools::DEFAULT_TOOLS_TOML, "built-in")
        .unwrap_or_else(|e| panic!("{e}"));
    r.set_watched_containers(watched.iter().map(|s| s.to_string()).collect());
    r
}

fn call(tool: &str, args: &str) -> ToolCall {
    ToolCall {
        id: "c1".into(),
        name: tool.into(),
        arguments: args.into(),
    }
}

#[test]
fn the_container_parameter_is_an_enum_of_the_watched_names() {
    let specs = registry(&["web", "db"]).specs(&BTreeMap::new());
    for tool in [
        "docker_ps",
        "docker_inspect",
        "docker_logs",
        "docker_restart",
        "docker_start",
        "docker_stop",
    ] {
        let spec = specs
            .iter()
            .find(|s| s.name == tool)
            .unwrap_or_else(|| panic!("{tool} not offered"));
        assert_eq!(
            spec.parameters["properties"]["container"]["enum"],
            serde_json::json!(["web", "db"]),
            "{tool}"
        );
    }
    let none = registry(&[]).specs(&BTreeMap::new());
    assert!(
        !none.iter().any(|s| s.name.starts_with("docker_")),
        "docker tools offered with nothing watched"
    );
}

#[test]
fn an_unwatched_name_is_refused_while_resolving() {
    let r = registry(&["web"]);
    for name in ["plain", "web2", "", "../web", "web; reboot"] {
        let args = serde_json::json!({ "container": name }).to_string();
        let got = r.resolve(&call("docker_restart", &args), &BTreeMap::new());
        assert!(
            matches!(got, Err(ToolsError::ContainerNotWatched { .. })),
            "{name:?}: {got:?}"
        );
    }
}

#[test]
fn a_watched_name_resolves_to_a_docker_target_classified_like_the_cli() {
    let r = registry(&["web"]);
    let cases = [
        ("docker_ps", r#"{}"#, "docker ps", Class::ReadOnly),
        (
            "docker_inspect",
            r#"{"container":"web"}"#,
            "docker inspect web",
            Class::ReadOnly,
        ),
        (
            "docker_logs",
            r#"{"container":"web","lines":50}"#,
            "docker logs --tail 50 web",
            Class::ReadOnly,
        ),
        (
            "docker_restart",
            r#"{"container":"web"}"#,
            "docker restart web",
            Class::Change,
        ),
        (
            "docker_start",
            r#"{"container":"web"}"#,
            "docker start web",
            Class::Change,
        ),
    ];
    for (tool, args, command, class) in cases {
        let resolved = r
            .resolve(&call(tool, args), &BTreeMap::new())
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert_eq!(resolved.command, command);
        let want = if tool == "docker_ps" { "" } else { "web" };
        assert_eq!(
            resolved.target,
            Target::Docker {
                container: want.into()
            }
        );
        let Program::Argv(argv) = &resolved.program else {
            panic!("{tool}: not argv");
        };
        assert_eq!(classify_argv(argv).class, class, "{tool}");
    }
}

#[test]
fn docker_stop_is_destructive_by_its_declaration_and_the_shell_cli_stays_change() {
    use opsassist::session::edit::classify_call;
    use opsassist::session::gate::offer;
    let r = registry(&["web"]);
    let stop = r
        .resolve(
            &call("docker_stop", r#"{"container":"web"}"#),
            &BTreeMap::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stop.command, "docker stop web");
    let class = classify_call(&stop);
    assert_eq!(class.class, Class::Destructive, "{}", class.reason);
    assert!(class.reason.contains("tools.toml"), "{}", class.reason);
    assert!(offer(class.class, &stop.command).needs_confirm);
    // A declared class only raises: docker_restart (declares none) stays change.
    let restart = r
        .resolve(
            &call("docker_restart", r#"{"container":"web"}"#),
            &BTreeMap::new(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(classify_call(&restart).class, Class::Change);
    // Stays as is: the same words in a shell are the CLI's policy, `change`.
    assert_eq!(
        opsassist::policy::classify("docker stop web").class,
        Class::Change
    );
}

#[test]
fn only_docker_tools_declare_a_class_and_only_known_classes() {
    let local = r#"
[[tool]]
name = "t"
description = "d"
argv = ["true"]
class = "read-only"
"#;
    let err = ToolRegistry::parse(local, "t.toml")
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("field \"class\""), "{err}");
    let bad = r#"
[[tool]]
name = "t"
description = "d"
target = "docker:container"
argv = ["docker", "stop", "{container}"]
class = "harmless"
[tool.parameters]
required = ["container"]
[tool.parameters.properties.container]
type = "string"
"#;
    let err = ToolRegistry::parse(bad, "t.toml").map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("harmless"), "{err}");
}
