//! `opsassist doctor`.

use std::process::ExitCode;

use clap::Args;

use opsassist::paths::Paths;

/// Arguments of `opsassist doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

/// Run `opsassist doctor`.
pub fn run(paths: &Paths, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let _ = (paths, args);
    super::not_built("doctor")
}
