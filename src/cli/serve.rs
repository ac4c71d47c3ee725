//! `opsassist serve`: the alert receiver, headless (for systemd); and [`start_receiver`], the
//! same receiver started inside the console by `opsassist tui --listen`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use std::sync::Arc;

use opsassist::config::{Config, Investigate};
use opsassist::desk::room::{self, RoomOptions};
use opsassist::desk::{Desk, socket};
use opsassist::intake::auth::Auth;
use opsassist::intake::server::{self, ReceiverOptions};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::paths::Paths;
use opsassist::store::operator_from_env;

/// Arguments of `opsassist serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:9095 [default: [intake] listen, else 127.0.0.1:9095]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Allow a non-loopback address without [intake] token_file (anyone who can reach it
    /// can open incidents)
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Start a model session for each new incident by itself (auto), or leave it for an
    /// operator (manual) [default: [intake] investigate, else manual]. Every call is still
    /// gated: what the policy lets run runs; the rest waits for a console (`tui --attach`).
    #[arg(long, value_name = "auto|manual", value_parser = ["auto", "manual"])]
    pub investigate: Option<String>,
    /// Also run this watcher in the daemon: failed containers become incidents in the same
    /// inbox, sessions get the docker tools for the watched containers
    #[arg(long, value_enum, value_name = "KIND")]
    pub watch: Option<super::tui::WatchKind>,
    #[command(flatten)]
    pub provider: super::common::ProviderArgs,
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9095";

/// Open the inbox, bind `listen` and serve in the background on the current runtime until
/// [`Running::stop`] is fired or dropped.
pub async fn start_receiver(
    paths: &Paths,
    config: &Config,
    listen: &str,
    insecure_no_auth: bool,
) -> anyhow::Result<Running> {
    let intake_config = &config.intake;
    let tls = match (&intake_config.tls_cert_file, &intake_config.tls_key_file) {
        (Some(cert), Some(key)) => {
            Some(opsassist::intake::tls::load(cert, key).context("[intake] TLS")?)
        }
        (None, None) => None,
        _ => anyhow::bail!("[intake] set both tls_cert_file and tls_key_file, or neither"),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let auth = Auth::load(
        intake_config.token_file.as_deref(),
        intake_config.pagerduty_secrets_file.as_deref(),
    )
    .context("[intake] credentials")?;
    let store = opsassist::store::open(paths, &config.store)
        .context("cannot open the store")?
        .store;
    let store_for_watcher = store.clone();
    let intake = Intake::open(store, IntakeOptions::from_config(intake_config))
        .context("cannot open the inbox")?;
    let receiver = server::bind(
        listen,
        intake.clone(),
        ReceiverOptions {
            auth,
            max_bytes: config.limits.max_alert_bytes,
            rate_per_client: intake_config.rate_per_client,
            rate_burst: intake_config.rate_burst,
            request_timeout: Duration::from_secs(intake_config.request_timeout_secs.max(1)),
            header_timeout: Duration::from_secs(intake_config.header_timeout_secs.max(1)),
            max_connections_per_client: intake_config.max_connections_per_client,
            allowed_hosts: intake_config.allowed_hosts.clone(),
            pagerduty_max_age: Duration::from_secs(intake_config.pagerduty_max_age_secs),
            insecure_no_auth,
            tls,
        },
    )
    .await?;
    let addr = receiver.addr;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(receiver.serve(async move {
        let _ = stop_rx.await;
    }));
    Ok(Running {
        intake,
        store: store_for_watcher,
        url: format!("{scheme}://{addr}/v1/alerts"),
        stop: stop_tx,
        task,
    })
}

/// A receiver serving in the background.
pub struct Running {
    /// The receiver's intake (a watcher in the same process feeds it too).
    pub intake: Intake,
    /// The store it writes.
    pub store: std::sync::Arc<dyn opsassist::store::Store>,
    /// `http(s)://ADDR/v1/alerts`.
    pub url: String,
    /// Send (or drop) to stop accepting.
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Run `opsassist serve`.
pub fn run(paths: &Paths, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load_for(paths)?;
    let investigate = match args.investigate.as_deref() {
        Some("auto") => Some(Investigate::Auto),
        Some(_) => Some(Investigate::Manual),
        None => None,
    };
    let listen = args
        .listen
        .clone()
        .or_else(|| config.intake.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sigint = signal(SignalKind::interrupt())?;
        let running = start_receiver(paths, &config, &listen, args.insecure_no_auth).await?;
        // `--watch docker`: the watcher feeds the receiver's intake (one inbox writer); its
        // restarts go through the core's gate and audit log.
        let (watcher, watched) = match args.watch {
            Some(super::tui::WatchKind::Docker) => {
                let watcher = super::watch::start_watcher_with(
                    paths,
                    &config,
                    Some((running.intake.clone(), running.store.clone())),
                )
                .await?;
                let names = super::watch::watched_names(&watcher).await?;
                (Some(watcher), names)
            }
            None => (None, Vec::new()),
        };
        // One desk per data dir: another daemon already serving consoles here means this
        // process only receives (the store is shared; its transactions dedup across both).
        let socket_path = socket::socket_path(paths);
        if args.watch.is_none() && socket::daemon_listening(&socket_path).await {
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "opsassist: receiving alerts on {}", running.url);
            let _ = writeln!(
                stdout,
                "opsassist: another daemon serves consoles for this data dir ({}); this one \
                 only receives alerts into the shared store",
                socket_path.display()
            );
            let _ = stdout.flush();
            tokio::select! {
                _ = sigterm.recv() => {}
                _ = sigint.recv() => {}
            }
            let _ = running.stop.send(());
            let _ = running.task.await;
            return Ok(ExitCode::SUCCESS);
        }
        // The desk: follows the inbox, investigates, recovers, serves consoles.
        let core = super::common::build_core_watching(paths, &args.provider, watched)?;
        let watch_task = watcher.map(|watcher| {
            let watcher = super::watch::with_healer(
                &core.config,
                watcher,
                core.options.mode,
                Arc::clone(&core.audit),
            );
            let (tx, mut rx) = tokio::sync::mpsc::channel(256);
            let run = tokio::spawn(async move { watcher.run(tx).await });
            let print = tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    super::watch::print_event(&event);
                }
            });
            (run, print)
        });
        let (desk, warning) =
            Desk::open(core, &operator_from_env(), "serve").context("cannot open the store")?;
        if let Some(warning) = &warning {
            tracing::warn!("{warning}");
        }
        let investigating = investigate.unwrap_or(config.intake.investigate);
        let room = room::start(
            Arc::new(desk),
            RoomOptions {
                notify_received: true,
                investigate,
                poll_on: None,
                warning,
                close_with_consoles: false,
            },
        )?;
        let door = socket::serve(room.clone(), socket_path.clone()).await?;
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "opsassist: receiving alerts on {}", running.url);
        let _ = writeln!(
            stdout,
            "opsassist: investigate = {}; consoles attach with `opsassist tui --attach` ({})",
            match investigating {
                Investigate::Auto => "auto",
                Investigate::Manual => "manual",
            },
            socket_path.display()
        );
        let _ = stdout.flush();
        tracing::info!("receiving alerts on {}", running.url);
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
        }
        door.abort();
        if let Some((run, print)) = watch_task {
            run.abort();
            print.abort();
        }
        let _ = std::fs::remove_file(&socket_path);
        let _ = running.stop.send(());
        let _ = running.task.await;
        Ok(ExitCode::SUCCESS)
    })
}
