//! Single commands whose class depends on their arguments: file tools (rm, mv, cp, tee,
//! chmod, dd), the host (shutdown, mount, sysctl, partitioning, date, hostname) and readers
//! with an operand that writes (uniq IN OUT). Every argv is read with the
//! tool's grammar from `tables/`; processes (kill, killall, pkill, crontab) are in
//! `processes.rs`.

use super::classify::Verdict;
use super::grammar::Parsed;
use super::processes;
use super::rules::options_verdict;
use super::system_paths::{is_block_device, is_system_path};
use super::tables;

/// `tool`'s argv read with its grammar table.
fn parse<'a>(tool: &str, args: &'a [String]) -> Parsed<'a> {
    tables::grammar(tool).parse(args)
}

/// File, host and process tools: rm, mv, cp, chmod, dd, kill, …
pub(crate) fn files(name: &str, args: &[String]) -> Option<Verdict> {
    let v = match name {
        "rm" => {
            let parsed = parse("rm", args);
            let ops = parsed.operands();
            let scratch_only = !ops.is_empty() && ops.iter().all(|p| scratch_file(p));
            let recursive = ["-r", "-R", "--no-preserve-root"]
                .iter()
                .any(|f| parsed.has(f));
            if parsed.has("-f") && !recursive && scratch_only && parsed.bad().is_none() {
                Verdict::change("rm -f of a pid file or a file under /tmp")
            } else if recursive || parsed.has("-f") {
                Verdict::destructive("rm -r/-f is destructive")
            } else if let Some(p) = parsed.operands().into_iter().find(|p| is_system_path(p)) {
                Verdict::destructive(format!("rm of system path {p}"))
            } else {
                Verdict::change("rm deletes files")
            }
        }
        "mv" | "cp" | "install" | "ln" | "rsync" => {
            let parsed = parse(name, args);
            let ops = parsed.operands();
            let dest_flag = parsed.value("--target-directory");
            let targets: Vec<&str> = if name == "mv" {
                ops.iter().copied().chain(dest_flag).collect()
            } else {
                ops.last().copied().into_iter().chain(dest_flag).collect()
            };
            match targets
                .iter()
                .find(|t| is_block_device(t) || is_system_path(t))
            {
                Some(t) => Verdict::destructive(format!("{name} onto system path {t}")),
                None => Verdict::change(format!("{name} changes files")),
            }
        }
        "tee" => match parse("tee", args)
            .operands()
            .into_iter()
            .find(|t| is_block_device(t) || is_system_path(t))
        {
            Some(t) => Verdict::destructive(format!("tee overwrites {t}")),
            None => Verdict::change("tee writes files"),
        },
        "chmod" | "chown" | "chgrp" | "setfacl" => {
            let parsed = parse(name, args);
            let recursive = parsed.has("-R");
            let ops = parsed.operands();
            let root = ops.iter().find(|p| {
                p.trim_end_matches(['/', '*', '.']).is_empty() && p.starts_with('/')
                    || (recursive && is_system_path(p))
            });
            match root {
                Some(p) => Verdict::destructive(format!(
                    "{name} {}on {p}",
                    if recursive { "-R " } else { "" }
                )),
                None => Verdict::change(format!("{name} changes permissions")),
            }
        }
        "dd" => dd(args),
        "truncate" => {
            // `-s SIZE` and `-r FILE` take a value; the rest are files.
            let mut files = Vec::new();
            let mut i = 0;
            while let Some(a) = args.get(i) {
                i += 1;
                if matches!(a.as_str(), "-s" | "-r" | "--size" | "--reference") {
                    i += 1;
                } else if !a.starts_with('-') {
                    files.push(a.as_str());
                }
            }
            if !files.is_empty() && files.iter().all(|f| under_tmp(f)) {
                Verdict::change("truncate of a file under /tmp")
            } else {
                Verdict::destructive("truncate is destructive")
            }
        }
        "userdel" | "deluser" => {
            if args.iter().any(|a| {
                a == "--remove"
                    || a == "--remove-home"
                    || a == "--remove-all-files"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('r'))
            }) {
                Verdict::destructive(format!("{name} -r deletes the user's files"))
            } else {
                Verdict::change(format!("{name} deletes a user"))
            }
        }
        "unlink" => match args
            .iter()
            .find(|p| is_system_path(p) || is_block_device(p))
        {
            Some(p) => Verdict::destructive(format!("unlink of system path {p}")),
            None => Verdict::change("unlink deletes a file"),
        },
        "shutdown" => {
            if args.iter().any(|a| a == "-c" || a == "--show") {
                Verdict::change("shutdown -c/--show")
            } else {
                Verdict::destructive("shutdown stops the host")
            }
        }
        "init" | "telinit" => match args.first().map(String::as_str) {
            Some("0" | "6" | "1" | "s" | "S" | "single") => {
                Verdict::destructive(format!("{name} {} changes the runlevel", args[0]))
            }
            _ => Verdict::change(format!("{name} is not on the read-only allowlist")),
        },
        "kill" => processes::kill(args),
        "killall" | "pkill" => processes::killall(name, args),
        "crontab" => processes::crontab(args),
        "fdisk" | "sfdisk" | "parted" => partitions(name, args),
        "top" => {
            let parsed = parse("top", args);
            match options_verdict("top", &parsed) {
                Some(v) => v,
                None if parsed.has("-b") => Verdict::read_only("top -b only reads"),
                None => Verdict::change("top without -b is interactive"),
            }
        }
        "uniq" => {
            let parsed = parse("uniq", args);
            if let Some(v) = options_verdict("uniq", &parsed) {
                v
            } else if let Some(out) = parsed.operands().get(1) {
                if is_system_path(out) || is_block_device(out) {
                    Verdict::destructive(format!("uniq overwrites {out}"))
                } else {
                    Verdict::change("uniq writes its second operand")
                }
            } else {
                Verdict::read_only("uniq only reads")
            }
        }
        "hostname" => {
            let parsed = parse("hostname", args);
            match options_verdict("hostname", &parsed) {
                Some(v) => v,
                None if !parsed.operands().is_empty() => {
                    Verdict::change("hostname with an operand sets the hostname")
                }
                None => Verdict::read_only("hostname only reads"),
            }
        }
        "date" => {
            let parsed = parse("date", args);
            match options_verdict("date", &parsed) {
                Some(_) if parsed.has("--set") => Verdict::change("date -s sets the clock"),
                Some(v) => v,
                None if parsed.operands().iter().any(|o| !o.starts_with('+')) => {
                    Verdict::change("date with a time sets the clock")
                }
                None => Verdict::read_only("date only reads"),
            }
        }
        "mount" => {
            let parsed = parse("mount", args);
            if options_verdict("mount", &parsed).is_none() && parsed.operands().is_empty() {
                Verdict::read_only("mount without a device lists mounts")
            } else {
                Verdict::change("mount changes mounts")
            }
        }
        "swapon" => {
            let parsed = parse("swapon", args);
            if options_verdict("swapon", &parsed).is_none() && parsed.operands().is_empty() {
                Verdict::read_only("swapon only lists")
            } else {
                Verdict::change("swapon changes swap")
            }
        }
        "ping" | "ping6" => {
            let parsed = parse("ping", args);
            match options_verdict(name, &parsed) {
                Some(v) => v,
                None if parsed.value("-c").is_some() || parsed.value("-w").is_some() => {
                    Verdict::read_only(format!("{name} -c only probes"))
                }
                None => Verdict::change(format!("{name} without -c never ends")),
            }
        }
        "sysctl" => {
            let parsed = parse("sysctl", args);
            match options_verdict("sysctl", &parsed) {
                Some(v) => v.at_least_change("sysctl sets kernel parameters"),
                None if parsed.operands().iter().any(|o| o.contains('=')) => {
                    Verdict::change("sysctl NAME=VALUE sets a kernel parameter")
                }
                None => Verdict::read_only("sysctl only reads"),
            }
        }
        _ => return None,
    };
    Some(v)
}

