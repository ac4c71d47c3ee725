//! The console's background runtime: intake work inside `opsassist tui` (the `--listen`
//! receiver, its writer, the inbox follower's reads) runs on threads with a lower scheduling
//! priority than the UI thread, so an alert storm cannot hold a core the next frame needs.
//!
//! Only these threads are lowered. Sessions run on the main runtime, so a command the operator
//! approves (and anything it starts) keeps the console's own priority.

use std::io;

/// How much lower (in `nice` steps) background threads run than the thread that starts them.
/// 10 gives a waking UI thread about ten times the CPU share of each busy background thread.
pub const NICENESS: i32 = 10;

/// Lower the calling thread's priority by [`NICENESS`] (Linux: per thread). A thread already
/// lowered stays as it is; an unprivileged process can always lower, never raise, its own.
pub fn lower_this_thread() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let tid = rustix::thread::gettid();
        let now = getpriority_process(Some(tid))?;
        setpriority_process(Some(tid), (now + NICENESS).min(19))?;
    }
    Ok(())
}

/// Keep the calling thread off the first CPU this process may use, when it may use two or
/// more: intake then never holds every core, so a waking UI thread finds one free instead of
/// waiting for the scheduler's next tick. On one CPU it does nothing.
pub fn confine_this_thread() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
        use nix::unistd::Pid;
        let this = Pid::from_raw(0);
        let allowed = sched_getaffinity(this).map_err(io::Error::from)?;
        let cpus: Vec<usize> = (0..CpuSet::count())
            .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
            .collect();
        if cpus.len() >= 2 {
            let mut rest = CpuSet::new();
            for &cpu in &cpus[1..] {
                rest.set(cpu).map_err(io::Error::from)?;
            }
            sched_setaffinity(this, &rest).map_err(io::Error::from)?;
        }
    }
    Ok(())
}

/// A runtime whose worker and blocking threads all run lowered ([`lower_this_thread`]) and
/// off the first CPU ([`confine_this_thread`]); threads they start (the intake writer)
/// inherit both.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("opsassist-intake")
        .on_thread_start(|| {
            if let Err(e) = lower_this_thread() {
                tracing::warn!("cannot lower an intake thread's priority: {e}");
            }
            if let Err(e) = confine_this_thread() {
                tracing::warn!("cannot keep an intake thread off the first CPU: {e}");
            }
        })
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nice_of_this_thread() -> i32 {
        rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap_or(-100)
    }

    #[test]
    fn runtime_threads_run_lowered_and_the_caller_does_not() {
        let before = nice_of_this_thread();
        let runtime = runtime().unwrap_or_else(|e| panic!("runtime: {e}"));
        let worker = runtime.block_on(async {
            tokio::spawn(async { nice_of_this_thread() })
                .await
                .unwrap_or(-100)
        });
        let blocking = runtime.block_on(async {
            tokio::task::spawn_blocking(nice_of_this_thread)
                .await
                .unwrap_or(-100)
        });
        // A thread started from a lowered thread inherits its priority (the intake writer).
        let inherited = runtime.block_on(async {
            tokio::task::spawn_blocking(|| {
                std::thread::spawn(nice_of_this_thread)
                    .join()
                    .unwrap_or(-100)
            })
            .await
            .unwrap_or(-100)
        });
        let expected = (before + NICENESS).min(19);
        assert_eq!(worker, expected);
        assert_eq!(blocking, expected);
        assert_eq!(inherited, expected);
        assert_eq!(
            nice_of_this_thread(),
            before,
            "the caller keeps its priority"
        );
    }

    fn cpus_of_this_thread() -> usize {
        use nix::sched::{CpuSet, sched_getaffinity};
        let set = sched_getaffinity(nix::unistd::Pid::from_raw(0))
            .unwrap_or_else(|e| panic!("affinity: {e}"));
        (0..CpuSet::count())
            .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
            .count()
    }

    #[test]
    fn runtime_threads_leave_the_other_cpus_to_the_caller() {
        let mine = cpus_of_this_thread();
        let runtime = runtime().unwrap_or_else(|e| panic!("runtime: {e}"));
        let theirs = runtime.block_on(async {
            tokio::spawn(async { cpus_of_this_thread() })
                .await
                .unwrap_or(0)
        });
        assert_eq!(theirs, if mine >= 2 { mine - 1 } else { mine });
        assert_eq!(cpus_of_this_thread(), mine, "the caller keeps its CPUs");
    }
}
