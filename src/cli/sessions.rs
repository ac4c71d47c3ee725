//! `opsassist sessions`.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;

/// `opsassist sessions` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Not built yet
    Todo,
}

/// Run `opsassist sessions`.
pub fn run(paths: &Paths, cmd: SessionsCommand) -> anyhow::Result<ExitCode> {
    let _ = (paths, cmd);
    super::not_built("sessions")
}
