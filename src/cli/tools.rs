//! `opsassist tools`.

use std::process::ExitCode;

use clap::Subcommand;

use opsassist::paths::Paths;

/// `opsassist tools` subcommands.
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Not built yet
    Todo,
}

/// Run `opsassist tools`.
pub fn run(paths: &Paths, cmd: ToolsCommand) -> anyhow::Result<ExitCode> {
    let _ = (paths, cmd);
    super::not_built("tools")
}
