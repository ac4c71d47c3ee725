//! Running resolved tool calls: locally in a process group, or over the system `ssh` with
//! connection reuse. Output is captured in full to disk and capped for the model.
//!
//! The output file holds stdout and stderr interleaved in arrival order (as a terminal would
//! show them), plus a final `[opsassist: timed out …]` note when the deadline hit; its sha256
//! is over exactly those bytes.

mod cut;
pub mod docker;
pub mod group;
mod local;
pub mod output;
pub mod output_live;
mod process;
pub mod ssh;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Config, HostEntry};
use crate::paths::Paths;
use crate::protocol::Target;
use crate::tools::Program;

pub use group::{GateKeeper, SpawnGate, spawn_gate};
pub use output::OutputCap;
pub use process::{Cancel, DEFAULT_CANCEL_GRACE, Supervision, TERM_GRACE};
pub use ssh::SshClient;

/// One execution to perform.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    pub target: Target,
    pub program: Program,
    pub timeout: Duration,
    /// Bytes of output kept for the model (head + tail, with an omission marker).
    pub output_cap: usize,
    /// Where the full output is written (mode 0600).
    pub output_path: PathBuf,
}

/// What happened when a request ran.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecOutcome {
    /// The exit status; `None` when killed by a signal or when ssh itself failed.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration: Duration,
    pub timed_out: bool,
    /// ssh's own failure (exit 255), distinct from the command failing.
    pub connection_error: Option<String>,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// sha256 (hex) of the full output file.
    pub output_sha256: String,
    /// Capped output: head and tail with a "[N bytes omitted]" marker. Not redacted: text
    /// for the model comes from `capture.render_with` (redaction before the cut).
    pub capped_output: String,
    /// The kept head and tail, with slack beyond the cut, for redaction before cutting.
    pub capture: OutputCap,
    /// The operator cancelled the run (TERM, then KILL after the grace period).
    pub cancelled: bool,
    /// Bytes left out of the output file by `[limits] max_output_file_bytes`.
    pub dropped_bytes: u64,
}

/// Failures to run at all (the command's own failures are in [`ExecOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The program (or `ssh`) could not be started.
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// The target is not an inventory name (checked again here, after the registry).
    #[error("host `{0}` is not in the inventory")]
    UnknownHost(String),
    /// The container is not a watched Docker container; nothing was sent to Docker.
    #[error(
        "container `{0}` is not watched ([watch.docker] labels); refused before the Docker API was called"
    )]
    NotWatched(String),
    /// The full-output file could not be created or written.
    #[error("cannot write output file {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    /// ssh cannot be set up: bad `[ssh]` settings or an unusable control directory.
    #[error("ssh setup: {0}")]
    SshSetup(String),
}

/// Runs requests locally or over ssh.
#[derive(Debug, Clone)]
pub struct Executor {
    ssh: SshClient,
    hosts: BTreeMap<String, HostEntry>,
    docker: crate::docker::DockerWatchConfig,
    /// The `[[mcp]]` servers of this process (started lazily, shared by clones).
    mcp: crate::mcp::McpPool,
    /// Time between TERM and KILL when the operator cancels.
    cancel_grace: Duration,
    /// Largest output file kept per run (0: no limit).
    max_file_bytes: u64,
}

impl Executor {
    /// Build from config (ssh options, inventory) and paths (ssh control dir).
    pub fn new(config: &Config, paths: &Paths) -> Executor {
        Executor {
            ssh: SshClient::new(&config.ssh, &paths.data_dir),
            hosts: config.hosts.clone(),
            docker: config.watch.docker.clone(),
            mcp: crate::mcp::McpPool::new(&config.mcp),
            cancel_grace: Duration::from_secs(config.limits.cancel_grace_secs),
            max_file_bytes: config.limits.max_output_file_bytes,
        }
    }

    fn supervision(&self, cancel: Cancel) -> Supervision {
        Supervision {
            cancel,
            grace: self.cancel_grace,
            max_file_bytes: self.max_file_bytes,
            hold_stdin: false,
            gate: None,
        }
    }

    /// The `[[mcp]]` servers this executor calls.
    pub fn mcp(&self) -> &crate::mcp::McpPool {
        &self.mcp
    }

    /// The ssh client this executor uses (for `doctor` and benchmarks).
    pub fn ssh(&self) -> &SshClient {
        &self.ssh
    }

    /// Run one request to completion (or timeout). Local commands run in their own process
    /// group; on timeout the group gets SIGTERM, then SIGKILL after [`TERM_GRACE`]. Remote
    /// commands run under `timeout -k` on the host; the local ssh gets the same treatment
    /// when the remote side does not answer in time.
    pub async fn run(&self, request: ExecRequest) -> Result<ExecOutcome, ExecError> {
        self.run_cancellable(request, Cancel::never()).await
    }

