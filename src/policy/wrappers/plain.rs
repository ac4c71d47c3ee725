//! Runners that run their command as the same user: timeout, nice, ionice, stdbuf, nohup,
//! time, env, exec, command, builtin, busybox, coproc, watch, xargs, parallel, eval.

use std::sync::LazyLock;

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::grammar::Grammar;
use super::inner::{run, starts, worse, worst_argv, worst_script};

fn g(spec: &str) -> Grammar {
    Grammar::gnu(spec).stop_at_operand()
}

static TIMEOUT: LazyLock<Grammar> = LazyLock::new(|| {
    g("f/foreground k/kill-after: p/preserve-status s/signal: v/verbose /help /version")
});
static NICE: LazyLock<Grammar> = LazyLock::new(|| g("n/adjustment: /help /version"));
static IONICE: LazyLock<Grammar> =
    LazyLock::new(|| g("c/class: n/classdata: p/pid: P/pgid: t/ignore u/uid: h/help V/version"));
static STDBUF: LazyLock<Grammar> =
    LazyLock::new(|| g("i/input: o/output: e/error: /help /version"));
static NOHUP: LazyLock<Grammar> = LazyLock::new(|| g("/help /version"));
static TIME: LazyLock<Grammar> = LazyLock::new(|| {
    g("a/append o/output:> f/format: p/portability q/quiet v/verbose V/version /help")
});
static ENV: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "i/ignore-environment 0/null u/unset: C/chdir: S/split-string: v/debug \
       /block-signal:: /default-signal:: /ignore-signal:: /list-signal-handling /help /version",
    )
});
static EXEC: LazyLock<Grammar> = LazyLock::new(|| g("c l a:"));
static COMMAND: LazyLock<Grammar> = LazyLock::new(|| g("p v V"));
static WATCH: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "b/beep c/color C/no-color d/differences:: e/errexit g/chgexit n/interval: p/precise \
       q/equexit: r/no-rerun s/shell: t/no-title w/no-wrap x/exec h/help v/version",
    )
});
static XARGS: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "0/null a/arg-file: d/delimiter: E: e/eof:: I: i/replace:: L: l/max-lines:: \
       n/max-args: P/max-procs: p/interactive /process-slot-var: r/no-run-if-empty \
       s/max-chars: /show-limits t/verbose x/exit o/open-tty /help /version",
    )
});
static PARALLEL: LazyLock<Grammar> = LazyLock::new(|| {
    g(
        "j/jobs|max-procs: P: a/arg-file: d/delimiter: E: I: i/replace:: n/max-args: N: \
       L/max-lines: l: S/sshlogin: /sshloginfile|slf: /joblog: /results|res: /tmpdir: \
       /timeout: /delay: X /xargs k/keep-order q/quote /pipe /block|block-size: /bar /eta \
       /progress /dry-run /halt|halt-on-error: C/colsep: /header: /tag /tagstring: \
       u/ungroup /group /line-buffer|lb v/verbose /nice: /retries: /memfree: /load: \
       /env: /workdir|wd: /basefile|bf: /transfer /trc: /return: /cleanup /will-cite \
       /citation 0/null r/no-run-if-empty m /shuf /plus /max-replace-args: s/max-chars: \
       t /files /compress /ssh: /sql: /shebang /semaphore /id: /fg /bg /limit: /record-env \
       /version /help /max-line-length-allowed /number-of-cpus /number-of-cores",
    )
});

