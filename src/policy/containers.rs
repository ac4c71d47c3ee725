//! kubectl, docker/podman/nerdctl: read-only subcommands, destructive deletes and prunes,
//! global options read with their grammars (a value is never taken for the subcommand), and
//! `exec`/`run` classified by the command they run (`run.rs`).

mod run;

use std::sync::LazyLock;

use super::Class;
use super::classify::{self, Verdict};
use super::grammar::Grammar;

/// kubectl's global flags and the common flags of its subcommands (pflag: `--flag value`,
/// `--flag=value`, booleans take only `=value`).
static KUBECTL: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "n/namespace: s/server: /as: /as-group: /as-uid: /cache-dir: /certificate-authority: \
         /client-certificate: /client-key: /cluster: /context: /kubeconfig: /log-file: \
         /log-file-max-size: /log-flush-frequency: /password: /profile: /profile-output: \
         /request-timeout: /tls-server-name: /token: /user: /username: v/v: /vmodule: \
         /log-dir: /log-backtrace-at: /stderrthreshold: /insecure-skip-tls-verify:: \
         /match-server-version:: /warnings-as-errors:: /disable-compression:: \
         /alsologtostderr:: /logtostderr:: /one-output:: /skip-headers:: /skip-log-headers:: \
         /add-dir-header:: o/output: l/selector: f/filename: c/container: A/all-namespaces \
         /all:: /force:: /grace-period: /now:: /wait:: /cascade:: i/stdin t/tty q/quiet \
         w/watch /tail: /since: p/previous /field-selector: /show-labels:: /sort-by: \
         /no-headers:: /dry-run:: /timeout: R/recursive k/kustomize: /ignore-not-found:: \
         /chunk-size: L/label-columns: /template: /server-side:: /subresource: \
         /ignore-daemonsets:: /delete-emptydir-data:: /disable-eviction:: /since-time: \
         /timestamps:: /limit-bytes: /max-log-requests: /all-containers:: /prefix:: \
         /pod-running-timeout: /show-kind:: /show-managed-fields:: /raw: /minify:: \
         /flatten:: /for: /watch-only:: /output-watch-events:: /api-group: /verbs: \
         /namespaced:: /image: /rm:: /restart: /env: /port: /labels: /overrides: /attach:: \
         /allow-missing-template-keys:: /field-manager: /validate:: /follow::",
    )
});

/// kubectl's flags, global and common (read anywhere on the line, as pflag does).
pub(crate) fn kubectl_grammar() -> &'static Grammar {
    &KUBECTL
}

/// The global options of docker, podman and nerdctl (before the subcommand).
pub(crate) fn docker_grammar() -> &'static Grammar {
    &DOCKER
}

const KUBECTL_RO: &[&str] = &[
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

pub(crate) fn kubectl(args: &[String], depth: usize) -> Verdict {
    let parsed = KUBECTL.parse(args);
    if let Some(file) = parsed.value("--kubeconfig") {
        // A kubeconfig's exec credential plugins run commands.
        return kubectl_args(&parsed, args, depth).at_least_change(&format!(
            "kubectl --kubeconfig {file} may run its exec plugins"
        ));
    }
    kubectl_args(&parsed, args, depth)
}

fn kubectl_args(parsed: &super::grammar::Parsed, args: &[String], depth: usize) -> Verdict {
    let ops = parsed.operands();
    let Some(bad) = parsed.bad() else {
        return kubectl_sub(&ops, args, depth);
    };
    // An unknown flag may take the next word as its value (cobra assumes it does).
    let mut v = kubectl_sub(&ops, args, depth);
    if ops.len() > 1 {
        let shifted = kubectl_sub(&ops[1..], args, depth);
        if shifted.class > v.class {
            v = shifted;
        }
    }
    v.at_least_change(&format!("kubectl: {bad}"))
}

fn kubectl_sub(ops: &[&str], args: &[String], depth: usize) -> Verdict {
    let Some(sub) = ops.first() else {
        return Verdict::change("kubectl without a subcommand");
    };
    match *sub {
        "delete" | "drain" => Verdict::destructive(format!("kubectl {sub} is destructive")),
        "get"
            if args.iter().any(|a| {
                // Kinds as kubectl reads them: any case, `secrets.v1.`, in lists.
                a.split([',', '/'])
                    .any(|r| super::rule_shape::kubectl_kind(r) == "secrets")
            }) =>
        {
            Verdict::change("kubectl get secret prints secret values")
        }
        "cluster-info" if args.iter().any(|a| a == "dump") => {
            Verdict::change("kubectl cluster-info dump writes files")
        }
        s if KUBECTL_RO.contains(&s) => Verdict::read_only(format!("kubectl {s} only reads")),
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
        "exec" => match args.iter().position(|a| a == "--") {
            Some(i) => in_container("kubectl exec", &args[i + 1..], depth),
            None => {
                // The deprecated `kubectl exec POD cmd…`: the words after the pod, read raw
                // and as parsed.
                let parsed: Vec<String> = ops.iter().skip(2).map(|s| s.to_string()).collect();
                let exec_at = args.iter().position(|a| a == "exec").unwrap_or(0);
                let raw: Vec<String> = match ops.get(1) {
                    Some(pod) => args[exec_at..]
                        .iter()
                        .skip_while(|a| a != pod)
                        .skip(1)
                        .cloned()
                        .collect(),
                    None => Vec::new(),
                };
                let a = in_container("kubectl exec", &parsed, depth);
                let b = in_container("kubectl exec", &raw, depth);
                if b.class > a.class { b } else { a }
            }
        },
        s => Verdict::change(format!("kubectl {s} is not on the read-only allowlist")),
    }
}

/// A command run inside a container: destructive when it is, else `change`.
fn in_container(what: &str, inner: &[String], depth: usize) -> Verdict {
    if inner.is_empty() {
        return Verdict::change(format!("{what} runs a command in a container"));
    }
    let v = classify::argv(inner, depth + 1);
    match v.class {
        Class::Destructive => Verdict::destructive(format!("{what}: {}", v.reason)),
        _ => Verdict::change(format!("{what} runs {} in a container", inner[0])),
    }
}

static DOCKER: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "/config: c/context: D/debug H/host: l/log-level: /tls /tlscacert: /tlscert: \
         /tlskey: /tlsverify v/version /root: /runroot: /storage-driver: /storage-opt: \
         r/remote /url: /connection: /identity: /cgroup-manager: /events-backend: \
         /hooks-dir: /imagestore: /network-cmd-path: /network-config-dir: /runtime: \
         /runtime-flag: /ssh: /syslog /tmpdir: /transient-store /volumepath: /module: \
         /conmon: /db-backend: /out: /noout /address|a: /namespace|n: /snapshotter: \
         /cni-path: /cni-netconfpath: /data-root: /insecure-registry /hosts-dir: \
         /experimental /debug-full /help",
    )
    .stop_at_operand()
});

