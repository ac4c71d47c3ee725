//! find (`-exec`, `-delete`), sed (`-i`, `w`/`e` commands) and awk (`system`, pipes, output
//! redirection told apart from `>` comparisons by reading the program's tokens).

use std::sync::LazyLock;

use regex::Regex;

use super::classify::{self, Verdict};
use super::rules::options_verdict;
use super::tables;

/// find's starting points: the words before the first expression word.
fn find_roots(args: &[String]) -> Vec<&str> {
    let mut i = 0;
    while i < args.len() && matches!(args[i].as_str(), "-H" | "-L" | "-P" | "-D" | "-O") {
        i += if args[i] == "-D" { 2 } else { 1 };
    }
    let roots: Vec<&str> = args[i.min(args.len())..]
        .iter()
        .take_while(|a| !a.starts_with('-') && *a != "(" && *a != "!" && *a != ")")
        .map(String::as_str)
        .collect();
    if roots.is_empty() { vec!["."] } else { roots }
}

pub(crate) fn find(args: &[String], depth: usize) -> Verdict {
    let mut verdict = Verdict::read_only("find only reads");
    let roots = find_roots(args);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-delete" => return Verdict::destructive("find -delete removes files"),
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                if let Some(out) = args.get(i + 1)
                    && super::system_paths::is_system_path(out)
                {
                    return Verdict::destructive(format!("find {} overwrites {out}", args[i]));
                }
                verdict = verdict.at_least_change(&format!("find {} writes a file", args[i]));
            }
            action @ ("-exec" | "-execdir" | "-ok" | "-okdir") => {
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a == ";" || a == "+")
                    .map(|p| i + 1 + p)
                    .unwrap_or(args.len());
                let template = &args[i + 1..end];
                // `{}` is each file found under the starting points: classify the command
                // with every root in its place.
                for root in &roots {
                    let inner: Vec<String> =
                        template.iter().map(|a| a.replace("{}", root)).collect();
                    let v = classify::argv(&inner, depth + 1);
                    if v.class == super::Class::Destructive {
                        return Verdict::destructive(format!("find {action}: {}", v.reason));
                    }
                }
                verdict = verdict.at_least_change(&format!(
                    "find {action} runs {}",
                    args.get(i + 1).map(String::as_str).unwrap_or("a command")
                ));
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    verdict
}

static SED_ADDR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d+|\$|/(?:[^/\\]|\\.)*/)(?:,(?:\d+|\$|/(?:[^/\\]|\\.)*/))?!?\s*")
        .expect("static regex")
});

pub(crate) fn sed(args: &[String]) -> Verdict {
    let parsed = tables::grammar("sed").parse(args);
    if let Some(v) = options_verdict("sed", &parsed) {
        return v.at_least_change("sed edits files or runs a script file");
    }
    let mut scripts: Vec<&str> = parsed.values("--expression");
    if scripts.is_empty() {
        scripts.extend(parsed.operands().first());
    }
    match scripts
        .iter()
        .flat_map(|s| s.split([';', '\n']))
        .find(|c| !sed_command_reads(c.trim()))
    {
        Some(cmd) => Verdict::change(format!(
            "sed command `{}` may write files or run commands",
            cmd.trim()
        )),
        None => Verdict::read_only("sed without -i only prints"),
    }
}

/// `p`, `d`, `q`, `=`, `n` and `s/…/…/flags` without `w`/`e` flags.
fn sed_command_reads(cmd: &str) -> bool {
    let rest = match SED_ADDR.find(cmd) {
        Some(m) => &cmd[m.end()..],
        None => cmd,
    };
    if matches!(rest, "" | "p" | "d" | "q" | "=" | "n" | "P" | "D" | "N") {
        return true;
    }
    let Some(body) = rest.strip_prefix('s') else {
        return false;
    };
    let Some(delim) = body
        .chars()
        .next()
        .filter(|c| !c.is_alphanumeric() && *c != '\\' && *c != '\n')
    else {
        return false;
    };
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = body[delim.len_utf8()..].chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            current.extend(chars.next());
        } else if c == delim {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts.len() == 3
        && parts[2]
            .chars()
            .all(|c| matches!(c, 'g' | 'p' | 'i' | 'I' | 'm' | 'M' | '0'..='9'))
}