/// Outputs of `dd of=` that write nothing.
const HARMLESS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr", "-"];

/// `dd`: operands are `key=value`. Writing a real file is destructive (raw overwrite); a
/// copy to nowhere or to standard output only reads.
fn dd(args: &[String]) -> Verdict {
    const READ_KEYS: &[&str] = &[
        "if", "bs", "ibs", "obs", "cbs", "count", "skip", "iseek", "status", "iflag",
    ];
    let mut verdict = Verdict::read_only("dd only reads");
    for arg in args {
        match arg.split_once('=') {
            Some(("of", out)) if HARMLESS.contains(&out) => {}
            Some(("of", _)) => return Verdict::destructive(format!("dd {arg} writes raw data")),
            Some((key, _)) if READ_KEYS.contains(&key) => {}
            _ => verdict = verdict.at_least_change(&format!("dd {arg} is not a read-only operand")),
        }
    }
    verdict
}

/// A file under /tmp or /var/tmp (no `..`).
fn under_tmp(path: &str) -> bool {
    (path.starts_with("/tmp/") || path.starts_with("/var/tmp/"))
        && !path.split('/').any(|c| c == "..")
        && path.len() > 5
}

/// A file whose loss costs nothing: under /tmp, or a pid file.
fn scratch_file(path: &str) -> bool {
    under_tmp(path)
        || (path.ends_with(".pid") && !path.contains('*') && !path.split('/').any(|c| c == ".."))
}

/// fdisk, sfdisk, parted: read-only only in their listing forms.
fn partitions(name: &str, args: &[String]) -> Verdict {
    let parsed = parse(name, args);
    let edits = || Verdict::destructive(format!("{name} edits partition tables"));
    if parsed.first_unsafe().is_some() {
        return edits();
    }
    if parsed.bad().is_some() {
        return Verdict::change(format!("{name}: {}", parsed.bad().unwrap_or_default()));
    }
    let listing = match name {
        "parted" => {
            let ops = parsed.operands();
            parsed.has("--list") && ops.is_empty()
                || matches!(ops.as_slice(), [_, "print"] | [_, "unit", _, "print"])
        }
        "fdisk" => parsed.has("--list") || parsed.has("--list-details") || parsed.has("--getsz"),
        _ => [
            "--list",
            "--dump",
            "--show-size",
            "--json",
            "--list-free",
            "--show-geometry",
            "--verify",
            "--list-types",
        ]
        .iter()
        .any(|f| parsed.has(f)),
    };
    if listing {
        Verdict::read_only(format!("{name} only lists partitions"))
    } else {
        edits()
    }
}
