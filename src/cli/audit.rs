//! `opsassist audit`.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;

/// `opsassist audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Not built yet
    Todo,
}

/// Run `opsassist audit`.
pub fn run(paths: &Paths, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let _ = (paths, cmd);
    super::not_built("audit")
}