pub(crate) fn awk(name: &str, args: &[String], depth: usize) -> Verdict {
    let key = if matches!(name, "mawk" | "nawk") {
        "mawk"
    } else {
        "gawk"
    };
    let parsed = tables::grammar(key).parse(args);
    if let Some(v) = options_verdict(name, &parsed) {
        return v.at_least_change(&format!("{name} loads program code or writes files"));
    }
    let sources = parsed.values("--source");
    let programs: Vec<&str> = if sources.is_empty() {
        match parsed.operands().first() {
            Some(p) => vec![*p],
            None => return Verdict::change(format!("{name} without a program")),
        }
    } else {
        sources
    };
    let runs = programs
        .iter()
        .filter_map(|p| super::wrappers::awk_runs(name, p, depth))
        .reduce(super::wrappers::worse);
    match (runs, programs.iter().find_map(|p| awk_program_effect(p))) {
        (Some(v), _) => v,
        (None, Some(why)) => Verdict::change(format!("{name} program {why}")),
        (None, None) => Verdict::read_only(format!("{name} only reads")),
    }
}

/// Why an awk program may write files or run commands, or `None` when it only reads: it
/// calls `system`, pipes to or from a command, redirects `print`/`printf` output to a file,
/// or loads code (`@load`, `@include`, indirect calls). A `>` outside a `print` statement
/// (or inside its parentheses) is a comparison.
pub(crate) fn awk_program_effect(program: &str) -> Option<String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Prev {
        Operator,
        Operand,
    }
    let chars: Vec<char> = program.chars().collect();
    let mut prev = Prev::Operator;
    let mut depth: i32 = 0;
    let mut print_depth: Option<i32> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                prev = Prev::Operand;
                continue;
            }
            '/' if prev == Prev::Operator => {
                i += 1;
                let mut in_class = false;
                while i < chars.len() && (chars[i] != '/' || in_class) {
                    match chars[i] {
                        '\\' => i += 1,
                        '[' => in_class = true,
                        ']' => in_class = false,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                prev = Prev::Operand;
                continue;
            }
            '@' => return Some("loads code or calls a function by name (`@`)".into()),
            '|' => {
                if chars.get(i + 1) == Some(&'|') {
                    i += 2;
                    prev = Prev::Operator;
                    continue;
                }
                return Some("pipes to or from a command (`|`)".into());
            }
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    i += 2;
                    prev = Prev::Operator;
                    continue;
                }
                if print_depth == Some(depth) {
                    let skip = if chars.get(i + 1) == Some(&'>') { 2 } else { 1 };
                    let rest: String = chars[i + skip..].iter().collect();
                    let target = rest.trim_start();
                    let harmless = ["\"/dev/stderr\"", "\"/dev/stdout\"", "\"-\""]
                        .iter()
                        .any(|t| target.starts_with(t));
                    if !harmless {
                        return Some("redirects output to a file (`>`)".into());
                    }
                }
                prev = Prev::Operator;
            }
            '(' | '[' => {
                depth += 1;
                prev = Prev::Operator;
            }
            ')' | ']' => {
                depth -= 1;
                prev = Prev::Operand;
            }
            ';' | '\n' | '{' | '}' => {
                if c != '{' {
                    print_depth = None;
                }
                prev = Prev::Operator;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.as_str() {
                    "system" => return Some("runs a command (`system`)".into()),
                    "print" | "printf" => {
                        print_depth = Some(depth);
                        prev = Prev::Operator;
                    }
                    "in" | "if" | "while" | "for" | "do" | "else" | "return" | "case"
                    | "delete" | "exit" | "getline" => prev = Prev::Operator,
                    _ => prev = Prev::Operand,
                }
                continue;
            }
            c if c.is_ascii_digit() || c == '$' => {
                prev = if c == '$' {
                    Prev::Operator
                } else {
                    Prev::Operand
                };
            }
            c if c.is_whitespace() => {}
            _ => prev = Prev::Operator,
        }
        i += 1;
    }
    None
}
