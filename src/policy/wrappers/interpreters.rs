//! Interpreter one-liners (`python -c`, `perl -e`, `ruby -e`, `node -e`, `php -r`) and the
//! commands their programs run: a call of `system`, `exec`, `os.system`, `subprocess.*`,
//! `child_process.*`, backticks or `qx` with a literal string (or list of literals) is
//! classified as the command it runs, so rules see it; a call whose command is built from
//! variables cannot be seen through: `change`, and the command line is opaque to rules.

use super::super::Class;
use super::super::classify::{self, Verdict};
use super::deferred::run_file;
use super::inner::worse;

/// The verdict of the commands an awk program runs with literal strings (`system("…")`,
/// `print | "…"`, `"…" | getline`); `None` when it runs none.
pub(crate) fn awk_runs(name: &str, program: &str, depth: usize) -> Option<Verdict> {
    let calls = calls(program);
    if calls.literal.is_empty() && !calls.dynamic {
        return None;
    }
    Some(program_verdict(name, &[program.to_string()], depth))
}

/// Classify an interpreter; `None` for other names.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    let lang = language(name)?;
    let programs = programs(lang, args);
    if programs.is_empty() {
        if let Some(file) = args.iter().find(|a| !a.starts_with('-')) {
            return Some(run_file(name, file, depth).at_least_change("runs a program"));
        }
        return Some(Verdict::change(format!("{name} runs a program")));
    }
    Some(program_verdict(name, &programs, depth))
}

/// The worst of the commands `programs` run, at least `change`.
fn program_verdict(name: &str, programs: &[String], depth: usize) -> Verdict {
    let mut verdict = Verdict::change(format!("{name} runs a program"));
    for program in programs {
        let calls = calls(program);
        if calls.dynamic {
            classify::opaque_command();
            verdict = worse(
                verdict,
                Verdict::change(format!(
                    "{name} runs a command built at run time, which cannot be checked"
                )),
            );
        }
        for run in calls.literal {
            let inner = match run {
                Run::Script(s) => classify::script(&s, depth + 1),
                Run::Argv(a) => classify::argv(&a, depth + 1),
            };
            verdict = worse(
                verdict,
                match inner.class {
                    Class::Destructive => {
                        Verdict::destructive(format!("{name} program runs: {}", inner.reason))
                    }
                    _ => Verdict::change(format!("{name} program runs: {}", inner.reason)),
                },
            );
        }
    }
    verdict
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Perl,
    Ruby,
    Node,
    Php,
}

fn language(name: &str) -> Option<Lang> {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match trimmed {
        "python" | "pypy" => Lang::Python,
        "perl" => Lang::Perl,
        "ruby" => Lang::Ruby,
        "node" | "nodejs" => Lang::Node,
        "php" => Lang::Php,
        _ => return None,
    })
}

/// The program texts given on the command line (`-c`, `-e`, `--eval`, `-r`).
fn programs(lang: Lang, args: &[String]) -> Vec<String> {
    let (code_letters, value_letters): (&str, &str) = match lang {
        Lang::Python => ("c", "WXm"),
        Lang::Perl => ("eE", "IMm"),
        Lang::Ruby => ("e", "IrCEF"),
        Lang::Node => ("ep", "r"),
        Lang::Php => ("r", "cdfz"),
    };
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if let Some(long) = a.strip_prefix("--") {
            if lang == Lang::Node {
                match long.split_once('=') {
                    Some(("eval" | "print", v)) => out.push(v.to_string()),
                    None if matches!(long, "eval" | "print") => {
                        out.extend(args.get(i).cloned());
                        i += 1;
                    }
                    _ => {}
                }
            }
            if long.is_empty() {
                break;
            }
            continue;
        }
        if !a.starts_with('-') || a == "-" {
            if lang == Lang::Python || out.is_empty() {
                break;
            }
            continue;
        }
        for (pos, c) in a.char_indices().skip(1) {
            let rest = &a[pos + c.len_utf8()..];
            if code_letters.contains(c) {
                if rest.is_empty() {
                    out.extend(args.get(i).cloned());
                    i += 1;
                } else {
                    out.push(rest.to_string());
                }
                break;
            }
            if value_letters.contains(c) {
                if rest.is_empty() {
                    i += 1;
                }
                break;
            }
        }
        if lang == Lang::Python && !out.is_empty() {
            break;
        }
    }
    out
}

