//! kubectl, docker/podman/nerdctl: read-only subcommands, destructive deletes and prunes,
//! and `exec` classified by the command it runs inside the container.

use super::classify::{self, Verdict};
use super::options::{operands, opts};

pub(crate) fn kubectl(args: &[String], depth: usize) -> Verdict {
    let global = [
        "-n",
        "--namespace",
        "--context",
        "--cluster",
        "--user",
        "--kubeconfig",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "--request-timeout",
        "--cache-dir",
    ];
    let parsed = opts(args, "ns", &global, true);
    let ops = operands(&parsed);
    const RO: &[&str] = &[
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "version",
        "cluster-info",
        "api-resources",
        "api-versions",
        "events",
        "diff",
    ];
    let Some(sub) = ops.first() else {
        return Verdict::change("kubectl without a subcommand");
    };
    match *sub {
        "delete" | "drain" => Verdict::destructive(format!("kubectl {sub} is destructive")),
        "get"
            if args.iter().any(|a| {
                a.split([',', '/'])
                    .any(|r| matches!(r, "secret" | "secrets"))
            }) =>
        {
            Verdict::change("kubectl get secret prints secret values")
        }
        "cluster-info" if args.iter().any(|a| a == "dump") => {
            Verdict::change("kubectl cluster-info dump writes files")
        }
        s if RO.contains(&s) => Verdict::read_only(format!("kubectl {s} only reads")),
        "config" => match ops.get(1) {
            Some(&("view" | "get-contexts" | "current-context" | "get-clusters" | "get-users"))
                if !args.iter().any(|a| a == "--raw") =>
            {
                Verdict::read_only(format!("kubectl config {} only reads", ops[1]))
            }
            _ => Verdict::change("kubectl config changes the kubeconfig"),
        },
        "auth" if ops.get(1) == Some(&"can-i") => {
            Verdict::read_only("kubectl auth can-i only reads")
        }
        "rollout" if matches!(ops.get(1), Some(&("status" | "history"))) => {
            Verdict::read_only("kubectl rollout status only reads")
        }
        "exec" => after_dashes(args, depth, "kubectl exec"),
        s => Verdict::change(format!("kubectl {s} is not on the read-only allowlist")),
    }
}

/// `tool … -- cmd args`: the class of the inner command, at least `change`.
fn after_dashes(args: &[String], depth: usize, what: &str) -> Verdict {
    match args.iter().position(|a| a == "--") {
        Some(i) if i + 1 < args.len() => {
            let inner = classify::argv(&args[i + 1..], depth + 1);
            match inner.class {
                super::Class::Destructive => {
                    Verdict::destructive(format!("{what}: {}", inner.reason))
                }
                _ => Verdict::change(format!("{what} runs {} in a container", args[i + 1])),
            }
        }
        _ => Verdict::change(format!("{what} runs a command in a container")),
    }
}

pub(crate) fn docker(name: &str, args: &[String], depth: usize) -> Verdict {
    let parsed = opts(
        args,
        "Hcl",
        &[
            "--host",
            "--context",
            "--config",
            "--log-level",
            "--tlscacert",
            "--tlscert",
            "--tlskey",
        ],
        true,
    );
    let ops = operands(&parsed);
    let Some(first) = ops.first().copied() else {
        return Verdict::change(format!("{name} without a subcommand"));
    };
    let (sub, action) = match first {
        "container" | "image" | "network" | "volume" | "system" | "compose" | "builder"
        | "context" => (first, ops.get(1).copied().unwrap_or("")),
        _ => ("", first),
    };
    let force = args
        .iter()
        .any(|a| a == "--force" || (a.starts_with('-') && !a.starts_with("--") && a.contains('f')));
    let what = if sub.is_empty() {
        action.to_string()
    } else {
        format!("{sub} {action}")
    };
    match (sub, action) {
        (_, "prune") => Verdict::destructive(format!("{name} {what} deletes data")),
        ("volume", "rm") => Verdict::destructive(format!("{name} volume rm deletes data")),
        ("" | "container" | "image", "rm" | "rmi") if force => {
            Verdict::destructive(format!("{name} {what} -f is destructive"))
        }
        ("compose", "down") if args.iter().any(|a| a == "-v" || a == "--volumes") => {
            Verdict::destructive(format!("{name} compose down -v deletes volumes"))
        }
        ("" | "container", "stats") => {
            if args.iter().any(|a| a == "--no-stream") {
                Verdict::read_only(format!("{name} stats --no-stream only reads"))
            } else {
                Verdict::change(format!("{name} stats without --no-stream never ends"))
            }
        }
        ("" | "container", "exec") => after_dashes_or_container(name, args, depth),
        ("" | "container", "ps" | "ls" | "list" | "logs" | "inspect" | "top" | "port" | "diff")
        | ("", "images" | "version" | "info" | "history")
        | ("image", "ls" | "list" | "inspect" | "history")
        | ("network" | "volume" | "context", "ls" | "list" | "inspect" | "show")
        | ("system", "df" | "info")
        | ("compose", "ps" | "logs" | "config" | "ls" | "top" | "images" | "version") => {
            Verdict::read_only(format!("{name} {what} only reads"))
        }
        _ => Verdict::change(format!("{name} {what} is not on the read-only allowlist")),
    }
}

fn after_dashes_or_container(name: &str, args: &[String], depth: usize) -> Verdict {
    let exec_at = args.iter().position(|a| a == "exec").unwrap_or(0);
    let rest = &args[exec_at + 1..];
    let parsed = opts(
        rest,
        "euwd",
        &[
            "--env",
            "--user",
            "--workdir",
            "--env-file",
            "--detach-keys",
        ],
        true,
    );
    let ops = operands(&parsed);
    if ops.len() < 2 {
        return Verdict::change(format!("{name} exec without a command"));
    }
    let inner_args: Vec<String> = ops[1..].iter().map(|s| s.to_string()).collect();
    let inner = classify::argv(&inner_args, depth + 1);
    match inner.class {
        super::Class::Destructive => Verdict::destructive(format!("{name} exec: {}", inner.reason)),
        _ => Verdict::change(format!("{name} exec runs {} in a container", inner_args[0])),
    }
}
