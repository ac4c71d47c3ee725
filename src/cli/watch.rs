//! `opsassist watch docker`: the Docker watcher, headless (for systemd or cron with `--once`).
//! Failed watched containers become incidents in the inbox (the team database with
//! `[store] url`), through the intake.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use opsassist::config::Config;
use opsassist::docker::watch::{Checked, WatchEvent, Watcher};
use opsassist::docker::{Engine, FailureKind};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::notify::Notifier;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::text::neutralize_line;

/// `opsassist watch` subcommands.
#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch the Docker containers matching [watch.docker] labels
    Docker(DockerArgs),
}

/// Arguments of `opsassist watch docker`.
#[derive(Debug, Args)]
pub struct DockerArgs {
    /// Check every watched container once, open incidents for the failed ones, print a
    /// summary and exit 1 if any is failed (for cron and CI)
    #[arg(long)]
    pub once: bool,
    /// With --once: the summary as JSON
    #[arg(long, requires = "once")]
    pub json: bool,
}

/// Start a watcher on the current runtime: connect to Docker and open the inbox.
pub async fn start_watcher(paths: &Paths, config: &Config) -> anyhow::Result<Watcher> {
    start_watcher_with(paths, config, None).await
}

/// [`start_watcher`] feeding `intake` (the receiver's, when `serve --watch docker` runs both
/// in one process) instead of opening its own.
pub async fn start_watcher_with(
    paths: &Paths,
    config: &Config,
    intake: Option<Intake>,
) -> anyhow::Result<Watcher> {
    let docker = &config.watch.docker;
    let engine = Engine::connect(docker)
        .await
        .context("cannot reach the Docker Engine")?;
    let intake = match intake {
        Some(intake) => intake,
        None => open_intake(paths, config)?,
    };
    let redactor = Redactor::new(config.policy.redact_values.clone());
    let notifier = Notifier::new(
        config.notify.clone(),
        redactor.clone(),
        Some(paths.data_dir.join("notify.jsonl")),
    );
    Ok(
        Watcher::new(engine, docker.clone(), intake, redactor, paths.audit_log())
            .with_notifier(notifier),
    )
}

fn open_intake(paths: &Paths, config: &Config) -> anyhow::Result<Intake> {
    // Team mode: failed containers become incidents on the shared board (the data dir's
    // inbox when the database cannot be opened, so a failure is never dropped).
    let (store, warning) = opsassist::store::inbox_or_files(paths, &config.store);
    if let Some(warning) = warning {
        eprintln!("opsassist: warning: {}", neutralize_line(&warning));
    }
    Intake::open(store, IntakeOptions::from_config(&config.intake))
        .context("cannot open the inbox")
}

/// Run `opsassist watch`.
pub fn run(paths: &Paths, cmd: WatchCommand) -> anyhow::Result<ExitCode> {
    let WatchCommand::Docker(args) = cmd;
    let config = Config::load_for(paths)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let watcher = start_watcher(paths, &config).await?;
        if args.once {
            let checked = watcher.check_all().await?;
            let failed = checked.iter().filter(|c| c.failure.is_some()).count();
            print_summary(&checked, args.json)?;
            if let Some(n) = watcher.notifier() {
                for d in n.drain().await {
                    if let Some(e) = d.error {
                        eprintln!("opsassist: notify {}: {}", d.channel, neutralize_line(&e));
                    }
                }
            }
            return Ok(if failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sigint = signal(SignalKind::interrupt())?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let task = tokio::spawn({
            let watcher = watcher.clone();
            async move { watcher.run(tx).await }
        });
        println!(
            "opsassist: watching Docker containers labelled {}{}",
            config.watch.docker.labels.join(", "),
            if config.watch.docker.auto_restart {
                " (auto_restart on)"
            } else {
                ""
            }
        );
        loop {
            tokio::select! {
                _ = sigterm.recv() => break,
                _ = sigint.recv() => break,
                event = rx.recv() => match event {
                    Some(event) => print_event(&event),
                    None => break,
                },
            }
        }
        task.abort();
        Ok(ExitCode::SUCCESS)
    })
}

fn kind_name(kind: Option<FailureKind>) -> &'static str {
    kind.map(FailureKind::name).unwrap_or("ok")
}

fn print_summary(checked: &[Checked], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let failed = checked.iter().filter(|c| c.failure.is_some()).count();
        let summary = serde_json::json!({
            "watched": checked.len(),
            "failed": failed,
            "containers": checked,
        });
        writeln!(out, "{}", opsassist::text::json_line(&summary)?)?;
        return Ok(());
    }
    if checked.is_empty() {
        writeln!(out, "no watched containers")?;
    }
    for c in checked {
        writeln!(
            out,
            "{:<24} {:<10} {:<12} {}",
            neutralize_line(&c.name),
            neutralize_line(&c.state),
            kind_name(c.failure),
            c.incident.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

pub fn print_event(event: &WatchEvent) {
    let line = match event {
        WatchEvent::Incident(c) => format!(
            "{} {}: {} ({})",
            c.incident.as_deref().unwrap_or("-"),
            c.name,
            kind_name(c.failure),
            c.outcome
                .as_ref()
                .map(|o| format!("{o:?}").to_lowercase())
                .unwrap_or_default()
        ),
        WatchEvent::Healed { incident, report } => {
            let mut s = format!(
                "{incident} {}: auto_restart {}",
                report.container,
                if report.healed { "healed" } else { "failed" }
            );
            for a in &report.attempts {
                match (&a.verdict, &a.error) {
                    (Some(v), _) => s.push_str(&format!("; attempt {}: {v}", a.attempt)),
                    (None, Some(e)) => s.push_str(&format!("; attempt {}: {e}", a.attempt)),
                    _ => {}
                }
            }
            s
        }
        WatchEvent::Warning { message } => format!("warning: {message}"),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", neutralize_line(&line));
    let _ = out.flush();
}
