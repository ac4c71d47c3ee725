//! `opsassist tui`: the incident console.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use opsassist::alert::{ParseOptions, parse};
use opsassist::paths::Paths;
use opsassist::tui::{Keymap, TuiOptions};

use super::common::{ProviderArgs, build_core_watching};

/// What `tui --watch` runs inside the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WatchKind {
    /// The Docker watcher of `opsassist watch docker` ([watch.docker] in config.toml)
    Docker,
}

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
    /// Also run this watcher in the console (failed containers become incidents; sessions
    /// get the docker tools for the watched containers)
    #[arg(long, value_enum, value_name = "KIND")]
    pub watch: Option<WatchKind>,
    /// Attach to the daemon (`opsassist serve`) of this data dir: show its incidents, live
    /// transcripts and waiting calls; decisions run in the daemon
    #[arg(long, conflicts_with_all = ["listen", "watch"])]
    pub attach: bool,
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
    // Intake work (the `--listen` receiver, its writer, the inbox follower) runs below the UI
    // thread's priority, so an alert storm cannot delay a frame.
    let background =
        opsassist::intake::background::runtime().context("cannot start the intake runtime")?;
    let intake_handle = background.handle().clone();
    let outcome = runtime.block_on(async move {
        let (watcher, watched) = match args.watch {
            Some(WatchKind::Docker) => {
                let config = opsassist::config::Config::load_for(paths)?;
                let watcher = super::watch::start_watcher(paths, &config).await?;
                let names = super::watch::watched_names(&watcher).await?;
                (Some(watcher), names)
            }
            None => (None, Vec::new()),
        };
        let core = build_core_watching(paths, &args.provider, watched)?;
        // auto_restart goes through this console's gate (its --mode, the rules) and audit.
        let watcher = watcher.map(|w| {
            super::watch::with_healer(&core.config, w, core.options.mode, Arc::clone(&core.audit))
        });
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
        let receiver = match args.listen.clone() {
            Some(listen) => {
                // Bound and served on the background runtime: its accept loop, handlers and
                // writer thread all run lowered.
                let (paths, config) = (paths.clone(), core.config.clone());
                let insecure = args.insecure_no_auth;
                let started = intake_handle.spawn(async move {
                    super::serve::start_receiver(&paths, &config, &listen, insecure).await
                });
                Some(
                    started
                        .await
                        .context("the intake runtime stopped while starting the receiver")??,
                )
            }
            None => None,
        };
        let (watch_notices, watch_task) = match watcher {
            Some(watcher) => {
                let (notices, task) = run_watcher(watcher);
                (Some(notices), Some(task))
            }
            None => (None, None),
        };
        // The desk: the daemon's (`--attach`), or one run by this process.
        let desk = if args.attach {
            let socket = opsassist::desk::socket::socket_path(paths);
            opsassist::desk::socket::connect(&socket).await?
        } else {
            let operator = opsassist::store::operator_from_env();
            let (desk, warning) = opsassist::desk::Desk::open(core.clone(), &operator, "console")
                .context("cannot open the store")?;
            let room = opsassist::desk::room::start(
                Arc::new(desk),
                opsassist::desk::room::RoomOptions {
                    notify_received: receiver.is_some(),
                    investigate: None,
                    poll_on: Some(intake_handle.clone()),
                    warning,
                    close_with_consoles: true,
                },
            )?;
            room.attach()
        };
        let options = TuiOptions {
            desk,
            daemon: args.attach,
            keymap,
            alerts,
            watch_notices,
            auto_restart: args.watch.is_some() && core.config.watch.docker.auto_restart,
        };
        opsassist::tui::run(core, options).await?;
        if let Some(task) = watch_task {
            task.abort();
        }
        if let Some(running) = receiver {
            let _ = running.stop.send(());
            let _ = running.task.await;
        }
        Ok(ExitCode::SUCCESS)
    });
    // Anything still blocking there (a follower read) is abandoned, not waited for.
    background.shutdown_background();
    outcome
}

/// Run the Docker watcher in the background; its events become one status line each (the
/// incidents themselves reach the console through the inbox, like any alert).
fn run_watcher(
    watcher: opsassist::docker::watch::Watcher,
) -> (
    tokio::sync::mpsc::UnboundedReceiver<String>,
    tokio::task::JoinHandle<()>,
) {
    use opsassist::docker::watch::WatchEvent;
    let (events_tx, mut events_rx) = tokio::sync::mpsc::channel(256);
    let (notices_tx, notices_rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let run = watcher.run(events_tx);
        tokio::pin!(run);
        loop {
            tokio::select! {
                _ = &mut run => return,
                event = events_rx.recv() => {
                    let Some(event) = event else { return };
                    let line = match event {
                        WatchEvent::Incident(c) => format!(
                            "docker: {} {} → incident {}",
                            c.name,
                            c.failure.map(|f| f.name()).unwrap_or("failed"),
                            c.incident.as_deref().unwrap_or("-")
                        ),
                        WatchEvent::Healed { incident, report } => format!(
                            "docker: auto-restart of {} {} ({incident})",
                            report.container,
                            super::watch::heal_outcome(&report.outcome)
                        ),
                        WatchEvent::Resolved { incident, container, why } => format!(
                            "docker: {container} {why} → incident {incident} resolved"
                        ),
                        WatchEvent::Warning { message } => format!("docker watch: {message}"),
                    };
                    if notices_tx.send(opsassist::text::neutralize_line(&line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (notices_rx, task)
}
