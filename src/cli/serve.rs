//! `opsassist serve`: the alert receiver, headless (for systemd); and [`start_receiver`], the
//! same receiver started inside the console by `opsassist tui --listen`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use opsassist::config::Config;
use opsassist::intake::auth::Auth;
use opsassist::intake::server::{self, ReceiverOptions};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::paths::Paths;

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
    let intake = Intake::open(store, IntakeOptions::from_config(intake_config))
        .context("cannot open the inbox")?;
    let receiver = server::bind(
        listen,
        intake,
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
        url: format!("{scheme}://{addr}/v1/alerts"),
        stop: stop_tx,
        task,
    })
}

/// A receiver serving in the background.
pub struct Running {
    /// `http(s)://ADDR/v1/alerts`.
    pub url: String,
    /// Send (or drop) to stop accepting.
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Run `opsassist serve`.
pub fn run(paths: &Paths, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load_for(paths)?;
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
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "opsassist: receiving alerts on {}", running.url);
        let _ = stdout.flush();
        tracing::info!("receiving alerts on {}", running.url);
        tokio::select! {
            _ = sigterm.recv() => {}
            _ = sigint.recv() => {}
        }
        let _ = running.stop.send(());
        let _ = running.task.await;
        Ok(ExitCode::SUCCESS)
    })
}
