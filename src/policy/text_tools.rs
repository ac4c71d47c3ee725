//! find (`-exec`, `-delete`), sed (`-i`, `w`/`e` commands) and awk (`system`, redirects).

use std::sync::LazyLock;

use regex::Regex;

use super::classify::{self, Verdict};
use super::options::{Opt, has_flag, operands, opts};

pub(crate) fn find(args: &[String], depth: usize) -> Verdict {
    let mut verdict = Verdict::read_only("find only reads");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-delete" => return Verdict::destructive("find -delete removes files"),
            "-fprint" | "-fprint0" | "-fprintf" | "-fls" => {
                verdict = verdict.at_least_change(&format!("find {} writes a file", args[i]));
            }
            action @ ("-exec" | "-execdir" | "-ok" | "-okdir") => {
                let end = args[i + 1..]
                    .iter()
                    .position(|a| a == ";" || a == "+")
                    .map(|p| i + 1 + p)
                    .unwrap_or(args.len());
                let inner = classify::argv(&args[i + 1..end], depth + 1);
                if inner.class == super::Class::Destructive {
                    return Verdict::destructive(format!("find {action}: {}", inner.reason));
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
    let parsed = opts(
        args,
        "eflS",
        &["--expression", "--file", "--line-length"],
        false,
    );
    if let Some(Opt::Flag { name, .. }) = parsed.iter().find(
        |o| matches!(o, Opt::Flag { name, .. } if name == "-i" || name.starts_with("--in-place")),
    ) {
        return Verdict::change(format!("sed {name} edits files in place"));
    }
    if has_flag(&parsed, &["-f", "--file"]) {
        return Verdict::change("sed -f runs a script file");
    }
    let mut scripts: Vec<&str> = parsed
        .iter()
        .filter_map(|o| match o {
            Opt::Flag { name, value } if name == "-e" || name == "--expression" => {
                Some(value.unwrap_or(""))
            }
            _ => None,
        })
        .collect();
    if scripts.is_empty() {
        scripts.extend(operands(&parsed).first());
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

pub(crate) fn awk(name: &str, args: &[String]) -> Verdict {
    let parsed = opts(
        args,
        "Fvfie",
        &[
            "--file",
            "--include",
            "--exec",
            "--source",
            "--assign",
            "--field-separator",
            "--load",
        ],
        false,
    );
    if let Some(Opt::Flag { name: f, .. }) = parsed.iter().find(|o| matches!(o, Opt::Flag { name, .. } if matches!(name.as_str(), "-f" | "-i" | "-e" | "--file" | "--include" | "--exec" | "--source" | "--load" | "-l"))) {
        return Verdict::change(format!("{name} {f} loads program code"));
    }
    let Some(program) = operands(&parsed).first().copied() else {
        return Verdict::change(format!("{name} without a program"));
    };
    if program.contains("system")
        || program.contains('>')
        || program.contains('|')
        || program.contains("@load")
    {
        Verdict::change(format!("{name} program may write files or run commands"))
    } else {
        Verdict::read_only(format!("{name} only reads"))
    }
}
