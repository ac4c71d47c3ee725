//! The process group a stdio MCP server runs in, stopped when opsassist lets the server go
//! (a restart, or the pool dropped as opsassist shuts down). rmcp kills only the process it
//! spawned, and only from a task that a runtime shutting down never runs: a wrapper's
//! children (`sh -c "… | node server.js"`) and a server stuck in a call outlived opsassist.

use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::exec::group::{describe, still_running};
use crate::protocol::ProcessGroup;

/// How long a server has after SIGTERM before the group gets SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// A server's own process group (it was spawned with `process_group(0)`), stopped on drop
/// if it is still the same group and still runs.
#[derive(Debug)]
pub struct ServerGroup(ProcessGroup);

impl ServerGroup {
    /// The group led by the server process `pid`.
    pub fn led_by(pid: u32) -> Option<ServerGroup> {
        let pgid = i32::try_from(pid).ok().filter(|p| *p > 1)?;
        Some(ServerGroup(describe(pgid)))
    }
}

impl Drop for ServerGroup {
    fn drop(&mut self) {
        let group = self.0.clone();
        if !still_running(&group) {
            return;
        }
        let pgid = Pid::from_raw(group.pgid);
        let _ = killpg(pgid, Signal::SIGTERM);
        // A drop cannot wait: a thread sends SIGKILL to what is left after the grace (if
        // opsassist exits first, the server has had its SIGTERM).
        let _ = std::thread::Builder::new()
            .name("mcp-stop".into())
            .spawn(move || {
                std::thread::sleep(GRACE);
                if still_running(&group) {
                    let _ = killpg(pgid, Signal::SIGKILL);
                }
            });
    }
}
