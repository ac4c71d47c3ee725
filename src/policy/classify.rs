//! Turning a parsed command line (or a direct argv) into a [`Class`] and a short reason.

use std::cell::RefCell;
use std::rc::Rc;

use super::shell::{self, Input, SimpleCommand};
use super::{Class, rules};

/// Bytes of nested command text (wrapper candidates, payloads, `sh -c` strings) analysed for
/// one command line: this many times the line itself, and at least [`MIN_BUDGET`]. Beyond it
/// the command is too complex to analyse.
const BUDGET_FACTOR: usize = 4;
const MIN_BUDGET: usize = 128 * 1024;

thread_local! {
    /// Work spent on the command line being classified (reset at depth 0).
    static WORK: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
    /// Standard input of the command being classified, when the command line shows it.
    static STDIN: RefCell<Option<Rc<Input>>> = const { RefCell::new(None) };
    /// Files written earlier on the line being classified, with the text written to them.
    static WRITTEN: RefCell<Vec<(String, Rc<Input>)>> = const { RefCell::new(Vec::new()) };
    /// When set, every command the classifier reaches (after unwrapping) is recorded here.
    static SEEN: RefCell<Option<super::unwrapped::Unwrapped>> = const { RefCell::new(None) };
}

/// Record `argv` (a command the classifier reached) when a caller collects them.
fn seen(argv: impl FnOnce() -> Vec<String>) {
    SEEN.with(|s| {
        if let Some(seen) = s.borrow_mut().as_mut() {
            seen.record(argv());
        }
    });
}

/// Note that a command could not be seen through (computed name, too complex).
fn opaque() {
    SEEN.with(|s| {
        if let Some(seen) = s.borrow_mut().as_mut() {
            seen.opaque = true;
        }
    });
}

/// Note that a command is built at run time where no rule can see it (an interpreter's
/// `os.system(cmd)`).
pub(crate) fn opaque_command() {
    opaque();
}

/// Run `f`, collecting every command the classifier reaches while it runs.
pub(crate) fn collecting<T>(f: impl FnOnce() -> T) -> (T, super::unwrapped::Unwrapped) {
    let previous = SEEN.with(|s| s.replace(Some(Default::default())));
    let out = f();
    let collected = SEEN.with(|s| s.replace(previous)).unwrap_or_default();
    (out, collected)
}

/// What the command now being classified reads on standard input (`None`: the terminal, or
/// nothing the command line shows).
pub(crate) fn stdin() -> Option<Rc<Input>> {
    STDIN.with(|s| s.borrow().clone())
}

/// Run `f` with `input` as the standard input of the commands it classifies.
pub(crate) fn with_stdin<T>(input: Option<Rc<Input>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Rc<Input>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            STDIN.with(|s| *s.borrow_mut() = previous);
        }
    }
    let previous = STDIN.with(|s| s.replace(input));
    let _restore = Restore(previous);
    f()
}

/// The text the line being classified wrote to `path` (`echo reboot > /tmp/x; sh /tmp/x`),
/// when it shows it.
pub(crate) fn written(path: &str) -> Option<Rc<Input>> {
    let norm = |p: &str| p.trim_start_matches("./").to_string();
    let wanted = norm(path);
    WRITTEN.with(|w| {
        w.borrow()
            .iter()
            .rev()
            .find(|(p, _)| norm(p) == wanted)
            .map(|(_, i)| i.clone())
    })
}

/// Run `f` with `files` known as written by the line.
fn with_written<T>(files: &[(String, Rc<Input>)], f: impl FnOnce() -> T) -> T {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            let len = self.0;
            WRITTEN.with(|w| w.borrow_mut().truncate(len));
        }
    }
    let len = WRITTEN.with(|w| {
        let mut w = w.borrow_mut();
        let len = w.len();
        w.extend(files.iter().cloned());
        len
    });
    let _restore = Restore(len);
    f()
}

/// Deepest `sh -c "sh -c …"` nesting that is analysed; deeper is `change`.
const MAX_DEPTH: usize = 6;

/// A class with its human reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub class: Class,
    pub reason: String,
}

