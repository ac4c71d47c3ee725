//! Running resolved tool calls: locally in a process group, or over the system `ssh` with
//! connection reuse. Output is captured in full to disk and capped for the model.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::Config;
use crate::paths::Paths;
use crate::protocol::Target;
use crate::tools::Program;

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
    /// Capped output: head and tail with a "[N bytes omitted]" marker. Not yet redacted.
    pub capped_output: String,
}

/// Failures to run at all (the command's own failures are in [`ExecOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("host `{0}` is not in the inventory")]
    UnknownHost(String),
    #[error("cannot write output file {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs requests locally or over ssh.
#[derive(Debug, Clone)]
pub struct Executor {
    _private: (),
}

impl Executor {
    /// Build from config (ssh options, inventory) and paths (ssh control dir).
    pub fn new(config: &Config, paths: &Paths) -> Executor {
        let _ = (config, paths);
        Executor { _private: () }
    }

    /// Run one request to completion (or timeout).
    pub async fn run(&self, request: ExecRequest) -> Result<ExecOutcome, ExecError> {
        Err(ExecError::Spawn {
            program: format!("{:?}", request.program),
            source: std::io::Error::other("executor not built yet"),
        })
    }
}
