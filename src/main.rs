//! The `opsassist` binary: parses the command line and hands off to one subcommand.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use opsassist::paths::Paths;

/// mimalloc instead of glibc malloc: the receiver allocates per request and per alert
/// (parsed payloads, inbox records), and glibc's malloc/free were a third of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc's `mi_option_t` (include/mimalloc.h of v3, the
/// version the `mimalloc` crate builds).
const MI_OPTION_ARENA_EAGER_COMMIT: std::ffi::c_int = 4;

/// `mi_option_purge_delay` in the same enum: how many milliseconds mimalloc waits before it
/// returns freed memory to the OS (1000 by default in v3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[allow(unsafe_code)]
unsafe extern "C" {
    /// mimalloc's own: sets an option's value unless `MIMALLOC_<NAME>` set it in the
    /// environment.
    fn mi_option_set_default(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// Commit mimalloc's arenas on demand, not the whole 1 GiB reservation up front: on Linux an
/// eagerly committed arena is also advised for transparent huge pages, so each region the
/// heap touches costs a 2 MiB page. That was ~30 MB of a 5-step headless `run` (BENCHMARKS.md,
/// "Headless memory"). `MIMALLOC_ARENA_EAGER_COMMIT=1` in the environment still wins.
///
/// It must run before the first allocation reserves the first arena, and the Rust runtime
/// allocates before `main` (the main thread's info), so it is a process constructor.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
extern "C" fn commit_heap_on_demand() {
    // SAFETY: a plain setter of mimalloc's static option table (the statically linked copy
    // the global allocator uses); the index is in range, and mimalloc checks it too.
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0)
    };
}

/// Return freed heap memory to the OS at once instead of a second later. For `run`, a
/// one-shot command whose peak RSS is its cost: it allocates and frees in bursts (compiling
/// the redaction regexes the output needs, reading each command's output), and with the
/// default delay those freed pages were still resident at the peak, ~0.7 MB of a 5-step run
/// (BENCHMARKS.md, "Headless memory"). Not for `serve` or `tui`, which reuse what they free.
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn purge_freed_memory_at_once() {
    // SAFETY: as in `commit_heap_on_demand`; mimalloc reads this option each time it
    // schedules a purge, so setting it while the heap is in use is supported.
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set_default(MI_OPTION_PURGE_DELAY, 0)
    };
}

/// Runs [`commit_heap_on_demand`] from the ELF constructors, before the Rust runtime starts.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
#[used]
#[unsafe(link_section = ".init_array")]
static COMMIT_HEAP_ON_DEMAND: extern "C" fn() = commit_heap_on_demand;

/// An incident console for on-call operators: an LLM investigates alerts through tools, and
/// you approve, edit or reject every command before it runs, locally or over ssh.
#[derive(Debug, Parser)]
#[command(name = "opsassist", version, about, long_about = None)]
struct Cli {
    /// Config file [default: config.toml in the platform config dir]
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the incident console (full-screen dashboard)
    Tui(cli::tui::TuiArgs),
    /// Investigate one alert headless: transcript on stdout, decisions from stdin
    Run(cli::run::RunArgs),
    /// Work with alert payloads
    #[command(subcommand)]
    Alert(cli::alert::AlertCommand),
    /// Receive alerts over HTTP (Alertmanager, Grafana, PagerDuty, Opsgenie, Datadog,
    /// Zabbix) into the inbox, headless
    Serve(cli::serve::ServeArgs),
    /// List incidents received by the alert receiver
    #[command(subcommand)]
    Incidents(cli::incidents::IncidentsCommand),
    /// List and show incident sessions
    #[command(subcommand)]
    Sessions(cli::sessions::SessionsCommand),
    /// Inspect and verify the audit log
    #[command(subcommand)]
    Audit(cli::audit::AuditCommand),
    /// List and forget the operator edits opsassist learns from
    #[command(subcommand)]
    Corrections(cli::corrections::CorrectionsCommand),
    /// List and validate tools (tools.toml)
    #[command(subcommand)]
    Tools(cli::tools::ToolsCommand),
    /// Watch Docker containers: failures become incidents (headless; --once for cron)
    #[command(subcommand)]
    Watch(cli::watch::WatchCommand),
    /// Incident notifications (email, Slack, webhook)
    #[command(subcommand)]
    Notify(cli::notify::NotifyCommand),
    /// Explain what the approval gate does with a command; check approval rules files
    #[command(subcommand)]
    Policy(cli::policy::PolicyCommand),
    /// Evaluate a model on real, sandboxed faults (scenarios) and report pass rates
    Eval(cli::eval::EvalArgs),
    /// Check the setup: config, tools, LLM connection and every ssh host
    Doctor(cli::doctor::DoctorArgs),
    /// Team mode: claims on incidents and moving a data dir into the team database
    #[command(subcommand)]
    Store(cli::store::StoreCommand),
}

/// True when `err` comes from writing to a pipe whose reader went away (`| head -1`).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A closed pipe ends every command quietly with status 0, as for any Unix filter
/// (`doctor | head -1`): `println!` panics on a closed stdout, so that one panic exits 0
/// without a message; every other panic is reported as before.
fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_quietly_on_closed_pipe();
    let paths = Paths::resolve(cli.config.as_deref());
    let _log_guard = cli::logging::init(&paths);
    let result = match cli.command {
        Command::Tui(args) => cli::tui::run(&paths, args),
        Command::Run(args) => {
            purge_freed_memory_at_once();
            cli::run::run(&paths, args)
        }
        Command::Alert(cmd) => cli::alert::run(&paths, cmd),
        Command::Serve(args) => cli::serve::run(&paths, args),
        Command::Incidents(cmd) => cli::incidents::run(&paths, cmd),
        Command::Sessions(cmd) => cli::sessions::run(&paths, cmd),
        Command::Audit(cmd) => cli::audit::run(&paths, cmd),
        Command::Corrections(cmd) => cli::corrections::run(&paths, cmd),
        Command::Tools(cmd) => cli::tools::run(&paths, cmd),
        Command::Doctor(args) => cli::doctor::run(&paths, args),
        Command::Eval(args) => cli::eval::run(&paths, args),
        Command::Watch(cmd) => cli::watch::run(&paths, cmd),
        Command::Notify(cmd) => cli::notify::run(&paths, cmd),
        Command::Policy(cmd) => cli::policy::run(&paths, cmd),
        Command::Store(cmd) => cli::store::run(&paths, cmd),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "opsassist: {}",
                opsassist::text::neutralize_line(&format!("{err:#}"))
            );
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    unsafe extern "C" {
        fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    }

    fn option(index: std::ffi::c_int) -> std::ffi::c_long {
        // SAFETY: a plain getter of mimalloc's option table; the index is in range.
        #[allow(unsafe_code)]
        unsafe {
            mi_option_get(index)
        }
    }

    /// The option numbers are copied from mimalloc's header: a mimalloc that renumbers its
    /// options would make these settings change other options silently.
    #[test]
    fn the_mimalloc_option_numbers_name_the_options_meant() {
        if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            // Set to 0 by the constructor; mimalloc's own default is 2.
            assert_eq!(option(MI_OPTION_ARENA_EAGER_COMMIT), 0);
        }
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc v3's default delay; no other option defaults to 1000.
            assert_eq!(option(MI_OPTION_PURGE_DELAY), 1000);
            purge_freed_memory_at_once();
            assert_eq!(option(MI_OPTION_PURGE_DELAY), 0);
        }
    }
}