impl Verdict {
    pub fn read_only(reason: impl Into<String>) -> Verdict {
        Verdict {
            class: Class::ReadOnly,
            reason: reason.into(),
        }
    }
    pub fn change(reason: impl Into<String>) -> Verdict {
        Verdict {
            class: Class::Change,
            reason: reason.into(),
        }
    }
    pub fn destructive(reason: impl Into<String>) -> Verdict {
        Verdict {
            class: Class::Destructive,
            reason: reason.into(),
        }
    }

    /// Raise to at least `change`, keeping a destructive reason.
    pub fn at_least_change(self, why: &str) -> Verdict {
        match self.class {
            Class::ReadOnly => Verdict::change(why),
            Class::Change => self,
            Class::Destructive => self,
        }
    }
}

/// Charge `bytes` of analysis to the current command line; false once over budget.
fn charge(depth: usize, bytes: usize) -> bool {
    WORK.with(|w| {
        let (spent, budget) = if depth == 0 {
            (0, bytes.saturating_mul(BUDGET_FACTOR).max(MIN_BUDGET))
        } else {
            w.get()
        };
        let spent = spent.saturating_add(bytes + 64);
        w.set((spent, budget));
        spent <= budget
    })
}

fn too_complex() -> Verdict {
    opaque();
    Verdict::destructive("command too complex to analyse (treated as destructive)")
}

/// Classify a shell command line.
pub(crate) fn script(command: &str, depth: usize) -> Verdict {
    if !charge(depth, command.len()) {
        return too_complex();
    }
    if depth > MAX_DEPTH {
        return Verdict::destructive(
            "shell commands nested too deeply to analyse (treated as destructive)",
        );
    }
    if command.trim().is_empty() {
        return Verdict::change("empty command");
    }
    let parsed = shell::parse_reading(command, stdin());
    let verdicts: Vec<Verdict> = with_written(&parsed.written, || {
        parsed.commands.iter().map(|c| simple(c, depth)).collect()
    });
    combine(&parsed.hazards, &verdicts, parsed.pipes)
}

fn combine(hazards: &[shell::Hazard], verdicts: &[Verdict], pipes: usize) -> Verdict {
    let worst_cmd = verdicts.iter().max_by_key(|v| v.class);
    let worst_hazard = hazards.iter().rev().max_by_key(|h| h.class);
    let first_hazard = hazards.first();
    let Some(worst_cmd) = worst_cmd else {
        return match worst_hazard {
            Some(h) => Verdict {
                class: h.class.max(Class::Change),
                reason: h.reason.clone(),
            },
            None => Verdict::change("no command found"),
        };
    };
    let destructive_hazard = hazards.iter().find(|h| h.class == Class::Destructive);
    if let Some(h) = destructive_hazard {
        return Verdict::destructive(h.reason.clone());
    }
    match (first_hazard, worst_cmd.class) {
        (Some(h), Class::Destructive) => {
            Verdict::destructive(format!("{}: {}", h.reason, worst_cmd.reason))
        }
        (Some(h), Class::Change) => {
            let first_change = verdicts.iter().find(|v| v.class == Class::Change);
            let detail = first_change.map(|v| v.reason.as_str()).unwrap_or_default();
            Verdict::change(format!("{}: {detail}", h.reason))
        }
        (Some(h), Class::ReadOnly) => Verdict::change(h.reason.clone()),
        (None, Class::ReadOnly) if pipes > 0 => {
            Verdict::read_only(format!("read-only pipeline of {} commands", verdicts.len()))
        }
        (None, _) => {
            let first = verdicts
                .iter()
                .find(|v| v.class == worst_cmd.class)
                .unwrap_or(worst_cmd);
            let reason = if pipes > 0 && first.class == Class::Change {
                format!("pipeline: {}", first.reason)
            } else {
                first.reason.clone()
            };
            Verdict {
                class: first.class,
                reason,
            }
        }
    }
}

