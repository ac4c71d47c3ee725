//! `docker|podman|nerdctl run/create/exec` (and `compose run/exec`): the image or container
//! found with the subcommand's option grammar, the command it runs classified, and the
//! options that reach the host (a bind mount of `/` or a system tree, `--privileged`,
//! `--pid=host`, devices) turning a destructive inner command into a destructive one.

use std::sync::LazyLock;

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::grammar::{Grammar, Parsed};
use super::super::system_paths::{is_system_path, normalize};

static RUN: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "a/attach: /add-host: /annotation: /blkio-weight: /blkio-weight-device: /cap-add: \
         /cap-drop: /cgroup-parent: /cgroupns: /cidfile: /cpu-count: /cpu-percent: \
         /cpu-period: /cpu-quota: /cpu-rt-period: /cpu-rt-runtime: c/cpu-shares: /cpus: \
         /cpuset-cpus: /cpuset-mems: d/detach /detach-keys: /device: /device-cgroup-rule: \
         /device-read-bps: /device-read-iops: /device-write-bps: /device-write-iops: \
         /disable-content-trust:: /dns: /dns-option: /dns-search: /domainname: /entrypoint: \
         e/env: /env-file: /expose: /gpus: /group-add: /health-cmd: /health-interval: \
         /health-retries: /health-start-period: /health-start-interval: /health-timeout: \
         /help h/hostname: /init i/interactive /ip: /ip6: /ipc: /isolation: \
         /kernel-memory: l/label: /label-file: /link: /link-local-ip: /log-driver: \
         /log-opt: /mac-address: m/memory: /memory-reservation: /memory-swap: \
         /memory-swappiness: /mount: /name: /network|net: /network-alias|net-alias: \
         /no-healthcheck /oom-kill-disable /oom-score-adj: /pid: /pids-limit: /platform: \
         /privileged p/publish: P/publish-all /pull: q/quiet /read-only /restart: /rm \
         /runtime: /security-opt: /shm-size: /sig-proxy:: /stop-signal: /stop-timeout: \
         /storage-opt: /sysctl: /tmpfs: t/tty /ulimit: u/user: /userns: /uts: v/volume: \
         /volume-driver: /volumes-from: w/workdir: /pod: /replace /rootfs /systemd: \
         /secret: /uidmap: /gidmap: /subuidname: /subgidname: /arch: /os: /variant: /tz: \
         /umask: /unsetenv: /unsetenv-all /cgroups: /env-host /hostuser: /http-proxy:: \
         /personality: /pidfile: /no-hosts /timeout: /tls-verify:: /creds: \
         /seccomp-policy: /preserve-fds: /sdnotify: /no-deps /service-ports \
         /use-aliases /quiet-pull /remove-orphans /build T/no-TTY",
    )
    .stop_at_operand()
});

static EXEC: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "d/detach /detach-keys: e/env: /env-file: i/interactive /privileged t/tty u/user: \
         w/workdir: T/no-TTY /index: /preserve-fds: /latest l /dry-run",
    )
    .stop_at_operand()
});

/// `exec [opts] CONTAINER cmd…`.
pub(crate) fn exec(name: &str, sub: &str, args: &[String], depth: usize) -> Verdict {
    let what = if sub.is_empty() {
        format!("{name} exec")
    } else {
        format!("{name} {sub} exec")
    };
    let parsed = EXEC.parse(args);
    let mut starts: Vec<usize> = parsed.first_operand.map(|c| c + 1).into_iter().collect();
    if parsed.bad().is_some() {
        starts.extend(parsed.first_operand.map(|c| c + 2));
    }
    let inner = worst(args, &starts, depth);
    let v = match inner {
        Some(v) if v.class == Class::Destructive => {
            Verdict::destructive(format!("{what}: {}", v.reason))
        }
        Some(_) => Verdict::change(format!(
            "{what} runs {} in a container",
            starts
                .first()
                .and_then(|s| args.get(*s))
                .map_or("", String::as_str)
        )),
        None => Verdict::change(format!("{what} without a command")),
    };
    match parsed.bad() {
        Some(b) => v.at_least_change(&format!("{what}: {b}")),
        None => v,
    }
}

/// `run|create [opts] IMAGE [cmd…]`.
pub(crate) fn run(name: &str, sub: &str, args: &[String], depth: usize) -> Verdict {
    let what = if sub.is_empty() {
        format!("{name} run")
    } else {
        format!("{name} {sub} run")
    };
    let parsed = RUN.parse(args);
    let reach = host_reach(&parsed);
    let entrypoint = parsed.value("--entrypoint");
    let mut images: Vec<usize> = parsed.first_operand.into_iter().collect();
    if parsed.bad().is_some() {
        images.extend(parsed.first_operand.map(|c| c + 1));
    }
    let inner = images
        .iter()
        .map(|image| {
            let mut argv: Vec<String> = entrypoint
                .map(|e| e.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            argv.extend(args.get(image + 1..).unwrap_or_default().iter().cloned());
            argv
        })
        .filter(|argv| !argv.is_empty())
        .map(|argv| classify::argv(&argv, depth + 1))
        .reduce(|a, b| if b.class > a.class { b } else { a });
    let mut v = match (&inner, &reach) {
        (Some(i), Some(r)) if i.class == Class::Destructive => {
            Verdict::destructive(format!("{what} with {r}: {}", i.reason))
        }
        (_, Some(r)) => Verdict::change(format!("{what} with {r} reaches the host")),
        (Some(i), None) => Verdict::change(format!("{what} starts a container: {}", i.reason)),
        (None, None) => Verdict::change(format!("{what} starts a container")),
    };
    if let Some(b) = parsed.bad() {
        v = v.at_least_change(&format!("{what}: {b}"));
    }
    v
}

/// The first option that gives the container the host: a bind mount of `/` or a system
/// tree, `--privileged`, the host's PID namespace, a device, or broad capabilities.
fn host_reach(parsed: &Parsed) -> Option<String> {
    for v in parsed.values("--volume") {
        let source = v.split(':').next().unwrap_or("");
        if is_host_path(source) {
            return Some(format!("-v {v}"));
        }
    }
    for m in parsed.values("--mount") {
        let source = m.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            matches!(k.trim(), "source" | "src").then_some(v.trim())
        });
        if source.is_some_and(is_host_path) {
            return Some(format!("--mount {m}"));
        }
    }
    if parsed.has("--privileged") {
        return Some("--privileged".into());
    }
    if parsed.values("--pid").contains(&"host") {
        return Some("--pid=host".into());
    }
    if let Some(d) = parsed.value("--device") {
        return Some(format!("--device {d}"));
    }
    parsed
        .values("--cap-add")
        .into_iter()
        .find(|c| {
            let c = c.to_ascii_uppercase();
            c == "ALL" || c.ends_with("SYS_ADMIN")
        })
        .map(|c| format!("--cap-add {c}"))
}

fn is_host_path(source: &str) -> bool {
    source.starts_with('/') && (normalize(source) == "/" || is_system_path(source))
}

fn worst(args: &[String], starts: &[usize], depth: usize) -> Option<Verdict> {
    starts
        .iter()
        .filter_map(|s| args.get(*s..).filter(|r| !r.is_empty()))
        .map(|r| classify::argv(r, depth + 1))
        .reduce(|a, b| if b.class > a.class { b } else { a })
}

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    super::super::wrappers::assert_well_formed("run", &RUN);
    super::super::wrappers::assert_well_formed("exec", &EXEC);
}
