//! Runners that change who or where a command runs (sudo, doas, runuser, su, sg, chroot,
//! nsenter, unshare) and session runners (setsid, flock, script): destructive when the inner
//! command is, otherwise at least `change`.

use std::sync::LazyLock;

use super::super::classify::{self, Verdict};
use super::super::grammar::Grammar;
use super::inner::{elevated, starts, worse, worst_argv, worst_script};
use super::shells::stdin_script;

/// A runner with no command starts a shell; with a payload on standard input that shell runs
/// it.
fn login_shell(name: &str, what: &str, depth: usize) -> Verdict {
    match classify::stdin() {
        Some(_) => elevated(name, what, stdin_script(name, depth)),
        None => Verdict::change(format!("{name} {what} with an interactive shell")),
    }
}

fn g(spec: &str) -> Grammar {
    Grammar::gnu(spec).stop_at_operand()
}

static SUDO: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "A/askpass a: B/bell b/background C/close-from: c: D/chdir: E/preserve-env:: e/edit \
       g/group: H/set-home h:: /host: /help i/login K/remove-timestamp k/reset-timestamp \
       l/list N/no-update n/non-interactive P/preserve-groups p/prompt: R/chroot: r/role: \
       S/stdin s/shell T/command-timeout: t/type: U/other-user: u/user: V/version v/validate",
    )
});
static DOAS: LazyLock<Grammar> = LazyLock::new(|| g("a: C: L n s u:"));
static SU: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "c/command: /session-command: f/fast g/group: G/supp-group: l/login \
         m/preserve-environment p P/pty s/shell: w/whitelist-environment: h/help V/version",
    )
});
static RUNUSER: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "c/command: /session-command: f/fast g/group: G/supp-group: l/login \
       m/preserve-environment p P/pty s/shell: u/user: w/whitelist-environment: h/help \
       V/version",
    )
});
static CHROOT: LazyLock<Grammar> =
    LazyLock::new(|| g("/groups: /userspec: /skip-chdir /help /version"));
static NSENTER: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "a/all t/target: m/mount:: u/uts:: i/ipc:: n/net:: p/pid:: C/cgroup:: U/user:: \
       T/time:: S/setuid: G/setgid: /preserve-credentials r/root:: w/wd:: W/wdns: e/env \
       F/no-fork Z/follow-context c/join-cgroup /keep-caps /user-parent h/help V/version",
    )
});
static UNSHARE: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "m/mount:: u/uts:: i/ipc:: n/net:: p/pid:: U/user:: C/cgroup:: T/time:: f/fork \
       /kill-child:: /mount-proc:: /mount-binfmt:: /map-user: /map-group: r/map-root-user \
       c/map-current-user /map-auto /map-users: /map-groups: /propagation: /setgroups: \
       R/root: w/wd: S/setuid: G/setgid: /monotonic: /boottime: l/load-interp: /keep-caps \
       h/help V/version",
    )
});
static SETSID: LazyLock<Grammar> = LazyLock::new(|| g("c/ctty f/fork w/wait h/help V/version"));
static FLOCK: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "s/shared x/exclusive e n/nb|nonblock w/timeout|wait: E/conflict-exit-code: o/close \
       F/no-fork u/unlock c/command: /verbose h/help V/version",
    )
});
static SCRIPT: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "a/append c/command: E/echo: e/return f/flush /force B/log-io: I/log-in: O/log-out: \
         T/log-timing: m/logging-format: o/output-limit: q/quiet t/timing:: h/help V/version",
    )
});

/// Classify runners that change user, root or namespace; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let v = match name {
        "sudo" => sudo(args, depth),
        "doas" => {
            let parsed = DOAS.parse(args);
            if parsed.has("-C") {
                return Some(Verdict::change("doas -C checks a configuration"));
            }
            argv_runner(name, &DOAS, args, 0, depth, "runs as another user")
        }
        "su" | "runuser" => su(name, args, depth),
        "sg" => sg(args, depth),
        "chroot" => argv_runner(name, &CHROOT, args, 1, depth, "runs in another root"),
        "nsenter" => argv_runner(name, &NSENTER, args, 0, depth, "enters other namespaces"),
        "unshare" => argv_runner(name, &UNSHARE, args, 0, depth, "runs in new namespaces"),
        "setsid" => argv_runner(name, &SETSID, args, 0, depth, "detaches a session"),
        "flock" => flock(args, depth),
        "script" => {
            let parsed = SCRIPT.parse(args);
            let commands = parsed.values("--command");
            match worst_script(commands.iter().copied(), depth) {
                Some(inner) => elevated(name, "records a session", inner),
                None => Verdict::change("script opens a recorded shell"),
            }
        }
        _ => return None,
    };
    Some(v)
}

/// A runner whose inner argv starts at its first operand plus `skip`.
fn argv_runner(
    name: &str,
    grammar: &Grammar,
    args: &[String],
    skip: usize,
    depth: usize,
    what: &str,
) -> Verdict {
    let (s, bad) = starts(grammar, args);
    let s: Vec<usize> = s.into_iter().map(|x| x + skip).collect();
    match (worst_argv(args, &s, depth), bad) {
        (Some(inner), _) => elevated(name, what, inner),
        (None, Some(b)) => Verdict::change(format!("{name}: {b}")),
        (None, None) => login_shell(name, what, depth),
    }
}

