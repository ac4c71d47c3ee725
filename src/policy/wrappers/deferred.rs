//! Runners that run a command later or detached from the console: `at`/`batch` and
//! `crontab` (their payload from a here-string, heredoc, `echo`/`printf` pipe or a file the
//! same line wrote), `tmux new -d CMD` and friends, `screen -dm CMD`, and scripts the line
//! wrote then runs (`echo CMD > F; sh F`, `. F`, `./F`). The payload is classified as an
//! `sh -c` string is, so rules see the commands it runs.

use std::sync::LazyLock;

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::super::grammar::Grammar;
use super::super::shell::Input;
use super::inner::{worse, worst_argv};

static AT: LazyLock<Grammar> =
    LazyLock::new(|| Grammar::gnu("V q: f: u: m M l d r b v t: c h /help").stop_at_operand());
static SCREEN: LazyLock<Grammar> = LazyLock::new(|| {
    Grammar::gnu(
        "a A c: d D e: f h: i l L m O p: q Q r R s: S: t: T: U v x X: /Logfile: /wipe /help",
    )
    .stop_at_operand()
});

/// Classify deferred and detached runners; `None` for other names and forms.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    match name {
        "at" | "batch" => Some(at(name, args, depth)),
        "crontab" => crontab(args, depth),
        "tmux" => Some(tmux(args, depth)),
        "screen" => Some(screen(args, depth)),
        "source" | "." => Some(match args.first() {
            Some(file) => run_file(name, file, depth),
            None => Verdict::change(format!("{name} without a file")),
        }),
        _ => None,
    }
}

/// The verdict of a payload (`texts`, each a script after `split`), from `from`, run by
/// `name`: destructive when a command in it is, else `change` naming it.
fn payload(
    name: &str,
    from: &str,
    texts: &[String],
    split: impl Fn(&str) -> Vec<String>,
    depth: usize,
) -> Verdict {
    let scripts: Vec<String> = texts.iter().flat_map(|t| split(t)).collect();
    let worst = classify::with_stdin(None, || {
        scripts
            .iter()
            .map(|s| classify::script(s, depth + 1))
            .reduce(worse)
    });
    match worst {
        Some(v) if v.class == Class::Destructive => {
            Verdict::destructive(format!("{name} runs commands from {from}: {}", v.reason))
        }
        Some(v) => Verdict::change(format!("{name} runs commands from {from}: {}", v.reason)),
        None => Verdict::change(format!("{name} runs nothing from {from}")),
    }
}

fn whole(text: &str) -> Vec<String> {
    vec![text.to_string()]
}

/// The payload a runner reads on standard input, classified with `split`.
fn stdin_payload(name: &str, split: impl Fn(&str) -> Vec<String>, depth: usize) -> Verdict {
    match classify::stdin().as_deref() {
        Some(Input::Literal { texts, from, .. }) => payload(name, from, texts, split, depth),
        Some(Input::Unknown(from)) => Verdict::change(format!("{name} runs commands from {from}")),
        None => Verdict::change(format!("{name} reads commands from the terminal")),
    }
}

/// A script file `name` runs: classified on its text when the line wrote it.
pub(crate) fn run_file(name: &str, file: &str, depth: usize) -> Verdict {
    match classify::written(file).as_deref() {
        Some(Input::Literal { texts, .. }) => payload(
            name,
            &format!("{file}, written on this line"),
            texts,
            whole,
            depth,
        ),
        Some(Input::Unknown(from)) => {
            Verdict::change(format!("{name} runs {file}, written from {from}"))
        }
        None => Verdict::change(format!("{name} runs the script {file}")),
    }
}

/// `at [opts] TIME` / `batch`: commands from standard input or `-f FILE`, run later.
fn at(name: &str, args: &[String], depth: usize) -> Verdict {
    let parsed = AT.parse(args);
    if parsed.bad().is_none() && (parsed.has("-l") || parsed.has("-c")) && !parsed.has("-f") {
        return Verdict::read_only(format!("{name} -l/-c lists or prints jobs"));
    }
    if parsed.has("-r") || parsed.has("-d") {
        return Verdict::change(format!("{name} -r removes jobs"));
    }
    let v = match parsed.value("-f") {
        Some(file) => run_file(name, file, depth),
        None => stdin_payload(name, whole, depth),
    };
    v.at_least_change(&format!("{name} schedules commands"))
}

/// `crontab -` or `crontab` without a file reads a crontab from standard input; `crontab F`
/// installs F. Other forms (`-l`, `-r`, `-e`) are the plain crontab rules.
fn crontab(args: &[String], depth: usize) -> Option<Verdict> {
    let parsed = super::super::tables::grammar("crontab").parse(args);
    if ["-l", "-r", "-e", "-i"].iter().any(|o| parsed.has(o)) || parsed.bad().is_some() {
        return None;
    }
    let ops = parsed.operands();
    let v = match ops.first() {
        None | Some(&"-") => stdin_payload("crontab", cron_commands, depth),
        Some(file) => match classify::written(file).as_deref() {
            Some(Input::Literal { texts, .. }) => {
                payload("crontab", file, texts, cron_commands, depth)
            }
            _ => return None,
        },
    };
    Some(v.at_least_change("crontab installs a crontab"))
}

