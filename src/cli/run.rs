//! `opsassist run`.

use std::process::ExitCode;

use clap::Args;

use opsassist::paths::Paths;

/// Arguments of `opsassist run`.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// Run `opsassist run`.
pub fn run(paths: &Paths, args: RunArgs) -> anyhow::Result<ExitCode> {
    let _ = (paths, args);
    super::not_built("run")
}
