//! Signals and crontabs: kill (PIDs read as the tool reads them: `01` is PID 1, `-1` is every
//! process), killall/pkill (signal-only forms are not destructive), crontab (`-r` removes).

use super::classify::Verdict;
use super::rules::options_verdict;
use super::tables;

/// Signals that ask a process to reload, report or pause rather than end.
const GENTLE: &[&str] = &[
    "0", "HUP", "USR1", "USR2", "WINCH", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "CHLD",
    "PWR", "IO", "POLL", "PROF", "VTALRM", "ZERO",
];

/// Signal names and numbers kill(1) accepts, without `SIG`, upper case.
const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CLD", "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS", "UNUSED",
];

/// A signal as written (`9`, `KILL`, `SIGKILL`, `sigkill`, `RTMIN+1`) in canonical form: the
/// name without `SIG`, or the number; `None` when it is not a signal.
fn signal(word: &str) -> Option<String> {
    let up = word.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) {
        let n: u32 = name.parse().ok()?;
        let named = match n {
            0 => "0",
            1 => "HUP",
            10 => "USR1",
            12 => "USR2",
            18 => "CONT",
            19 => "STOP",
            20 => "TSTP",
            28 => "WINCH",
            _ => return Some(n.to_string()),
        };
        return Some(named.to_string());
    }
    if SIGNALS.contains(&name) || name.starts_with("RTMIN") || name.starts_with("RTMAX") {
        return Some(name.to_string());
    }
    None
}

fn gentle(sig: &str) -> bool {
    GENTLE.contains(&sig)
}

/// A PID argument as kill reads it (decimal, leading zeros allowed, optional sign).
fn pid(word: &str) -> Option<i64> {
    let (neg, digits) = match word.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    let value: i64 = if trimmed.is_empty() {
        0
    } else if trimmed.len() > 18 {
        i64::MAX
    } else {
        trimmed.parse().ok()?
    };
    Some(if neg { -value } else { value })
}

/// `kill [-s SIG | -n NUM | -SIG] [--] PID…`, `kill -l|-L`.
pub(crate) fn kill(args: &[String]) -> Verdict {
    let mut sig = "TERM".to_string();
    let mut targets: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut operands_only = false;
    let mut sig_seen = false;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        if operands_only {
            targets.push(a);
            continue;
        }
        match a {
            "--" => operands_only = true,
            "-l" | "-L" | "--list" | "--table" => {
                return Verdict::read_only("kill -l lists signals");
            }
            "-s" | "-n" | "--signal" => match args.get(i).and_then(|s| signal(s)) {
                Some(s) => {
                    sig = s;
                    sig_seen = true;
                    i += 1;
                }
                None => return Verdict::change(format!("kill {a} without a known signal")),
            },
            "-q" | "--queue" | "--timeout" => {
                return Verdict::change(format!("kill {a} is not understood here"));
            }
            _ if a.starts_with("--signal=") => match signal(&a["--signal=".len()..]) {
                Some(s) => {
                    sig = s;
                    sig_seen = true;
                }
                None => return Verdict::change(format!("kill {a}: unknown signal")),
            },
            // `-9`, `-KILL`, `-SIGKILL`: only the first one is a signal (bash's kill); after
            // it, a negative number is a process group, as in `kill -9 -1`.
            _ if a.starts_with('-')
                && !sig_seen
                && targets.is_empty()
                && signal(&a[1..]).is_some() =>
            {
                sig = signal(&a[1..]).unwrap_or_default();
                sig_seen = true;
            }
            _ if a.starts_with('-') && pid(a).is_none() => {
                return Verdict::change(format!("kill: unknown option {a}"));
            }
            _ => targets.push(a),
        }
    }
    if targets.is_empty() {
        return Verdict::change("kill without a PID");
    }
    let pids: Vec<Option<i64>> = targets.iter().map(|t| pid(t)).collect();
    if sig == "0" {
        return if pids.iter().all(Option::is_some) {
            Verdict::read_only("kill -0 only probes whether processes exist")
        } else {
            Verdict::change("kill -0 with a job or name")
        };
    }
    if pids.contains(&Some(-1)) {
        return Verdict::destructive(format!("kill -{sig} -1 signals every process"));
    }
    if pids.contains(&Some(1)) {
        return if gentle(&sig) {
            Verdict::change(format!("kill -{sig} 1 signals init"))
        } else {
            Verdict::destructive(format!("kill -{sig} of PID 1 (init) takes the host down"))
        };
    }
    Verdict::change("kill signals processes")
}

/// killall and pkill: ending every process matching a name is destructive; a signal that
/// only asks for a reload (`-HUP`, `-s USR1`) is a change.
pub(crate) fn killall(name: &str, args: &[String]) -> Verdict {
    let mut sig: Option<String> = None;
    let mut rest: Vec<String> = Vec::new();
    for a in args {
        match a.strip_prefix('-').and_then(signal) {
            Some(s) if !a.starts_with("--") && rest.iter().all(|r| r.starts_with('-')) => {
                sig = Some(s);
            }
            _ => rest.push(a.clone()),
        }
    }
    let parsed = tables::grammar(name).parse(&rest);
    if parsed.has("--list") && name == "killall" {
        return Verdict::read_only("killall -l lists signals");
    }
    if let Some(v) = options_verdict(name, &parsed) {
        return v.at_least_change(&format!("{name} signals processes"));
    }
    if let Some(s) = parsed.value("--signal") {
        match signal(s) {
            Some(s) => sig = Some(s),
            None => return Verdict::change(format!("{name}: unknown signal {s}")),
        }
    }
    match sig {
        Some(s) if gentle(&s) => Verdict::change(format!("{name} -{s} signals processes by name")),
        _ => Verdict::destructive(format!("{name} kills every process matching a name")),
    }
}

/// crontab: `-l` lists, `-r` removes, anything else installs or edits.
pub(crate) fn crontab(args: &[String]) -> Verdict {
    let parsed = tables::grammar("crontab").parse(args);
    if parsed.has("-r") {
        return Verdict::destructive("crontab -r removes the crontab");
    }
    if let Some(why) = parsed.bad() {
        return Verdict::change(format!("crontab: {why}"));
    }
    let only_lists = parsed.has("-l")
        && parsed.operands().is_empty()
        && parsed.opts().all(|(d, _, _)| d.is("-l") || d.is("-u"));
    if only_lists {
        Verdict::read_only("crontab -l lists")
    } else {
        Verdict::change("crontab installs or edits a crontab")
    }
}