/// A command a program runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    /// A string run by a shell (or as a one-word argv).
    Script(String),
    /// A list of literal words run without a shell.
    Argv(Vec<String>),
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Calls {
    literal: Vec<Run>,
    /// Some call's command is not a literal (a variable, a concatenation, an f-string).
    dynamic: bool,
}

/// The functions that run a command, by their last name part.
const RUNNERS: &[&str] = &[
    "system",
    "exec",
    "popen",
    "spawn",
    "run",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "Popen",
    "execSync",
    "execFile",
    "execFileSync",
    "spawnSync",
    "shell_exec",
    "passthru",
    "proc_open",
    "execl",
    "execlp",
    "execv",
    "execvp",
    "execve",
    "spawnl",
    "spawnlp",
    "spawnv",
    "spawnvp",
    "capture2",
    "capture3",
    "popen3",
    "qx",
];

/// The commands `program` runs with a literal, and whether some call builds its command.
fn calls(program: &str) -> Calls {
    let chars: Vec<char> = program.chars().collect();
    let mut out = Calls::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Backticks (perl, ruby, php) and %x(…) / qx(…) run a shell command.
        if c == '`'
            && let Some(end) = chars[i + 1..].iter().position(|x| *x == '`')
        {
            let text: String = chars[i + 1..i + 1 + end].iter().collect();
            push_script(&mut out, text);
            i += end + 2;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            let before = start.checked_sub(1).map(|b| chars[b]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == '_') {
                continue;
            }
            let qx_delim = (ident == "qx" || (ident == "x" && before == Some('%')))
                .then(|| chars.get(i).copied())
                .flatten()
                .filter(|d| "({[<|/!".contains(*d));
            if let Some(open) = qx_delim {
                let close = match open {
                    '(' => ')',
                    '{' => '}',
                    '[' => ']',
                    '<' => '>',
                    d => d,
                };
                if let Some(end) = chars[i + 1..].iter().position(|x| *x == close) {
                    let text: String = chars[i + 1..i + 1 + end].iter().collect();
                    push_script(&mut out, text);
                    i += end + 2;
                }
                continue;
            }
            if !RUNNERS.contains(&ident.as_str()) {
                continue;
            }
            let mut j = i;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            let paren = chars.get(j) == Some(&'(');
            if paren {
                j += 1;
                while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                    j += 1;
                }
            } else if !chars.get(j).is_some_and(|c| matches!(c, '"' | '\'')) || j == i {
                // `system "cmd"` (perl, ruby) needs a quote after a space; anything else is
                // not a call (a name, an attribute).
                continue;
            }
            // The scan goes on inside the argument too: `exec('os.system("reboot")')`.
            match argument(&chars, j) {
                Some((run, _, whole)) => {
                    out.dynamic |= !whole;
                    match run {
                        Run::Script(s) => push_script(&mut out, s),
                        argv => out.literal.push(argv),
                    }
                }
                None => out.dynamic = true,
            }
        } else if c == '|' {
            // awk: `print … | "cmd"` and `"cmd" | getline` run a shell command.
            let mut j = i + 1;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            if chars.get(j) == Some(&'"')
                && let Some((text, _)) = string(&chars, j)
            {
                push_script(&mut out, text);
            }
            let mut k = i;
            while k > 0 && chars[k - 1].is_whitespace() {
                k -= 1;
            }
            if k > 0 && chars[k - 1] == '"' {
                let open = chars[..k - 1].iter().rposition(|c| *c == '"');
                if let Some(open) = open
                    && let Some((text, _)) = string(&chars, open)
                {
                    push_script(&mut out, text);
                }
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

fn push_script(out: &mut Calls, text: String) {
    if text.contains("${") || text.contains("#{") {
        out.dynamic = true;
    }
    out.literal.push(Run::Script(text));
}

/// A literal first argument at `chars[at]`: a string (`'…'`, `"…"`, with an `f`/`r`/`b`
/// prefix) or a list of strings. Also where it ends and whether the whole argument is that
/// literal (false when it is concatenated, formatted or interpolated).
fn argument(chars: &[char], at: usize) -> Option<(Run, usize, bool)> {
    let mut at = at;
    let mut formatted = false;
    while chars
        .get(at)
        .is_some_and(|c| matches!(c, 'f' | 'r' | 'b' | 'u' | 'F' | 'R'))
        && chars
            .get(at + 1)
            .is_some_and(|c| matches!(c, '"' | '\'' | 'f' | 'r' | 'b'))
    {
        formatted |= matches!(chars[at], 'f' | 'F');
        at += 1;
    }
    match chars.get(at)? {
        '"' | '\'' => {
            let (text, next) = string(chars, at)?;
            let whole = !formatted && literal_end(chars, next);
            Some((Run::Script(text), next, whole))
        }
        '[' => {
            let mut words = Vec::new();
            let mut j = at + 1;
            loop {
                while chars.get(j).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    j += 1;
                }
                match chars.get(j)? {
                    ']' => break,
                    '"' | '\'' => {
                        let (w, next) = string(chars, j)?;
                        words.push(w);
                        j = next;
                    }
                    _ => return None,
                }
            }
            let whole = literal_end(chars, j + 1);
            (!words.is_empty()).then_some((Run::Argv(words), j + 1, whole))
        }
        _ => None,
    }
}

/// A quoted string starting at `chars[at]`, with simple backslash escapes; and the index
/// after its closing quote.
fn string(chars: &[char], at: usize) -> Option<(String, usize)> {
    let quote = chars[at];
    let mut out = String::new();
    let mut j = at + 1;
    while let Some(&c) = chars.get(j) {
        match c {
            '\\' => {
                match chars.get(j + 1) {
                    Some('n') => out.push('\n'),
                    Some(&n) => out.push(n),
                    None => {}
                }
                j += 2;
            }
            c if c == quote => return Some((out, j + 1)),
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    None
}

/// True when the argument ends after the literal (no `+`, `.`, `%` or `,` joining more to
/// it into one command string).
fn literal_end(chars: &[char], at: usize) -> bool {
    let next = chars[at.min(chars.len())..]
        .iter()
        .find(|c| !c.is_whitespace());
    !matches!(next, Some('+' | '.' | '%' | '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(program: &str) -> (Vec<String>, bool) {
        let c = calls(program);
        let texts = c
            .literal
            .iter()
            .map(|r| match r {
                Run::Script(s) => s.clone(),
                Run::Argv(a) => a.join(" "),
            })
            .collect();
        (texts, c.dynamic)
    }

    #[test]
    fn literal_calls_are_found() {
        assert_eq!(scripts("import os; os.system('reboot')").0, ["reboot"]);
        assert_eq!(
            scripts("import subprocess; subprocess.run(['systemctl', 'stop', 'x'])").0,
            ["systemctl stop x"]
        );
        assert_eq!(scripts("system(\"reboot\")").0, ["reboot"]);
        assert_eq!(scripts("system \"reboot\"").0, ["reboot"]);
        assert_eq!(scripts("print `reboot`").0, ["reboot"]);
        assert_eq!(scripts("qx(reboot)").0, ["reboot"]);
        assert_eq!(
            scripts("require('child_process').execSync('reboot')").0,
            ["reboot"]
        );
        assert!(scripts("print(1)").0.is_empty());
        assert!(!scripts("os.system('reboot')").1);
    }

    #[test]
    fn built_commands_are_dynamic() {
        assert!(scripts("os.system(cmd)").1);
        assert!(scripts("os.system('rm -rf ' + path)").1);
        assert!(scripts("os.system(f'rm {x}')").1);
        assert!(scripts("system(\"rm \" . $x)").1);
    }
}
