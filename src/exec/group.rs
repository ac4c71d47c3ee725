//! Process groups that may outlive opsassist: what `ExecStarted` records about a group (its
//! id, its leader's start time, the boot), the gate that holds a command until that record is
//! durable, and, after a restart, telling whether the group still runs and stopping it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::sync::oneshot;

use crate::protocol::ProcessGroup;

/// Holds a spawned command before it runs: the executor reports the group it spawned (None:
/// no process, a Docker call) on `started`, and lets the command run only when `go` arrives.
/// When either side is dropped first, the command never runs.
#[derive(Debug)]
pub struct SpawnGate {
    pub started: oneshot::Sender<Option<ProcessGroup>>,
    pub go: oneshot::Receiver<()>,
}

/// The session's end of a [`SpawnGate`].
#[derive(Debug)]
pub struct GateKeeper {
    pub started: oneshot::Receiver<Option<ProcessGroup>>,
    pub go: oneshot::Sender<()>,
}

/// A gate and its keeper.
pub fn spawn_gate() -> (SpawnGate, GateKeeper) {
    let (started_tx, started_rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel();
    (
        SpawnGate {
            started: started_tx,
            go: go_rx,
        },
        GateKeeper {
            started: started_rx,
            go: go_tx,
        },
    )
}

/// The shell wrapper that waits for the gate's go line on stdin (EOF: exit 125 without
/// running anything), then runs `"$@"` with stdin from /dev/null, keeping its pid.
pub(crate) const LOCAL_GATE_SCRIPT: &str = "IFS= read -r _go || exit 125; exec \"$@\" </dev/null";

/// The error a gated run returns when the session let go before the command could start.
pub(crate) fn gate_closed(program: &str) -> super::ExecError {
    super::ExecError::Spawn {
        program: program.to_string(),
        source: std::io::Error::other("the session stopped before the command could start"),
    }
}

/// The record for the group led by `pgid`, just spawned.
pub fn describe(pgid: i32) -> ProcessGroup {
    ProcessGroup {
        pgid,
        start_ticks: start_ticks(pgid).unwrap_or(0),
        boot_id: boot_id(),
    }
}

/// The kernel's boot id (empty when it cannot be read).
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Field 22 of `/proc/PID/stat`: the start time in clock ticks after boot.
fn start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the group `group` records is still running: some process is in it, and it is the
/// same group (same boot; a living leader started when the record says). While any member
/// lives its id cannot be reused, so a group whose leader is gone but whose members live is
/// still the recorded one.
pub fn still_running(group: &ProcessGroup) -> bool {
    if group.pgid <= 1 {
        return false;
    }
    if !group.boot_id.is_empty() && group.boot_id != boot_id() {
        return false;
    }
    if living_members(group.pgid) == 0 {
        return false;
    }
    match start_ticks(group.pgid) {
        // The leader lives: it must be the one recorded.
        Some(ticks) => group.start_ticks == 0 || ticks == group.start_ticks,
        // Only members are left (the leader exited or is a zombie being reaped).
        None => true,
    }
}

/// How many processes of group `pgid` are alive (zombies, which a busy or absent reaper may
/// leave behind, do not count).
fn living_members(pgid: i32) -> usize {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return usize::from(killpg(Pid::from_raw(pgid), None).is_ok());
    };
    procs
        .flatten()
        .filter(|p| p.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .filter(|stat| {
            let Some(close) = stat.rfind(')') else {
                return false;
            };
            let mut fields = stat[close + 1..].split_whitespace();
            let state = fields.next();
            let _ppid = fields.next();
            let pgrp = fields.next().and_then(|f| f.parse::<i32>().ok());
            pgrp == Some(pgid) && !matches!(state, Some("Z" | "X"))
        })
        .count()
}

/// When the group's leader started (None when it is gone or the time cannot be read).
pub fn started_at(group: &ProcessGroup) -> Option<DateTime<Utc>> {
    let ticks = start_ticks(group.pgid)?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|hz| *hz > 0)? as u64;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let since_start = uptime - ticks as f64 / hz as f64;
    let ago = chrono::Duration::milliseconds((since_start.max(0.0) * 1000.0) as i64);
    Some(Utc::now() - ago)
}

/// How a group found at a restart was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It ended after TERM.
    Term,
    /// It ignored TERM for the grace period and got KILL.
    Kill,
    /// It was still there after KILL (a process in uninterruptible sleep).
    Survived,
}

/// TERM the group, KILL it after `grace` if it is still there; waits (polling, at most
/// `grace` plus two seconds) until no member is left.
pub async fn stop(group: &ProcessGroup, grace: Duration) -> Stopped {
    let pgid = Pid::from_raw(group.pgid);
    let _ = killpg(pgid, Signal::SIGTERM);
    if gone_within(group, grace).await {
        return Stopped::Term;
    }
    let _ = killpg(pgid, Signal::SIGKILL);
    if gone_within(group, super::TERM_GRACE).await {
        Stopped::Kill
    } else {
        Stopped::Survived
    }
}

async fn gone_within(group: &ProcessGroup, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        if living_members(group.pgid) == 0 {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_living_group_is_found_and_stopped_and_a_reused_record_is_not_alive() {
        use std::os::unix::process::CommandExt;
        let mut child = match std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30; wait"])
            .process_group(0)
            .spawn()
        {
            Ok(child) => child,
            Err(e) => panic!("spawn: {e}"),
        };
        let group = describe(child.id() as i32);
        // Reap the leader as init would reap an orphan.
        let reaper = std::thread::spawn(move || child.wait());
        assert!(group.start_ticks > 0, "{group:?}");
        assert!(still_running(&group));
        let elder = ProcessGroup {
            start_ticks: group.start_ticks.saturating_sub(1),
            ..group.clone()
        };
        assert!(
            !still_running(&elder),
            "another start time is another process"
        );
        let rebooted = ProcessGroup {
            boot_id: "another-boot".into(),
            ..group.clone()
        };
        assert!(!still_running(&rebooted));
        assert!(started_at(&group).is_some_and(|t| (Utc::now() - t).num_seconds() < 60));
        assert_eq!(stop(&group, Duration::from_secs(2)).await, Stopped::Term);
        let _ = reaper.join();
        assert!(!still_running(&group));
    }
}