    /// [`Executor::run`] that stops when `cancel` fires: TERM to the local process group (for
    /// ssh: the local ssh, whose closed channel makes the remote wrapper TERM the remote
    /// group), then KILL after `[limits] cancel_grace_secs`; a Docker call is abandoned at
    /// once (its Engine API connection closed).
    pub async fn run_cancellable(
        &self,
        request: ExecRequest,
        cancel: Cancel,
    ) -> Result<ExecOutcome, ExecError> {
        self.run_gated(request, cancel, None).await
    }

    /// [`Executor::run_cancellable`] held at `gate`: the process is spawned (locally: a
    /// small `sh` that waits for a line on its stdin, then execs the command; over ssh: the
    /// remote wrapper waits the same way), its process group is reported, and the command
    /// runs only once the session sends go. A Docker call reports no group and waits for go
    /// before the Engine API is called. If the session lets go first, nothing runs.
    pub async fn run_gated(
        &self,
        request: ExecRequest,
        cancel: Cancel,
        gate: Option<SpawnGate>,
    ) -> Result<ExecOutcome, ExecError> {
        match &request.target {
            Target::Local => {
                let gated = gate.is_some();
                let (cmd, name) = if gated {
                    local::gated_command(&request.program)?
                } else {
                    local::command(&request.program)?
                };
                let done = process::supervise_with(
                    cmd,
                    &name,
                    request.timeout,
                    request.output_cap,
                    &request.output_path,
                    Supervision {
                        hold_stdin: gated,
                        gate,
                        ..self.supervision(cancel)
                    },
                )
                .await?;
                Ok(ExecOutcome {
                    exit_code: done.exit_code(),
                    signal: done.signal(),
                    duration: done.duration,
                    timed_out: done.timed_out,
                    connection_error: None,
                    stdout_bytes: done.stdout_bytes,
                    stderr_bytes: done.stderr_bytes,
                    output_sha256: done.sha256,
                    capped_output: done.capped.render(),
                    capture: done.capped,
                    cancelled: done.cancelled,
                    dropped_bytes: done.dropped_bytes,
                })
            }
            Target::Ssh { host } => {
                let entry = self
                    .hosts
                    .get(host)
                    .ok_or_else(|| ExecError::UnknownHost(host.clone()))?;
                self.run_ssh(entry, &request, cancel, gate).await
            }
            Target::Docker { container } => {
                if let Some(gate) = gate
                    && (gate.started.send(None).is_err() || gate.go.await.is_err())
                {
                    return Err(group::gate_closed("docker"));
                }
                docker::run(
                    &self.docker,
                    container,
                    &request,
                    cancel,
                    self.max_file_bytes,
                )
                .await
            }
            Target::Mcp { .. } => {
                if let Some(gate) = gate
                    && (gate.started.send(None).is_err() || gate.go.await.is_err())
                {
                    return Err(group::gate_closed("mcp"));
                }
                crate::mcp::run(&self.mcp, &request, cancel, self.max_file_bytes).await
            }
        }
    }

    async fn run_ssh(
        &self,
        entry: &HostEntry,
        request: &ExecRequest,
        cancel: Cancel,
        gate: Option<SpawnGate>,
    ) -> Result<ExecOutcome, ExecError> {
        if matches!(&request.program, Program::Argv(argv) if argv.is_empty()) {
            return Err(ExecError::Spawn {
                program: String::new(),
                source: std::io::Error::other("empty argv"),
            });
        }
        let kill_after = self.cancel_grace.as_secs().max(1);
        let remote = ssh::remote_command_gated(
            &request.program,
            request.timeout,
            kill_after,
            gate.is_some(),
        );
        let cmd = self
            .ssh
            .command(entry, &remote)
            .map_err(ExecError::SshSetup)?;
        let local_deadline =
            request.timeout + Duration::from_secs(kill_after + self.ssh.connect_timeout_secs() + 2);
        let done = process::supervise_with(
            cmd,
            "ssh",
            local_deadline,
            request.output_cap,
            &request.output_path,
            Supervision {
                hold_stdin: true,
                gate,
                ..self.supervision(cancel)
            },
        )
        .await?;
        let code = done.exit_code();
        // A cancelled ssh exits 255 too: that is the operator, not the connection.
        let connection_error = (code == Some(255) && !done.cancelled)
            .then(|| ssh::connection_error(&done.stderr_tail));
        // `timeout` exits 124 after TERM and 137 after KILL.
        let remote_timeout =
            matches!(code, Some(124) | Some(137)) && done.duration >= request.timeout;
        Ok(ExecOutcome {
            exit_code: if connection_error.is_some() {
                None
            } else {
                code
            },
            signal: done.signal(),
            duration: done.duration,
            timed_out: done.timed_out || remote_timeout,
            connection_error,
            stdout_bytes: done.stdout_bytes,
            stderr_bytes: done.stderr_bytes,
            output_sha256: done.sha256,
            capped_output: done.capped.render(),
            capture: done.capped,
            cancelled: done.cancelled,
            dropped_bytes: done.dropped_bytes,
        })
    }
}
