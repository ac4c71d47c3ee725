//! Single commands whose class depends on their arguments: file tools (rm, mv, cp, tee,
//! chmod, dd), processes (kill, killall), the host (shutdown, mount, sysctl, partitioning) and
//! readers with a writing flag (sort -o, dmesg -c, date -s).

use super::classify::Verdict;
use super::options::{flag_value, has_flag, operands, opts};
use super::system_paths::{is_block_device, is_system_path};

/// File and process tools: rm, mv, cp, chmod, dd, kill, …
pub(crate) fn files(name: &str, args: &[String]) -> Option<Verdict> {
    let v = match name {
        "rm" => {
            let parsed = opts(args, "", &[], false);
            if has_flag(
                &parsed,
                &[
                    "-r",
                    "-R",
                    "-f",
                    "--recursive",
                    "--force",
                    "--no-preserve-root",
                ],
            ) {
                Verdict::destructive("rm -r/-f is destructive")
            } else if let Some(p) = operands(&parsed).into_iter().find(|p| is_system_path(p)) {
                Verdict::destructive(format!("rm of system path {p}"))
            } else {
                Verdict::change("rm deletes files")
            }
        }
        "mv" | "cp" | "install" | "ln" | "rsync" => {
            let parsed = opts(args, "tSTo", &["--target-directory", "--suffix"], false);
            let ops = operands(&parsed);
            let dest_flag = flag_value(&parsed, &["-t", "--target-directory"]);
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
        "tee" => {
            let parsed = opts(args, "", &[], false);
            match operands(&parsed)
                .into_iter()
                .find(|t| is_block_device(t) || is_system_path(t))
            {
                Some(t) => Verdict::destructive(format!("tee overwrites {t}")),
                None => Verdict::change("tee writes files"),
            }
        }
        "chmod" | "chown" | "chgrp" | "setfacl" => {
            let parsed = opts(args, "", &["--reference"], false);
            let recursive = has_flag(&parsed, &["-R", "--recursive"]);
            let ops = operands(&parsed);
            let root = ops.iter().find(|p| {
                p.trim_end_matches(['/', '*']).is_empty() && p.starts_with('/')
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
        "dd" => match args.iter().find(|a| a.starts_with("of=")) {
            Some(of) => Verdict::destructive(format!("dd {of} writes raw data")),
            None => Verdict::change("dd is not on the read-only allowlist"),
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
        "kill" => kill(args),
        "killall" | "pkill" => {
            let gentle = args.iter().any(|a| {
                matches!(
                    a.trim_start_matches('-').trim_start_matches("SIG"),
                    "HUP" | "USR1" | "USR2" | "0" | "1" | "10" | "12"
                ) && a.starts_with('-')
            }) || args.iter().any(|a| a == "-l" || a == "--list");
            if gentle {
                Verdict::change(format!("{name} signals processes by name"))
            } else {
                Verdict::destructive(format!("{name} kills every process matching a name"))
            }
        }
        "crontab" => match args.iter().find(|a| a.starts_with('-')).map(String::as_str) {
            Some("-l") => Verdict::read_only("crontab -l lists"),
            Some(f) if f.contains('r') => Verdict::destructive("crontab -r removes the crontab"),
            _ => Verdict::change("crontab edits the crontab"),
        },
        "fdisk" | "sfdisk" | "parted" => {
            let listing =
                args.iter().any(|a| {
                    matches!(
                        a.as_str(),
                        "-l" | "--list" | "-d" | "--dump" | "-s" | "--show-size"
                    )
                }) || (name == "parted" && args.iter().any(|a| a == "print") && args.len() <= 3);
            if listing {
                Verdict::read_only(format!("{name} only lists partitions"))
            } else {
                Verdict::destructive(format!("{name} edits partition tables"))
            }
        }
        "top" => {
            if args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('b'))
            {
                Verdict::read_only("top -b only reads")
            } else {
                Verdict::change("top without -b is interactive")
            }
        }
        "sort" => no_flags(name, args, &["-o", "--output"], "writes a file"),
        "uniq" => {
            let parsed = opts(
                args,
                "fsw",
                &["--skip-fields", "--skip-chars", "--check-chars"],
                false,
            );
            if operands(&parsed).len() > 1 {
                Verdict::change("uniq writes its second operand")
            } else {
                Verdict::read_only("uniq only reads")
            }
        }
        "dmesg" => no_flags(
            name,
            args,
            &[
                "-c",
                "-C",
                "--clear",
                "--read-clear",
                "-n",
                "--console-level",
                "-D",
                "--console-off",
                "-E",
                "--console-on",
            ],
            "changes the kernel log",
        ),
        "hostname" => {
            let ok = [
                "-f",
                "-s",
                "-d",
                "-i",
                "-I",
                "-A",
                "-a",
                "-y",
                "--fqdn",
                "--long",
                "--short",
                "--domain",
                "--ip-address",
                "--all-ip-addresses",
                "--all-fqdns",
                "--alias",
            ];
            if args.iter().all(|a| ok.contains(&a.as_str())) {
                Verdict::read_only("hostname only reads")
            } else {
                Verdict::change("hostname with arguments sets the hostname")
            }
        }
        "date" => {
            let parsed = opts(
                args,
                "dfrs",
                &["--date", "--file", "--reference", "--set"],
                false,
            );
            if has_flag(&parsed, &["-s", "--set"])
                || operands(&parsed).iter().any(|o| !o.starts_with('+'))
            {
                Verdict::change("date with a time sets the clock")
            } else {
                Verdict::read_only("date only reads")
            }
        }
        "mount" => {
            if args.is_empty() || args.iter().all(|a| a == "-l") {
                Verdict::read_only("mount without arguments lists mounts")
            } else {
                Verdict::change("mount changes mounts")
            }
        }
        "swapon" => {
            if args.is_empty()
                || args.iter().all(|a| {
                    matches!(
                        a.as_str(),
                        "-s" | "--summary" | "--show" | "--bytes" | "--noheadings"
                    )
                })
            {
                Verdict::read_only("swapon only lists")
            } else {
                Verdict::change("swapon changes swap")
            }
        }
        "ping" | "ping6" => {
            let parsed = opts(args, "ciIlmMpQsStTwWB", &[], false);
            if has_flag(&parsed, &["-f"]) {
                Verdict::change("ping -f floods")
            } else if flag_value(&parsed, &["-c"]).is_some() {
                Verdict::read_only("ping -c only probes")
            } else {
                Verdict::change("ping without -c never ends")
            }
        }
        "sysctl" => {
            let writes = args.iter().any(|a| {
                a.contains('=')
                    || matches!(a.as_str(), "-w" | "--write" | "-p" | "--load" | "--system")
                    || a.starts_with("-p")
            });
            if writes {
                Verdict::change("sysctl sets kernel parameters")
            } else {
                Verdict::read_only("sysctl only reads")
            }
        }
        _ => return None,
    };
    Some(v)
}

fn no_flags(name: &str, args: &[String], banned: &[&str], what: &str) -> Verdict {
    let hit = args.iter().find(|a| {
        banned.iter().any(|b| {
            a.as_str() == *b
                || (b.starts_with("--") && a.starts_with(&format!("{b}=")))
                || (b.len() == 2
                    && !b.starts_with("--")
                    && a.starts_with('-')
                    && !a.starts_with("--")
                    && a.contains(&b[1..]))
        })
    });
    match hit {
        Some(flag) => Verdict::change(format!("{name} {flag} {what}")),
        None => Verdict::read_only(format!("{name} only reads")),
    }
}

fn kill(args: &[String]) -> Verdict {
    if args
        .iter()
        .any(|a| a == "-l" || a == "-L" || a == "--list" || a == "--table")
    {
        return Verdict::read_only("kill -l lists signals");
    }
    let mut targets = Vec::new();
    let mut i = 0;
    let mut after_dashes = false;
    while i < args.len() {
        let a = args[i].as_str();
        if after_dashes {
            targets.push(a);
        } else if a == "--" {
            after_dashes = true;
        } else if a == "-s" || a == "-n" || a == "--signal" {
            i += 1;
        } else if !a.starts_with('-') || a == "-1" && i > 0 {
            targets.push(a);
        }
        i += 1;
    }
    match targets.iter().find(|t| matches!(**t, "1" | "-1")) {
        Some(&"1") => Verdict::destructive("kill of PID 1 (init) takes the host down"),
        Some(_) => Verdict::destructive("kill -1 signals every process"),
        None => Verdict::change("kill signals processes"),
    }
}
