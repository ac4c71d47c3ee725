//! `opsassist watch docker`: the Docker watcher, headless (for systemd or cron with `--once`).
//! Failed watched containers become incidents in the inbox (the team database with
//! `[store] url`), through the intake; with `auto_restart`, restarts go through the gate of
//! `[policy] mode` and the rules, and the audit log sessions write.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::{Args, Subcommand};

use opsassist::audit::AuditLog;
use opsassist::config::Config;
use opsassist::docker::watch::{Checked, WatchEvent, Watcher};
use opsassist::docker::{Engine, FailureKind, HealOutcome, Healer};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::notify::Notifier;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::session::gate::Gate;
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

/// [`start_watcher`] feeding `shared` (the receiver's intake and store, when `serve --watch
/// docker` runs both in one process) instead of opening its own.
pub async fn start_watcher_with(
    paths: &Paths,
    config: &Config,
    shared: Option<(Intake, Arc<dyn opsassist::store::Store>)>,
) -> anyhow::Result<Watcher> {
    let docker = &config.watch.docker;
    let engine = Engine::connect(docker)
        .await
        .context("cannot reach the Docker Engine")?;
    let (intake, store) = match shared {
        Some(shared) => shared,
        None => open_intake(paths, config)?,
    };
    let redactor = Redactor::new(config.policy.redact_values.clone());
    let notifier = Notifier::new(
        config.notify.clone(),
        redactor.clone(),
        Some(paths.data_dir.join("notify.jsonl")),
    );
    Ok(Watcher::new(engine, docker.clone(), intake, store, redactor).with_notifier(notifier))
}

/// With `[watch.docker] auto_restart`: restarts go through the gate of `mode` and the
/// approval rules, and are written to the audit log as sessions write it (key, team chain).
pub fn with_healer(
    config: &Config,
    watcher: Watcher,
    mode: opsassist::protocol::Mode,
    audit: Arc<Mutex<AuditLog>>,
) -> Watcher {
    if !config.watch.docker.auto_restart {
        return watcher;
    }
    let gate = Gate::new(mode, false).with_rules(Arc::clone(&config.rules));
    let healer = Healer::new(
        watcher.engine().clone(),
        watcher.config().clone(),
        Arc::clone(watcher.store()),
        gate,
        audit,
    );
    watcher.with_healer(healer)
}

/// The audit log sessions write: the key and, in team mode, the shared chain.
fn core_audit(paths: &Paths, config: &Config) -> anyhow::Result<Arc<Mutex<AuditLog>>> {
    let audit = AuditLog::open(&paths.audit_log())?
        .with_key(super::audit::load_key(paths, config)?)
        .with_sink(super::store::audit_sink(paths, config)?);
    Ok(Arc::new(Mutex::new(audit)))
}

/// The names of the containers `watcher` watches now (the docker tools' container enum).
pub async fn watched_names(watcher: &Watcher) -> anyhow::Result<Vec<String>> {
    Ok(watcher
        .engine()
        .list()
        .await
        .context("cannot list the watched Docker containers")?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

fn open_intake(
    paths: &Paths,
    config: &Config,
) -> anyhow::Result<(Intake, Arc<dyn opsassist::store::Store>)> {
    // Team mode: failed containers become incidents on the shared board (the data dir's
    // inbox when the database cannot be opened, so a failure is never dropped).
    let (store, warning) =
        opsassist::store::inbox_or_local(paths, &config.store).context("cannot open the store")?;
    if let Some(warning) = warning {
        eprintln!("opsassist: warning: {}", neutralize_line(&warning));
    }
    let intake = Intake::open(store.clone(), IntakeOptions::from_config(&config.intake))
        .context("cannot open the inbox")?;
    Ok((intake, store))
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
        let watcher = if config.watch.docker.auto_restart {
            let audit = core_audit(paths, &config)?;
            with_healer(&config, watcher, config.policy.mode, audit)
        } else {
            watcher
        };
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
                heal_outcome(&report.outcome)
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
        WatchEvent::Resolved {
            incident,
            container,
            why,
        } => format!("{incident} {container}: resolved at source ({container} {why})"),
        WatchEvent::Warning { message } => format!("warning: {message}"),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", neutralize_line(&line));
    let _ = out.flush();
}

/// What an auto_restart came to, in a few words.
pub fn heal_outcome(outcome: &HealOutcome) -> String {
    match outcome {
        HealOutcome::Healed => "healed".into(),
        HealOutcome::GaveUp => "failed".into(),
        HealOutcome::Refused { reason } => format!("refused: {reason}"),
        HealOutcome::NeedsApproval { reason } => format!("not run: {reason}"),
        HealOutcome::ClaimedElsewhere => "not run: someone else took the incident up".into(),
    }
}
