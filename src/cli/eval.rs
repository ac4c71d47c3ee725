//! `opsassist eval`: run scenarios against a model, each in its own work dir (data, sandbox,
//! port), and print the report (Markdown, or JSON with `--json`) ending with the summary line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use opsassist::eval::{CoreRequest, Outcome, Report, RunContext, Scenario, run_once};
use opsassist::paths::Paths;
use opsassist::protocol::Mode;

use super::common::{ProviderArgs, build_core};

/// Arguments of `opsassist eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A scenario name (a directory under --scenarios), or `all`
    #[arg(long, default_value = "all", value_name = "NAME|all")]
    pub scenario: String,
    /// The scenarios directory [default: $OPSASSIST_SCENARIOS, else assets/scenarios]
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Where runs keep their sandbox, data dir and logs, and where report.json and report.md
    /// are written [default: DATA_DIR/eval/TIMESTAMP]
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Runs per scenario (pass@1 and pass-all over them)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    /// Print the report as JSON instead of Markdown (the summary line goes to stderr)
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub provider: ProviderArgs,
}

fn scenarios_dir(args: &EvalArgs) -> PathBuf {
    if let Some(dir) = &args.scenarios {
        return dir.clone();
    }
    if let Some(dir) = std::env::var_os("OPSASSIST_SCENARIOS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("assets/scenarios");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios"))
}

/// Run `opsassist eval`.
pub fn run(paths: &Paths, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let root = scenarios_dir(&args);
    let scenarios = Scenario::select(&root, &args.scenario)
        .with_context(|| format!("scenarios in {}", root.display()))?;
    if scenarios.is_empty() {
        anyhow::bail!("no scenarios in {}", root.display());
    }
    let work_dir = args.work_dir.clone().unwrap_or_else(|| {
        paths
            .data_dir
            .join("eval")
            .join(chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string())
    });
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("cannot create {}", work_dir.display()))?;
    let work_dir = work_dir.canonicalize().unwrap_or(work_dir);

    // Every run gets a core of its own: its own data dir (sessions, outputs, audit), no
    // notifications, nothing approved without the eval's operator.
    let mut provider = args.provider.clone();
    provider.auto_approve = Some("none".into());
    provider.mode = Some(args.provider.mode.unwrap_or(Mode::Heal));
    let fixed_steps = args.provider.max_steps;
    let base = paths.clone();
    let config = opsassist::config::Config::load_for(paths)?;
    let hosts: Vec<String> = config.hosts.keys().cloned().collect();
    // Only for the provider's name and model; its audit log lands in the work dir.
    let mut probe_paths = paths.clone();
    probe_paths.data_dir = work_dir.clone();
    let probe = build_core(&probe_paths, &provider)?;
    let (provider_name, model_name) = (
        probe.provider.name().to_string(),
        probe.provider.model().to_string(),
    );
    drop(probe);
    let make_core = move |request: &CoreRequest<'_>| {
        let mut paths = base.clone();
        paths.data_dir = request.data_dir.to_path_buf();
        let mut provider = provider.clone();
        provider.max_steps = Some(fixed_steps.unwrap_or(request.max_steps));
        let core = build_core(&paths, &provider).map_err(|e| format!("{e:#}"))?;
        Ok(match Arc::try_unwrap(core) {
            Ok(mut core) => {
                core.config.notify = Default::default();
                Arc::new(core)
            }
            Err(core) => core,
        })
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let repeat = args.repeat.max(1);
    let (report, interrupted) = runtime.block_on(async {
        let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("eval: interrupted; tearing down the current scenario");
                let _ = cancel_tx.send(true);
            }
        });
        let ctx = RunContext {
            work_dir: work_dir.clone(),
            make_core: Box::new(make_core),
            hosts,
            cancel,
        };
        let mut results = Vec::new();
        'all: for scenario in &scenarios {
            for run in 1..=repeat {
                eprintln!("eval: {} (run {run}/{repeat})…", scenario.name);
                let result = run_once(scenario, run, &ctx).await;
                eprintln!(
                    "eval: {} run {run}: {} — {}",
                    scenario.name,
                    result.outcome.label(),
                    result.why
                );
                let stop = result.outcome == Outcome::Interrupted || *ctx.cancel.borrow();
                results.push(result);
                if stop {
                    break 'all;
                }
            }
        }
        let interrupted = *ctx.cancel.borrow();
        (
            Report::build(&provider_name, &model_name, repeat, results),
            interrupted,
        )
    });
    runtime.shutdown_background();

    let json = opsassist::text::json_pretty(&report)?;
    let markdown = report.markdown();
    std::fs::write(work_dir.join("report.json"), &json)
        .with_context(|| format!("cannot write {}", work_dir.join("report.json").display()))?;
    std::fs::write(work_dir.join("report.md"), &markdown)
        .with_context(|| format!("cannot write {}", work_dir.join("report.md").display()))?;
    if args.json {
        println!("{json}");
        eprintln!("{}", report.summary);
    } else {
        print!("{}", opsassist::text::neutralize(&markdown));
    }
    eprintln!("eval: report in {}", work_dir.display());
    Ok(if interrupted {
        ExitCode::from(130)
    } else if report.passed == report.counted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