/// Classify one simple command from the parse.
fn simple(cmd: &SimpleCommand, depth: usize) -> Verdict {
    let Some(name_word) = cmd.words.first() else {
        return Verdict::change("variable assignment");
    };
    let Some(name) = name_word.value.clone() else {
        opaque();
        return Verdict::change(format!(
            "command name `{}` is expanded at run time",
            name_word.source
        ));
    };
    let args: Vec<String> = cmd.words[1..]
        .iter()
        .map(|w| w.value.clone().unwrap_or_else(|| w.source.clone()))
        .collect();
    seen(|| std::iter::once(name.clone()).chain(args.clone()).collect());
    let mut verdict = match &cmd.stdin {
        Some(input) => with_stdin(Some(input.clone()), || rules::classify(&name, &args, depth)),
        None => rules::classify(&name, &args, depth),
    };
    if let Some(v) = pipe_to_shell(&name, &args, &cmd.upstream) {
        return v;
    }
    if !cmd.assignments.is_empty() {
        verdict = verdict.at_least_change(&format!(
            "environment assignment {} before {name}",
            cmd.assignments.join(" ")
        ));
    }
    if name_word.escaped {
        verdict = verdict.at_least_change(&format!(
            "quoted or escaped command name `{}`",
            name_word.source
        ));
    }
    if name_word.expanded || cmd.words.iter().any(|w| w.expanded) {
        verdict = verdict.at_least_change(&format!(
            "brace expansion `{}` in the command",
            cmd.words
                .iter()
                .find(|w| w.expanded)
                .map_or(name_word.source.as_str(), |w| w.source.as_str())
        ));
    }
    if name_word.glob {
        verdict = glob_name(&name, verdict);
    }
    if let Some(w) = cmd.words[1..].iter().find(|w| w.value.is_none()) {
        verdict =
            verdict.at_least_change(&format!("argument `{}` is expanded at run time", w.source));
    }
    if let Some(w) = cmd.words[1..]
        .iter()
        .find(|w| w.glob && w.source.starts_with(['*', '?', '[']))
    {
        verdict = verdict.at_least_change(&format!(
            "glob `{}` may expand to option-like file names",
            w.source
        ));
    }
    verdict
}

/// A glob in command position runs whatever file the pattern matches: at least `change`, and
/// destructive when the pattern can match a command that is destructive on its own.
fn glob_name(name: &str, verdict: Verdict) -> Verdict {
    let base = name.rsplit('/').next().unwrap_or(name);
    if let Some(hit) = rules::destructive_names().find(|d| super::rule_shape::glob_match(base, d)) {
        return Verdict::destructive(format!("glob `{name}` can run {hit}"));
    }
    verdict.at_least_change(&format!("glob `{name}` in command position"))
}

/// `curl … | sh`: a download piped into an interpreter.
fn pipe_to_shell(name: &str, args: &[String], upstream: &[String]) -> Option<Verdict> {
    const INTERPRETERS: &[&str] = &[
        "sh", "bash", "zsh", "dash", "ksh", "fish", "python", "python3", "perl", "ruby", "node",
        "php",
    ];
    let basename = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let mut base = basename(name);
    if matches!(
        base.as_str(),
        "sudo"
            | "doas"
            | "env"
            | "nohup"
            | "nice"
            | "exec"
            | "command"
            | "timeout"
            | "stdbuf"
            | "setsid"
            | "run0"
            | "pkexec"
    ) {
        // `curl … | sudo bash`, `| env bash`: the runner's command reads the pipe.
        if let Some(inner) = args
            .iter()
            .take_while(|a| !a.starts_with("-c"))
            .map(|a| basename(a))
            .find(|a| INTERPRETERS.contains(&a.as_str()))
        {
            base = inner;
        }
    }
    if !INTERPRETERS.contains(&base.as_str()) {
        return None;
    }
    let fetcher = upstream.iter().find(|u| {
        let b = u.rsplit('/').next().unwrap_or(u);
        matches!(
            b,
            "curl" | "wget" | "fetch" | "nc" | "ncat" | "socat" | "base64"
        )
    })?;
    Some(Verdict::destructive(format!(
        "{fetcher} output piped into {base}"
    )))
}

/// Classify a direct argv: elements are literal data, never shell syntax.
pub(crate) fn argv(argv: &[String], depth: usize) -> Verdict {
    let Some((name, args)) = argv.split_first() else {
        return Verdict::change("empty command");
    };
    if name.contains(['$', '`']) {
        opaque();
    }
    seen(|| argv.to_vec());
    if !charge(depth, argv.iter().map(String::len).sum()) {
        return too_complex();
    }
    if depth > MAX_DEPTH {
        return Verdict::destructive(
            "commands nested too deeply to analyse (treated as destructive)",
        );
    }
    rules::classify(name, args, depth)
}