fn sudo(args: &[String], depth: usize) -> Verdict {
    let parsed = SUDO.parse(args);
    if parsed.bad().is_none() {
        for (opt, why) in [
            ("--edit", "sudo -e edits files as root"),
            ("--list", "sudo -l lists privileges"),
            ("--validate", "sudo -v refreshes credentials"),
            ("--version", "sudo -V prints its version"),
        ] {
            if parsed.has(opt) {
                return Verdict::change(why);
            }
        }
    }
    let (s, bad) = starts(&SUDO, args);
    match (worst_argv(args, &s, depth), bad) {
        (Some(inner), _) => elevated("sudo", "runs as another user", inner),
        (None, Some(b)) => Verdict::change(format!("sudo: {b}")),
        (None, None) if parsed.has("--shell") || parsed.has("--login") => {
            login_shell("sudo", "runs as another user", depth)
        }
        (None, None) => Verdict::change("sudo without a command"),
    }
}

/// `su [opts] [-] [user [shell args]]`, `runuser -u user [--] cmd…`: `-c`/`--session-command`
/// strings and a `-c` handed on to the shell are scripts.
fn su(name: &str, args: &[String], depth: usize) -> Verdict {
    let grammar: &Grammar = if name == "su" { &SU } else { &RUNUSER };
    let parsed = grammar.parse(args);
    let mut scripts: Vec<&str> = parsed.values("--command");
    scripts.extend(parsed.values("--session-command"));
    let ops = parsed.operands();
    // Words after the user go to the shell: `su root -- -c 'cmd'`.
    if let Some(c) = ops
        .iter()
        .position(|o| o.len() > 1 && o.starts_with('-') && !o.starts_with("--") && o.ends_with('c'))
        && let Some(cmd) = ops.get(c + 1)
    {
        scripts.push(cmd);
    }
    let mut inner = worst_script(scripts.iter().copied(), depth);
    if name == "runuser" && parsed.has("--user") {
        let (s, _) = starts(grammar, args);
        if let Some(v) = worst_argv(args, &s, depth) {
            inner = Some(match inner {
                Some(w) => worse(w, v),
                None => v,
            });
        }
    }
    match (inner, parsed.bad()) {
        (Some(v), _) => elevated(name, "runs as another user", v),
        (None, Some(b)) => Verdict::change(format!("{name}: {b}")),
        (None, None) => login_shell(name, "opens a shell as another user", depth),
    }
}

/// `sg [-] [group [-c] command]`: the command is run by `sh -c`.
fn sg(args: &[String], depth: usize) -> Verdict {
    let mut rest = args;
    if rest.first().is_some_and(|a| a == "-") {
        rest = &rest[1..];
    }
    let cmd = rest.get(1..).unwrap_or_default();
    let cmd = match cmd.first() {
        Some(c) if c == "-c" => &cmd[1..],
        _ => cmd,
    };
    match worst_script([cmd.join(" ")].iter().map(String::as_str), depth) {
        Some(inner) if !cmd.is_empty() => elevated("sg", "runs with another group", inner),
        _ => Verdict::change("sg opens a shell with another group"),
    }
}

/// `flock [opts] FILE cmd…`, `flock [opts] FILE -c 'cmd'`, `flock -c 'cmd' FILE`.
fn flock(args: &[String], depth: usize) -> Verdict {
    let parsed = FLOCK.parse(args);
    let mut scripts: Vec<String> = parsed
        .values("--command")
        .into_iter()
        .map(str::to_string)
        .collect();
    let (s, bad) = starts(&FLOCK, args);
    let mut argv_starts = Vec::new();
    for file in s {
        match args.get(file + 1).map(String::as_str) {
            Some("-c" | "--command") => scripts.extend(args.get(file + 2).cloned()),
            Some(_) => argv_starts.push(file + 1),
            None => {}
        }
    }
    let a = worst_argv(args, &argv_starts, depth);
    let b = worst_script(scripts.iter().map(String::as_str), depth);
    let inner = match (a, b) {
        (Some(x), Some(y)) => Some(worse(x, y)),
        (x, y) => x.or(y),
    };
    match (inner, bad) {
        (Some(v), _) => elevated("flock", "creates a lock file and runs", v),
        (None, Some(b)) => Verdict::change(format!("flock: {b}")),
        (None, None) => Verdict::change("flock takes a lock"),
    }
}

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    for (name, g) in [
        ("sudo", &*SUDO),
        ("doas", &*DOAS),
        ("su", &*SU),
        ("runuser", &*RUNUSER),
        ("chroot", &*CHROOT),
        ("nsenter", &*NSENTER),
        ("unshare", &*UNSHARE),
        ("setsid", &*SETSID),
        ("flock", &*FLOCK),
        ("script", &*SCRIPT),
    ] {
        super::inner::assert_well_formed(name, g);
    }
}