/// The commands of a crontab: each entry after its five time fields (or `@reboot`-style
/// nickname), up to the first unescaped `%` (the rest is the command's input).
fn cron_commands(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !super::plain::is_assignment(l.split_whitespace().next().unwrap_or("")))
        .filter_map(|l| {
            let skip = if l.starts_with('@') { 1 } else { 5 };
            let mut rest = l;
            for _ in 0..skip {
                rest = rest.trim_start();
                let end = rest.find(char::is_whitespace)?;
                rest = &rest[end..];
            }
            let mut out = String::new();
            let mut chars = rest.trim().chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.extend(chars.next()),
                    '%' => break,
                    c => out.push(c),
                }
            }
            Some(out)
        })
        .collect()
}

/// `tmux [opts] CMD [args] [; CMD …]`: the commands that start a shell command
/// (new-session, new-window, split-window, respawn-*, run-shell, if-shell, display-popup)
/// run it with `sh -c`; `send-keys` types text into a shell. Anything else is `change`.
fn tmux(args: &[String], depth: usize) -> Verdict {
    static TMUX: LazyLock<Grammar> =
        LazyLock::new(|| Grammar::gnu("2 C D l N u T: v V c: f: L: S:").stop_at_operand());
    let parsed = TMUX.parse(args);
    let mut verdict = Verdict::change("tmux starts or controls a terminal session");
    for c in parsed.values("-c") {
        verdict = worse(verdict, detached("tmux -c", classify::script(c, depth + 1)));
    }
    let Some(at) = parsed.first_operand else {
        return verdict;
    };
    for command in args[at..].split(|a| a == ";" || a == "\\;") {
        if let Some(v) = tmux_command(command, depth) {
            verdict = worse(verdict, v);
        }
    }
    verdict
}

fn tmux_command(words: &[String], depth: usize) -> Option<Verdict> {
    let (cmd, rest) = words.split_first()?;
    // Options of each command that take a value (the rest are flags).
    let values: &str = match cmd.as_str() {
        "new-session" | "new" => "cefFnst xy",
        "new-window" | "neww" => "cefFnt",
        "split-window" | "splitw" => "cefFlt",
        "respawn-pane" | "respawnp" | "respawn-window" | "respawnw" => "cet",
        "run-shell" | "run" => "cdt",
        "display-popup" | "popup" => "bcdehsStTwxy",
        "if-shell" | "if" => "t",
        "send-keys" | "send" => "cNt",
        _ => return None,
    };
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        if w == "--" {
            i += 1;
            break;
        }
        if !w.starts_with('-') || w == "-" {
            break;
        }
        i += 1;
        if let Some(letter) = w[1..].chars().find(|c| values.contains(*c))
            && w.ends_with(letter)
        {
            i += 1;
        }
    }
    let operands = rest.get(i..).unwrap_or_default();
    if operands.is_empty() {
        return None;
    }
    let text = operands.join(" ");
    let inner = classify::script(&text, depth + 1);
    Some(detached(&format!("tmux {cmd}"), inner))
}

/// `screen [opts] [cmd args…]`: the command runs in a (possibly detached) window;
/// `-X CMD…` sends a screen command (`stuff` types text into a shell).
fn screen(args: &[String], depth: usize) -> Verdict {
    let parsed = SCREEN.parse(args);
    let ops = parsed.operands();
    let mut verdict = Verdict::change("screen starts or controls a terminal session");
    if parsed.has("-X") {
        let mut words: Vec<&str> = parsed.values("-X");
        words.extend(ops.iter().copied());
        let text = match words.first() {
            Some(&("stuff" | "exec" | "screen")) => words[1..].join(" "),
            _ => words.join(" "),
        };
        let text = text.replace("\\n", "\n").replace("\\r", "\n");
        return worse(
            verdict,
            detached("screen -X", classify::script(&text, depth + 1)),
        );
    }
    if let Some(at) = parsed.first_operand
        && let Some(inner) = worst_argv(args, &[at], depth)
    {
        verdict = worse(verdict, detached("screen", inner));
    }
    verdict
}

/// A command started detached from the console: destructive when it is, else `change`.
fn detached(what: &str, inner: Verdict) -> Verdict {
    match inner.class {
        Class::Destructive => Verdict::destructive(format!("{what}: {}", inner.reason)),
        _ => Verdict::change(format!("{what} runs a command detached: {}", inner.reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::cron_commands;

    #[test]
    fn crontab_entries_are_the_commands_after_the_time_fields() {
        assert_eq!(
            cron_commands("# x\nMAILTO=a\n* * * * * /sbin/reboot\n@daily rm -rf /x % in\n"),
            ["/sbin/reboot", "rm -rf /x "]
        );
    }
}
