//! Supervising one child process in its own process group: concurrent stdout/stderr capture,
//! the deadline (TERM the group, then KILL after a grace period) and the exit status.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::ExecError;
use super::output::OutputSink;

/// Time between SIGTERM and SIGKILL to the group, and how long to wait for pipes to close
/// after SIGKILL before giving up on processes that left the group.
pub const TERM_GRACE: Duration = Duration::from_secs(2);

/// Bytes of stderr kept aside (the end of it) for diagnosing ssh failures.
const STDERR_TAIL: usize = 4096;

/// What a supervised process did.
#[derive(Debug)]
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub duration: Duration,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    pub sha256: String,
    /// The head and tail kept for the model, not rendered yet (see `OutputCap::render_with`).
    pub capped: super::output::OutputCap,
    /// The last few KiB of stderr alone.
    pub stderr_tail: Vec<u8>,
    /// The operator cancelled it: the group got TERM, then KILL after the grace period.
    pub cancelled: bool,
    /// Bytes of output not kept in the file (over `max_output_file_bytes`).
    pub dropped_bytes: u64,
}

impl Finished {
    pub fn exit_code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    pub fn signal(&self) -> Option<i32> {
        self.status.and_then(|s| s.signal())
    }
}

/// Kills the whole process group with SIGKILL when dropped while armed, so a cancelled run
/// never leaves its processes behind.
struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn signal(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(pgid, signal);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(Signal::SIGKILL);
    }
}

/// How a supervised run may be stopped early and how much of its output is kept on disk.
#[derive(Debug)]
pub struct Supervision {
    /// Becomes true when the operator cancels the run.
    pub cancel: Cancel,
    /// Time between TERM and KILL on cancel.
    pub grace: Duration,
    /// Largest output file; beyond it the head and the tail are kept.
    pub max_file_bytes: u64,
    /// Give the child a stdin pipe held open until it ends (closed at once on cancel): the
    /// remote ssh wrapper stops the command when it reads EOF. Otherwise stdin is /dev/null.
    pub hold_stdin: bool,
    /// Hold the spawned command until the session recorded its process group: the command
    /// must wait for a line on its stdin (`hold_stdin`) before it runs, which is sent on go.
    pub gate: Option<super::group::SpawnGate>,
}

impl Default for Supervision {
    fn default() -> Self {
        Supervision {
            cancel: Cancel::never(),
            grace: DEFAULT_CANCEL_GRACE,
            max_file_bytes: super::output::DEFAULT_MAX_FILE_BYTES,
            hold_stdin: false,
            gate: None,
        }
    }
}

/// Default time between TERM and KILL when the operator cancels (`[limits] cancel_grace_secs`).
pub const DEFAULT_CANCEL_GRACE: Duration = Duration::from_secs(5);

/// The operator's cancel request for one run (a watch channel: true once cancelled).
#[derive(Debug, Clone)]
pub struct Cancel {
    rx: tokio::sync::watch::Receiver<bool>,
    /// For [`Cancel::never`]: the sender lives as long as the signal, so it never fires.
    _never: Option<std::sync::Arc<tokio::sync::watch::Sender<bool>>>,
}