/// Classify runners that keep the user; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let v = match name {
        "timeout" => {
            let (inner, bad) = run(name, &TIMEOUT, args, 1, depth);
            inner.unwrap_or_else(|| Verdict::change(missing(name, bad)))
        }
        "nice" => nice(args, depth),
        "ionice" => {
            let parsed = IONICE.parse(args);
            if ["-p", "-P", "-u"].iter().any(|o| parsed.has(o)) {
                return Some(Verdict::change("ionice changes another process"));
            }
            let (inner, bad) = run(name, &IONICE, args, 0, depth);
            inner.unwrap_or_else(|| Verdict::change(missing(name, bad)))
        }
        "stdbuf" => {
            let (inner, bad) = run(name, &STDBUF, args, 0, depth);
            inner.unwrap_or_else(|| Verdict::change(missing(name, bad)))
        }
        "nohup" => run(name, &NOHUP, args, 0, depth)
            .0
            .unwrap_or_else(|| Verdict::change("nohup without a command"))
            .at_least_change("nohup writes nohup.out"),
        "time" => {
            let parsed = TIME.parse(args);
            let writes = parsed.has("-o");
            let (inner, bad) = run(name, &TIME, args, 0, depth);
            let inner = inner.unwrap_or_else(|| Verdict::change(missing(name, bad)));
            if writes {
                inner.at_least_change("time -o writes a file")
            } else {
                inner
            }
        }
        "env" => env(args, depth),
        "exec" => {
            let (inner, bad) = run(name, &EXEC, args, 0, depth);
            inner.unwrap_or_else(|| Verdict::change(missing(name, bad)))
        }
        "command" => {
            let parsed = COMMAND.parse(args);
            if parsed.bad().is_none() && (parsed.has("-v") || parsed.has("-V")) {
                return Some(Verdict::read_only("command -v looks a name up"));
            }
            let (inner, bad) = run(name, &COMMAND, args, 0, depth);
            inner.unwrap_or_else(|| Verdict::change(missing(name, bad)))
        }
        "builtin" | "busybox" => match args.first().map(String::as_str) {
            None => Verdict::change(format!("{name} without a command")),
            Some("--list" | "--help" | "--list-full") => {
                Verdict::read_only(format!("{name} lists its applets"))
            }
            Some(a) if a.starts_with('-') => Verdict::change(format!("{name} {a}")),
            Some(_) => classify::argv(args, depth + 1),
        },
        "coproc" => coproc(args, depth),
        "watch" => watch(args, depth),
        "xargs" => xargs(args, depth),
        "parallel" => parallel(args, depth),
        "eval" => match args.is_empty() {
            true => Verdict::change("eval without a command"),
            false => classify::script(&args.join(" "), depth + 1)
                .at_least_change("eval runs its arguments as a script"),
        },
        _ => return None,
    };
    Some(v)
}

fn missing(name: &str, bad: Option<String>) -> String {
    match bad {
        Some(b) => format!("{name}: {b}"),
        None => format!("{name} without a command"),
    }
}

/// `nice [-N | -n N] [cmd…]`; the obsolete `-N`/`--N` adjustment comes first.
fn nice(args: &[String], depth: usize) -> Verdict {
    let numeric = |a: &str| {
        let body = a.strip_prefix('-').unwrap_or("");
        let body = body.strip_prefix(['-', '+']).unwrap_or(body);
        a.starts_with('-') && !body.is_empty() && body.chars().all(|c| c.is_ascii_digit())
    };
    let skip = usize::from(args.first().is_some_and(|a| numeric(a)));
    let rest = args.get(skip..).unwrap_or_default();
    let (inner, bad) = run("nice", &NICE, rest, 0, depth);
    match (inner, bad) {
        (Some(v), _) => v,
        (None, Some(b)) => Verdict::change(format!("nice: {b}")),
        (None, None) if args.is_empty() => Verdict::read_only("nice prints the niceness"),
        (None, None) => Verdict::change("nice without a command"),
    }
}

