//! `opsassist alert`.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;

/// `opsassist alert` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Not built yet
    Todo,
}

/// Run `opsassist alert`.
pub fn run(paths: &Paths, cmd: AlertCommand) -> anyhow::Result<ExitCode> {
    let _ = (paths, cmd);
    super::not_built("alert")
}
