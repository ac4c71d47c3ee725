//! Other common command runners, each with its own option grammar: pkexec, run0,
//! systemd-run, cgexec (another user, unit or cgroup) and chrt, taskset, numactl, strace,
//! ltrace, sshpass, fakeroot, unbuffer (same user).

use std::sync::LazyLock;

use super::super::classify::Verdict;
use super::inner::{elevated, starts, worst_argv};

use super::super::grammar::Grammar;

fn g(spec: &str) -> Grammar {
    Grammar::gnu(spec).stop_at_operand()
}

static PKEXEC: LazyLock<Grammar> =
    LazyLock::new(|| g("/user: /keep-cwd /disable-internal-agent /help /version"));
static RUN0: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "u/user: g/group: /unit: /property: /description: /slice: /slice-inherit /nice: \
       D/chdir: /setenv: /background: /pty /pipe /machine: /via-shell \
       /shell-prompt-prefix: /lightweight: /no-ask-password h/help V/version",
    )
});
static SYSTEMD_RUN: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "/user /system H/host: M/machine: u/unit: p/property: /description: /slice: \
       /slice-inherit r/remain-after-exit /send-sighup /service-type: /uid: /gid: /nice: \
       /working-directory: d/same-dir E/setenv: t/pty P/pipe q/quiet /on-active: /on-boot: \
       /on-startup: /on-unit-active: /on-unit-inactive: /on-calendar: /on-clock-change \
       /on-timezone-change /timer-property: /path-property: /socket-property: /no-block \
       /wait G/collect S/shell /scope /no-ask-password /json: /expand-environment:: \
       /ignore-failure /background: h/help /version",
    )
});
static CGEXEC: LazyLock<Grammar> = LazyLock::new(|| g("g: /sticky h"));
static CHRT: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "a/all-tasks b/batch d/deadline f/fifo i/idle o/other r/rr R/reset-on-fork \
       T/sched-runtime: P/sched-period: D/sched-deadline: m/max p/pid v/verbose h/help \
       V/version",
    )
});
static TASKSET: LazyLock<Grammar> =
    LazyLock::new(|| g("a/all-tasks c/cpu-list p/pid h/help V/version"));
static NUMACTL: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "a/all i/interleave: p/preferred: /preferred-many: m/membind: N/cpunodebind: \
       C/physcpubind: l/localalloc H/hardware S/show s/shmid: L/length: M/shm: f/file: \
       t/touch o/offset: V/verify b/balancing w/weighted-interleave: h/help",
    )
});
static STRACE: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "a: A b: c C d D e: E: f F h i I: k n o:> O: p: P: q r s: S: t T u: U: v V w x X: y z \
       Z /output:> /attach: /user: /trace: /signal: /summary-only /follow-forks \
       /string-limit: /absolute-timestamps:: /relative-timestamps:: /syscall-times:: \
       /decode-fds:: /seccomp-bpf /quiet:: /silent:: /env: /instruction-pointer \
       /output-separately /summary /summary-sort-by: /columns: /decode-pids:: /trace-path: \
       /status: /stack-trace /no-abbrev /verbose: /raw: /read: /write: /inject: /fault: \
       /kill-on-exit /daemonize:: /debug /help /version",
    )
});
static LTRACE: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "a/align: A: b c C D/debug: e: f F/config: h/help i l/library: L n/indent: o/output:> \
       p: r s: S t T u: w/where: x: /demangle /version",
    )
});
static SSHPASS: LazyLock<Grammar> = LazyLock::new(|| g("f: d: p: e P: v h V"));
static FAKEROOT: LazyLock<Grammar> =
    LazyLock::new(|| g("l/lib: /faked: s: i: u/unknown-is-real b: h/help v/version"));
static UNBUFFER: LazyLock<Grammar> = LazyLock::new(|| g("p"));

/// Classify these runners; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let (grammar, skip, elevates, what): (&Grammar, usize, bool, &str) = match name {
        "pkexec" => (&PKEXEC, 0, true, "runs as another user"),
        "run0" => (&RUN0, 0, true, "runs as another user"),
        "systemd-run" => (&SYSTEMD_RUN, 0, true, "runs a transient service"),
        "cgexec" => (&CGEXEC, 0, true, "runs in another cgroup"),
        "chrt" => (&CHRT, 1, false, "sets a scheduling policy"),
        "taskset" => (&TASKSET, 1, false, "sets a CPU affinity"),
        "numactl" => (&NUMACTL, 0, false, "sets a NUMA policy"),
        "strace" => (&STRACE, 0, false, "traces"),
        "ltrace" => (&LTRACE, 0, false, "traces"),
        "sshpass" => (&SSHPASS, 0, false, "supplies a password"),
        "fakeroot" => (&FAKEROOT, 0, false, "fakes root"),
        "unbuffer" => (&UNBUFFER, 0, false, "unbuffers"),
        _ => return None,
    };
    let parsed = grammar.parse(args);
    if matches!(name, "chrt" | "taskset") && parsed.has("--pid") {
        return Some(Verdict::change(format!(
            "{name} -p changes another process"
        )));
    }
    let unsafe_opt = parsed.not_read_only(name);
    let (s, bad) = starts(grammar, args);
    let s: Vec<usize> = s.into_iter().map(|x| x + skip).collect();
    let v = match (worst_argv(args, &s, depth), bad) {
        (Some(inner), _) if elevates => elevated(name, what, inner),
        (Some(inner), _) => inner,
        (None, Some(b)) => Verdict::change(format!("{name}: {b}")),
        (None, None) => Verdict::change(format!("{name} without a command")),
    };
    Some(match unsafe_opt {
        Some(why) => v.at_least_change(&why),
        None => v,
    })
}

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    for (name, g) in [
        ("pkexec", &*PKEXEC),
        ("run0", &*RUN0),
        ("systemd-run", &*SYSTEMD_RUN),
        ("cgexec", &*CGEXEC),
        ("chrt", &*CHRT),
        ("taskset", &*TASKSET),
        ("numactl", &*NUMACTL),
        ("strace", &*STRACE),
        ("ltrace", &*LTRACE),
        ("sshpass", &*SSHPASS),
        ("fakeroot", &*FAKEROOT),
        ("unbuffer", &*UNBUFFER),
    ] {
        super::inner::assert_well_formed(name, g);
    }
}