pub(crate) fn docker(name: &str, args: &[String], depth: usize) -> Verdict {
    let parsed = DOCKER.parse(args);
    let bad = parsed.bad();
    let Some(at) = parsed.first_operand else {
        return Verdict::change(match bad {
            Some(b) => format!("{name}: {b}"),
            None => format!("{name} without a subcommand"),
        });
    };
    let mut v = docker_sub(name, args, at, depth);
    if let Some(b) = bad {
        // The unknown option may have taken the first word as its value.
        if at + 1 < args.len() {
            let shifted = docker_sub(name, args, at + 1, depth);
            if shifted.class > v.class {
                v = shifted;
            }
        }
        v = v.at_least_change(&format!("{name}: {b}"));
    }
    v
}

/// The subcommand of `name` starting at `args[at]`.
fn docker_sub(name: &str, args: &[String], at: usize, depth: usize) -> Verdict {
    let ops: Vec<&str> = args[at..].iter().map(String::as_str).collect();
    let Some(first) = ops.first().copied() else {
        return Verdict::change(format!("{name} without a subcommand"));
    };
    let grouped = matches!(
        first,
        "container" | "image" | "network" | "volume" | "system" | "compose" | "builder" | "context"
    );
    let (sub, action, rest_at) = if grouped {
        (first, ops.get(1).copied().unwrap_or(""), at + 2)
    } else {
        ("", first, at + 1)
    };
    let rest = args.get(rest_at..).unwrap_or_default();
    let force = rest
        .iter()
        .any(|a| a == "--force" || (a.starts_with('-') && !a.starts_with("--") && a.contains('f')));
    let what = if sub.is_empty() {
        action.to_string()
    } else {
        format!("{sub} {action}")
    };
    match (sub, action) {
        (_, "prune") => Verdict::destructive(format!("{name} {what} deletes data")),
        ("volume", "rm" | "remove") => Verdict::destructive(format!("{name} {what} deletes data")),
        ("" | "container", "rm" | "remove") => {
            Verdict::destructive(format!("{name} {what} deletes containers and their data"))
        }
        ("" | "container" | "image", "rm" | "rmi") if force => {
            Verdict::destructive(format!("{name} {what} -f is destructive"))
        }
        ("compose", "down") if rest.iter().any(|a| a == "-v" || a == "--volumes") => {
            Verdict::destructive(format!("{name} compose down -v deletes volumes"))
        }
        ("" | "container", "stats") => {
            if rest.iter().any(|a| a == "--no-stream") {
                Verdict::read_only(format!("{name} stats --no-stream only reads"))
            } else {
                Verdict::change(format!("{name} stats without --no-stream never ends"))
            }
        }
        ("" | "container" | "compose", "exec") => run::exec(name, sub, rest, depth),
        ("" | "container" | "compose", "run" | "create") => run::run(name, sub, rest, depth),
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

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    super::wrappers::assert_well_formed("kubectl", &KUBECTL);
    super::wrappers::assert_well_formed("docker", &DOCKER);
}
