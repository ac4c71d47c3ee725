//! `opsassist tui`: the incident console.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use opsassist::alert::{ParseOptions, parse};
use opsassist::paths::Paths;
use opsassist::tui::{Keymap, TuiOptions};

use super::common::{ProviderArgs, build_core};

/// Arguments of `opsassist tui`.
#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Open with this alert payload loaded (any supported format)
    #[arg(long, value_name = "FILE")]
    pub alert: Option<PathBuf>,
    /// Also receive alerts over HTTP on this address (as `opsassist serve` does)
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Allow a non-loopback --listen address without [intake] token_file
    #[arg(long, requires = "listen")]
    pub insecure_no_auth: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

/// Run `opsassist tui`.
pub fn run(paths: &Paths, args: TuiArgs) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "`opsassist tui` needs a terminal (stdin/stdout are not a tty); for scripts use `opsassist run`"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let core = build_core(paths, &args.provider)?;
        let keymap = Keymap::from_config(&core.config.keys)
            .with_context(|| format!("in {}", paths.config_file.display()))?;
        let mut alerts = Vec::new();
        if let Some(file) = &args.alert {
            let bytes = std::fs::read(file)
                .with_context(|| format!("cannot read alert file {}", file.display()))?;
            let opts = ParseOptions {
                max_bytes: core.config.limits.max_alert_bytes,
                ..ParseOptions::default()
            };
            match parse(&bytes, &opts) {
                Ok(parsed) => alerts = parsed,
                Err(e) => {
                    eprintln!(
                        "opsassist: {}: {}",
                        file.display(),
                        opsassist::text::neutralize_line(&e.to_string())
                    );
                    return Ok(ExitCode::from(super::EXIT_BAD_INPUT));
                }
            }
        }
        let receiver = match &args.listen {
            Some(listen) => Some(
                super::serve::start_receiver(paths, &core.config, listen, args.insecure_no_auth)
                    .await?,
            ),
            None => None,
        };
        opsassist::tui::run(core, TuiOptions { keymap, alerts }).await?;
        if let Some(running) = receiver {
            let _ = running.stop.send(());
            let _ = running.task.await;
        }
        Ok(ExitCode::SUCCESS)
    })
}
