//! Peak RSS of the release binary's headless commands: a scripted 5-step `opsassist run`
//! against an in-process fake OpenAI server (real SSE; five `local_shell` tool calls
//! auto-approved as read-only, then a final answer), and `--version`, `alert parse FILE`,
//! `policy explain CMD` for reference.
//!
//! Each command is run by a fresh copy of this bench (`--measure-child`), which waits for it
//! and reads `getrusage(RUSAGE_CHILDREN).ru_maxrss`: the peak of that one process (and of the
//! shell commands it ran, which are far smaller). Every command runs `RUNS` times; the table
//! shows min / median / max in MB (1 MB = 1024 KiB).
//!
//! Run: `cargo bench --bench headless_rss` (builds and measures `target/release/opsassist`).
//! `HEADLESS_RSS_BIN=/path/to/opsassist` measures another build; extra environment for the
//! measured process can be given as usual (e.g. `MIMALLOC_ARENA_EAGER_COMMIT=1`).

#[path = "../tests/support/fake_llm.rs"]
#[allow(dead_code)]
mod fake_llm;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use nix::sys::resource::{UsageWho, getrusage};
use serde_json::json;

use fake_llm::{FakeLlm, Reply};

/// Repetitions of every measured command under `cargo bench` (once under `cargo test`).
const RUNS: usize = 5;

/// The five read-only commands the scripted model asks for, one per step.
const STEPS: [&str; 5] = [
    "uptime",
    "df -h",
    "free -m",
    "ps aux | head",
    "cat /proc/loadavg",
];

const ALERT: &str = r#"{"title":"High load on web01","severity":"critical","host":"web01","description":"load average 12.3 over 5 min"}"#;

fn binary() -> PathBuf {
    std::env::var_os("HEADLESS_RSS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_opsassist")))
}

/// `RssAnon` and `RssFile` of a live process, in KiB (0 once it has exited).
fn rss_split(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("RssFile:"))
}

/// Child mode: `headless_rss --measure-child PROGRAM ARGS...` runs PROGRAM with stdin closed,
/// stdout discarded, and prints `maxrss_kib exit_code anon_kib file_kib` of it: the exact
/// peak from the kernel, then the largest anonymous and file-backed RSS seen while polling
/// every millisecond (lower bounds; a process that lives a few ms may show 0).
fn measure_child(args: &[String]) -> ExitCode {
    let Some((program, rest)) = args.split_first() else {
        eprintln!("--measure-child needs a program");
        return ExitCode::from(2);
    };
    let mut child = match Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            eprintln!("cannot run {program}: {err}");
            return ExitCode::from(2);
        }
    };
    let (mut anon, mut file) = (0, 0);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {
                let (a, f) = rss_split(child.id());
                anon = anon.max(a);
                file = file.max(f);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(err) => {
                eprintln!("wait for {program}: {err}");
                return ExitCode::from(2);
            }
        }
    };
    let usage = match getrusage(UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => usage,
        Err(err) => {
            eprintln!("getrusage: {err}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} {} {anon} {file}",
        usage.max_rss(),
        status.code().unwrap_or(-1)
    );
    ExitCode::SUCCESS
}

/// One measured run, in KiB: the kernel's peak RSS, and the largest anonymous and
/// file-backed parts seen while polling.
#[derive(Clone, Copy)]
struct Peak {
    rss: u64,
    anon: u64,
    file: u64,
}

/// Peak RSS of one run of `bin args` with `envs`, measured by a fresh bench process.
fn peak_kib(bin: &Path, args: &[&str], envs: &[(&str, &OsStr)]) -> Peak {
    let me = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(me);
    cmd.arg("--measure-child").arg(bin).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .expect("measure child");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let number = |i: usize| -> u64 {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("no measurement from child: {text:?}"))
    };
    let peak = Peak {
        rss: number(0),
        anon: number(2),
        file: number(3),
    };
    let code = fields.get(1).copied().unwrap_or("?");
    assert_eq!(
        code,
        "0",
        "{} {} exited with {code}",
        bin.display(),
        args.join(" ")
    );
    peak
}

fn script() -> Vec<Reply> {
    let mut replies: Vec<Reply> = STEPS
        .iter()
        .map(|command| {
            Reply::ToolCalls(vec![(
                "local_shell".into(),
                json!({"command": command, "reason": "look at the load"}),
            )])
        })
        .collect();
    replies.push(Reply::Text(
        "Summary: load is high because of a runaway process; nothing was changed.".into(),
    ));
    replies
}