impl Cancel {
    /// A cancel signal and the sender that fires it.
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Cancel) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (tx, Cancel { rx, _never: None })
    }

    /// A signal that never fires.
    pub fn never() -> Cancel {
        let (tx, rx) = tokio::sync::watch::channel(false);
        Cancel {
            rx,
            _never: Some(std::sync::Arc::new(tx)),
        }
    }

    /// Resolves when the run is cancelled (never if the sender is gone without cancelling).
    pub async fn cancelled(&mut self) {
        loop {
            if *self.rx.borrow_and_update() {
                return;
            }
            if self.rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Spawn `cmd` in a new process group with stdin closed and supervise it until it exits
/// and its output pipes close, until `timeout` (then TERM, grace, KILL), or until the
/// operator cancels it (TERM to the group, KILL after `supervision.grace`). Output goes to
/// `output_path` (stdout and stderr interleaved in arrival order, capped at
/// `supervision.max_file_bytes` keeping head and tail) and into a cap of `output_cap` bytes.
pub async fn supervise_with(
    mut cmd: Command,
    program: &str,
    timeout: Duration,
    output_cap: usize,
    output_path: &Path,
    supervision: Supervision,
) -> Result<Finished, ExecError> {
    let Supervision {
        mut cancel,
        grace,
        max_file_bytes,
        hold_stdin,
        gate,
    } = supervision;
    let output_err = |source| ExecError::Output {
        path: output_path.to_path_buf(),
        source,
    };
    let mut sink =
        OutputSink::create_capped(output_path, output_cap, max_file_bytes).map_err(output_err)?;
    cmd.process_group(0)
        .stdin(if hold_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: program.to_string(),
        source,
    })?;
    let mut held_stdin = child.stdin.take();
    let mut guard = GroupGuard {
        pgid: child.id().map(|id| Pid::from_raw(id as i32)),
    };
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(ExecError::Spawn {
            program: program.to_string(),
            source: std::io::Error::other("no output pipes"),
        });
    };
    if let Some(gate) = gate {
        let group = guard.pgid.map(|p| super::group::describe(p.as_raw()));
        if gate.started.send(group).is_err() || gate.go.await.is_err() {
            return Err(super::group::gate_closed(program));
        }
        // A child that already died (ssh could not connect) tells its story by its exit.
        if let Some(stdin) = held_stdin.as_mut() {
            let _ = stdin.write_all(b"\n").await;
            let _ = stdin.flush().await;
        }
        start = Instant::now();
    }

    let deadline = tokio::time::Instant::from_std(start + timeout);
    let mut out_buf = vec![0u8; 64 * 1024];
    let mut err_buf = vec![0u8; 64 * 1024];
    let (mut out_done, mut err_done) = (false, false);
    let (mut stdout_bytes, mut stderr_bytes) = (0u64, 0u64);
    let mut stderr_tail: Vec<u8> = Vec::new();
    let mut status: Option<ExitStatus> = None;
    let mut timed_out = false;
    let mut cancelled = false;
    let mut killed = false;
    let mut wake = deadline;
    let mut flush_tick = tokio::time::interval(super::output::FLUSH_EVERY);
    flush_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    while !(out_done && err_done && status.is_some()) {
        tokio::select! {
            r = stdout.read(&mut out_buf), if !out_done => match r {
                Ok(0) | Err(_) => out_done = true,
                Ok(n) => {
                    stdout_bytes += n as u64;
                    sink.write(&out_buf[..n]).map_err(output_err)?;
                }
            },
            r = stderr.read(&mut err_buf), if !err_done => match r {
                Ok(0) | Err(_) => err_done = true,
                Ok(n) => {
                    stderr_bytes += n as u64;
                    sink.write(&err_buf[..n]).map_err(output_err)?;
                    stderr_tail.extend_from_slice(&err_buf[..n]);
                    if stderr_tail.len() > STDERR_TAIL {
                        stderr_tail.drain(..stderr_tail.len() - STDERR_TAIL);
                    }
                }
            },
            s = child.wait(), if status.is_none() => {
                status = s.ok();
                if status.is_none() {
                    break;
                }
            }
            _ = flush_tick.tick(), if sink.unflushed() => {
                sink.flush().map_err(output_err)?;
            }
            _ = cancel.cancelled(), if !cancelled && !timed_out => {
                cancelled = true;
                drop(held_stdin.take());
                guard.signal(Signal::SIGTERM);
                wake = tokio::time::Instant::now() + grace;
            }
            _ = tokio::time::sleep_until(wake) => {
                if cancelled && !killed {
                    killed = true;
                    guard.signal(Signal::SIGKILL);
                    wake = tokio::time::Instant::now() + TERM_GRACE;
                } else if cancelled {
                    break;
                } else if !timed_out {
                    timed_out = true;
                    guard.signal(Signal::SIGTERM);
                    wake = tokio::time::Instant::now() + TERM_GRACE;
                } else if !killed {
                    killed = true;
                    guard.signal(Signal::SIGKILL);
                    wake = tokio::time::Instant::now() + TERM_GRACE;
                } else {
                    // Something left the group and holds the pipes open: stop reading.
                    break;
                }
            }
        }
    }
    if status.is_none() {
        status = tokio::time::timeout(TERM_GRACE, child.wait())
            .await
            .ok()
            .and_then(Result::ok);
    }
    drop(held_stdin);
    let duration = start.elapsed();
    if timed_out || cancelled {
        guard.signal(Signal::SIGKILL);
    }
    if status.is_some() || timed_out || cancelled {
        guard.pgid = None;
    }
    if timed_out {
        sink.note(&format!(
            "timed out after {} s; process group killed",
            timeout.as_secs_f64()
        ))
        .map_err(output_err)?;
    } else if cancelled {
        sink.note(&format!(
            "cancelled by operator after {:.1} s; process group stopped",
            duration.as_secs_f64()
        ))
        .map_err(output_err)?;
    }
    drop(guard);
    let (sha256, capped, dropped_bytes) = sink.finish().map_err(output_err)?;
    Ok(Finished {
        status,
        timed_out,
        duration,
        stdout_bytes,
        stderr_bytes,
        sha256,
        capped,
        stderr_tail,
        cancelled,
        dropped_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_reaches_the_file_while_the_command_still_runs() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let path = dir.path().join("out.log");
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("echo first-line; sleep 30");
        let run_path = path.clone();
        let run = tokio::spawn(async move {
            supervise_with(
                cmd,
                "sh",
                Duration::from_secs(60),
                4096,
                &run_path,
                Supervision::default(),
            )
            .await
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains("first-line") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "output not in the file yet: {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!run.is_finished(), "the command should still be running");
        run.abort();
    }

    fn pgrep(pattern: &str) -> String {
        std::process::Command::new("pgrep")
            .args(["-f", pattern])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }

    async fn cancel_after_start(script: &str, grace: Duration) -> (Finished, Duration) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("out.log");
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        let (fire, cancel) = Cancel::new();
        let supervision = Supervision {
            cancel,
            grace,
            ..Supervision::default()
        };
        let run = tokio::spawn(async move {
            supervise_with(cmd, "sh", Duration::from_secs(60), 4096, &path, supervision).await
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = Instant::now();
        let _ = fire.send(true);
        let done = match run.await {
            Ok(Ok(done)) => done,
            other => panic!("supervise: {other:?}"),
        };
        (done, sent.elapsed())
    }

    #[tokio::test]
    async fn cancel_terms_the_whole_group() {
        let marker = format!("{}.{}", 30, std::process::id());
        let (done, took) = cancel_after_start(
            &format!("sleep {marker} & sleep {marker}; wait"),
            TERM_GRACE,
        )
        .await;
        assert!(done.cancelled);
        assert_eq!(done.signal(), Some(15), "{:?}", done.status);
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert_eq!(
            pgrep(&format!("sleep {marker}")),
            "",
            "a sleep survived the cancel"
        );
    }

    #[tokio::test]
    async fn cancel_kills_what_ignores_term_after_the_grace() {
        let marker = format!("{}.{}", 29, std::process::id());
        let (done, took) = cancel_after_start(
            &format!("trap '' TERM; sleep {marker} & trap '' TERM; wait; wait"),
            Duration::from_millis(700),
        )
        .await;
        assert!(done.cancelled);
        assert!(took >= Duration::from_millis(700), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(
            pgrep(&format!("sleep {marker}")),
            "",
            "a sleep survived the KILL"
        );
    }
}