/// `env [opts] [-] [NAME=value…] [cmd…]`; `-S` splits a string into the command.
fn env(args: &[String], depth: usize) -> Verdict {
    let parsed = ENV.parse(args);
    let bad = parsed.bad();
    let split = parsed.values("--split-string");
    let mut i = parsed.first_operand.unwrap_or(args.len());
    let options = &args[..i.min(args.len())];
    while args.get(i).is_some_and(|a| a == "-") {
        i += 1;
    }
    let mut assigned = Vec::new();
    while i < args.len() && is_assignment(&args[i]) {
        assigned.push(args[i].clone());
        i += 1;
    }
    let rest = args.get(i..).unwrap_or_default();
    if !split.is_empty() {
        let text = split
            .iter()
            .map(|s| s.to_string())
            .chain(rest.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        return classify::script(&text, depth + 1)
            .at_least_change("env -S splits a string into a command");
    }
    let mut inner = if bad.is_some() {
        let (s, _) = starts(&ENV, args);
        worst_argv(args, &s, depth)
    } else {
        None
    };
    if !rest.is_empty() {
        let v = classify::argv(rest, depth + 1);
        inner = Some(match inner {
            Some(w) => worse(w, v),
            None => v,
        });
    }
    let Some(inner) = inner else {
        return if assigned.is_empty() && options.is_empty() {
            Verdict::read_only("env prints the environment")
        } else {
            Verdict::change("env changes the environment")
        };
    };
    if let Some(b) = bad {
        return inner.at_least_change(&format!("env: {b}"));
    }
    if assigned.is_empty() && options.is_empty() {
        inner
    } else {
        let what = if assigned.is_empty() {
            options.join(" ")
        } else {
            assigned.join(" ")
        };
        inner.at_least_change(&format!("env sets {what} before {}", rest[0]))
    }
}

pub(crate) fn is_assignment(arg: &str) -> bool {
    match arg.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// `coproc [NAME] cmd…`: the command runs in the background.
fn coproc(args: &[String], depth: usize) -> Verdict {
    let mut starts = vec![0];
    if let Some(open) = args.iter().position(|a| a == "{" || a == "(") {
        starts.push(open + 1);
    }
    starts.push(1);
    worst_argv(args, &starts, depth)
        .unwrap_or_else(|| Verdict::change("coproc without a command"))
        .at_least_change("coproc runs a command in the background")
}

/// `watch [opts] cmd…`: the words are joined and run by `sh -c`, unless `-x`.
fn watch(args: &[String], depth: usize) -> Verdict {
    let parsed = WATCH.parse(args);
    let exec = parsed.has("--exec");
    let (s, bad) = starts(&WATCH, args);
    let inner = if exec {
        worst_argv(args, &s, depth)
    } else {
        let scripts: Vec<String> = s
            .iter()
            .filter_map(|i| args.get(*i..))
            .map(|r| r.join(" "))
            .collect();
        worst_script(scripts.iter().map(String::as_str), depth)
    };
    let inner = inner.unwrap_or_else(|| Verdict::change(missing("watch", bad.clone())));
    let inner = match bad {
        Some(b) => inner.at_least_change(&format!("watch: {b}")),
        None => inner,
    };
    inner.at_least_change("watch is interactive")
}

/// `xargs [opts] cmd…`: piped input becomes arguments; its commands read no pipe.
fn xargs(args: &[String], depth: usize) -> Verdict {
    let (s, bad) = starts(&XARGS, args);
    let inner = classify::with_stdin(None, || worst_argv(args, &s, depth));
    match inner {
        Some(v) if v.class == Class::Destructive => {
            Verdict::destructive(format!("xargs: {}", v.reason))
        }
        _ => {
            let cmd = s
                .first()
                .and_then(|i| args.get(*i))
                .map(String::as_str)
                .unwrap_or("echo");
            match bad {
                Some(b) => Verdict::change(format!("xargs: {b}")),
                None => Verdict::change(format!("xargs turns piped input into arguments of {cmd}")),
            }
        }
    }
}

/// `parallel [opts] command ::: args` (the command is run by a shell); without a command
/// the arguments are the commands.
fn parallel(args: &[String], depth: usize) -> Verdict {
    let (s, bad) = starts(&PARALLEL, args);
    let is_sep = |a: &String| matches!(a.as_str(), ":::" | "::::" | ":::+" | "::::+");
    let mut scripts: Vec<String> = Vec::new();
    for start in &s {
        let rest = args.get(*start..).unwrap_or_default();
        let end = rest.iter().position(is_sep).unwrap_or(rest.len());
        if end > 0 {
            scripts.push(rest[..end].join(" "));
        } else {
            let mut after = false;
            for a in rest {
                if is_sep(a) {
                    after = true;
                } else if after {
                    scripts.push(a.clone());
                }
            }
        }
    }
    if s.is_empty() {
        scripts.extend(
            args.iter()
                .skip_while(|a| !is_sep(a))
                .filter(|a| !is_sep(a))
                .cloned(),
        );
    }
    let inner = classify::with_stdin(None, || {
        worst_script(scripts.iter().map(String::as_str), depth)
    });
    match inner {
        Some(v) if v.class == Class::Destructive => {
            Verdict::destructive(format!("parallel: {}", v.reason))
        }
        Some(v) => Verdict::change(format!("parallel runs commands: {}", v.reason)),
        None => Verdict::change(missing("parallel", bad)),
    }
}

#[cfg(test)]
#[test]
fn grammars_are_well_formed() {
    for (name, g) in [
        ("timeout", &*TIMEOUT),
        ("nice", &*NICE),
        ("ionice", &*IONICE),
        ("stdbuf", &*STDBUF),
        ("nohup", &*NOHUP),
        ("time", &*TIME),
        ("env", &*ENV),
        ("exec", &*EXEC),
        ("command", &*COMMAND),
        ("watch", &*WATCH),
        ("xargs", &*XARGS),
        ("parallel", &*PARALLEL),
    ] {
        super::inner::assert_well_formed(name, g);
    }
}
