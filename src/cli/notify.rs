//! `opsassist notify test`: send a test message to every `[notify]` channel and report each.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use opsassist::config::Config;
use opsassist::notify::{Notice, Notifier, Trigger};
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::text::neutralize_line;

/// `opsassist notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test message to every configured channel (email, Slack, webhook)
    Test,
}

/// Run `opsassist notify`.
pub fn run(paths: &Paths, cmd: NotifyCommand) -> anyhow::Result<ExitCode> {
    let NotifyCommand::Test = cmd;
    let config = Config::load_for(paths)?;
    let notifier = Notifier::new(
        config.notify.clone(),
        Redactor::new(config.policy.redact_values.clone()),
        Some(paths.data_dir.join("notify.jsonl")),
    );
    if !notifier.enabled() {
        println!("no [notify] channel is configured");
        return Ok(ExitCode::from(super::EXIT_BAD_INPUT));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let deliveries = runtime.block_on(notifier.send_all(Notice {
        trigger: Trigger::Test,
        incident: "test".into(),
        severity: "info".into(),
        title: "opsassist test notification".into(),
        what_happened: "`opsassist notify test` was run; this channel works.".into(),
        ran: Vec::new(),
        verification: None,
        diagnosis: None,
    }));
    let mut failed = false;
    for d in &deliveries {
        match &d.error {
            None => println!("{}: sent", d.channel),
            Some(e) => {
                failed = true;
                println!(
                    "{}: FAILED after {} attempt(s): {}",
                    d.channel,
                    d.attempts,
                    neutralize_line(e)
                );
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
