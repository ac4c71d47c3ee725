//! `opsassist tui`.

use std::process::ExitCode;

use clap::Args;

use opsassist::paths::Paths;

/// Arguments of `opsassist tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {}

/// Run `opsassist tui`.
pub fn run(paths: &Paths, args: TuiArgs) -> anyhow::Result<ExitCode> {
    let _ = (paths, args);
    super::not_built("tui")
}