/// One headless run: a fresh data dir and fake server per run, so every run does the same work.
/// `extra` is more environment for the measured process.
fn run_once(bin: &Path, extra: &[(&str, &str)]) -> Peak {
    let dir = tempfile::tempdir().expect("tempdir");
    let alert = dir.path().join("alert.json");
    std::fs::write(&alert, ALERT).expect("alert");
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    let fake = FakeLlm::spawn_blocking_openai(script());
    let mut envs: Vec<(&str, &OsStr)> = vec![
        ("OPSASSIST_DATA_DIR", data.as_os_str()),
        ("OPSASSIST_CONFIG_DIR", config.as_os_str()),
    ];
    envs.extend(extra.iter().map(|(k, v)| (*k, OsStr::new(v))));
    let peak = peak_kib(
        bin,
        &[
            "run",
            "--alert",
            alert.to_str().expect("utf-8 path"),
            "--provider",
            "openai",
            "--base-url",
            &fake.base_url,
            "--model",
            "fake-model",
            "--auto-approve",
            "read-only",
        ],
        &envs,
    );
    // Every step ran: 5 tool turns + the final answer = 6 chat requests.
    let chats = fake.chat_count();
    assert_eq!(
        chats,
        STEPS.len() + 1,
        "the run stopped after {chats} turns"
    );
    peak
}

fn other_once(bin: &Path, args: &[&str]) -> Peak {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("config");
    let alert = dir.path().join("alert.json");
    std::fs::write(&alert, ALERT).expect("alert");
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "ALERT" {
                alert.to_str().expect("utf-8 path")
            } else {
                a
            }
        })
        .collect();
    peak_kib(
        bin,
        &args,
        &[
            ("OPSASSIST_DATA_DIR", data.as_os_str()),
            ("OPSASSIST_CONFIG_DIR", config.as_os_str()),
        ],
    )
}

fn mb(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

fn row(name: &str, peaks: Vec<Peak>) {
    let mut rss: Vec<u64> = peaks.iter().map(|p| p.rss).collect();
    rss.sort_unstable();
    println!(
        "| {name:<38} | {:>6} | {:>6} | {:>6} | {:>6} | {:>6} |",
        mb(rss[0]),
        mb(median(rss.clone())),
        mb(rss[rss.len() - 1]),
        mb(median(peaks.iter().map(|p| p.anon).collect())),
        mb(median(peaks.iter().map(|p| p.file).collect())),
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-child") {
        return measure_child(&args[1..]);
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then every command
    // runs once (against the debug binary), so the harness itself cannot rot.
    let runs = if args.iter().any(|a| a == "--bench") {
        RUNS
    } else {
        1
    };
    let bin = binary();
    assert!(bin.exists(), "no binary at {}", bin.display());
    println!("peak RSS of {} ({runs} runs each, MB)", bin.display());
    println!("min, median, max: the kernel's peak RSS (ru_maxrss)");
    println!("anon, file: medians of the largest RssAnon / RssFile seen polling every ms");
    println!("(0.0: the process ended before the first poll)");
    println!();
    println!(
        "| {:<38} | {:>6} | {:>6} | {:>6} | {:>6} | {:>6} |",
        "command", "min", "median", "max", "anon", "file"
    );
    println!(
        "|{}|--------|--------|--------|--------|--------|",
        "-".repeat(40)
    );
    let cases: [(&str, &[&str]); 3] = [
        ("--version", &["--version"]),
        ("alert parse FILE", &["alert", "parse", "ALERT"]),
        (
            "policy explain 'ps aux | head'",
            &["policy", "explain", "ps aux | head"],
        ),
    ];
    for (name, case) in cases {
        row(name, (0..runs).map(|_| other_once(&bin, case)).collect());
    }
    row(
        "run: 5 local_shell steps + answer",
        (0..runs).map(|_| run_once(&bin, &[])).collect(),
    );
    // The same run with mimalloc's arenas committed up front, as before `main.rs` turned
    // that off (the environment wins over the binary's default).
    row(
        "run, MIMALLOC_ARENA_EAGER_COMMIT=1",
        (0..runs)
            .map(|_| run_once(&bin, &[("MIMALLOC_ARENA_EAGER_COMMIT", "1")]))
            .collect(),
    );
    ExitCode::SUCCESS
}
