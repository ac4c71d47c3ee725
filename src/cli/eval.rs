//! `opsassist eval`: run scenarios against a model, each in its own work dir (data, sandbox,
//! port), and print the report (Markdown, or JSON with `--json`) ending with the summary line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use opsassist::eval::{
    Baseline, CoreRequest, Outcome, Report, RunContext, Scenario, ScriptedProvider, run_once,
};
use opsassist::paths::Paths;
use opsassist::protocol::Mode;

use super::common::{ProviderArgs, build_core};

/// Arguments of `opsassist eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A scenario name (a directory under --scenarios), or `all`
    #[arg(long, default_value = "all", value_name = "NAME|all")]
    pub scenario: String,
    /// The scenarios directory [default: $OPSASSIST_SCENARIOS, else the scenarios built into
    /// this binary]
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Play a scenario's scripted baseline instead of a model (no model needed): `oracle`
    /// fixes the fault and must pass, `wrong` and `dangerous` must fail
    #[arg(long, value_enum, value_name = "oracle|wrong|dangerous")]
    pub baseline: Option<Baseline>,
    /// The Docker image the docker-exited scenario starts (must be present; nothing is
    /// pulled) [default: busybox]
    #[arg(long, value_name = "NAME")]
    pub docker_image: Option<String>,
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

/// The scenarios to run from: `--scenarios`, else `$OPSASSIST_SCENARIOS`, else the ones built
/// into the binary, written to `work_dir/.scenarios`.
fn scenarios_dir(args: &EvalArgs, work_dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &args.scenarios {
        return Ok(dir.clone());
    }
    if let Some(dir) = std::env::var_os("OPSASSIST_SCENARIOS").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let dir = work_dir.join(".scenarios");
    opsassist::eval::embedded::write_to(&dir)
        .with_context(|| format!("cannot write the built-in scenarios to {}", dir.display()))?;
    Ok(dir)
}

/// How long `eval` waits for the model's server before injecting anything.
const MODEL_CHECK: std::time::Duration = std::time::Duration::from_secs(4);

/// Run `opsassist eval`.
pub fn run(paths: &Paths, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let work_dir = args.work_dir.clone().unwrap_or_else(|| {
        paths
            .data_dir
            .join("eval")
            .join(chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string())
    });
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("cannot create {}", work_dir.display()))?;
    let work_dir = work_dir.canonicalize().unwrap_or(work_dir);
    let root = scenarios_dir(&args, &work_dir)?;
    let scenarios = Scenario::select(&root, &args.scenario)
        .with_context(|| format!("scenarios in {}", root.display()))?;
    if scenarios.is_empty() {
        anyhow::bail!("no scenarios in {}", root.display());
    }

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
    let (provider_name, model_name) = match args.baseline {
        Some(baseline) => (
            "scripted".to_string(),
            format!("baseline-{}", baseline.name()),
        ),
        None => (
            probe.provider.name().to_string(),
            probe.provider.model().to_string(),
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Once, before any fault is injected: a model that does not answer stops eval here.
    if args.baseline.is_none() {
        let what = format!(
            "{} model {} at {}",
            probe.provider.name(),
            probe.provider.model(),
            probe.provider.base_url()
        );
        let answered = runtime
            .block_on(async { tokio::time::timeout(MODEL_CHECK, probe.provider.probe()).await });
        match answered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => anyhow::bail!(
                "eval: the model does not answer ({what}: {e}); nothing was injected. Start the server, pass --provider/--base-url/--model, or try `opsassist eval --baseline oracle`, which needs no model"
            ),
            Err(_) => anyhow::bail!(
                "eval: the model does not answer ({what}: no answer in {} s); nothing was injected. Start the server, pass --provider/--base-url/--model, or try `opsassist eval --baseline oracle`, which needs no model",
                MODEL_CHECK.as_secs()
            ),
        }
    }
    drop(probe);
    let baseline = args.baseline;
    let make_core = move |request: &CoreRequest<'_>| {
        let mut paths = base.clone();
        paths.data_dir = request.data_dir.to_path_buf();
        let mut provider = provider.clone();
        provider.max_steps = Some(fixed_steps.unwrap_or(request.max_steps));
        let core = build_core(&paths, &provider).map_err(|e| format!("{e:#}"))?;
        let mut core = Arc::try_unwrap(core)
            .map_err(|_| "the session core is shared before the run starts".to_string())?;
        core.config.notify = Default::default();
        if let Some(baseline) = baseline {
            core.provider = Arc::new(ScriptedProvider::new(
                baseline,
                &request.scenario.baseline,
                request.vars,
            ));
        }
        Ok(Arc::new(core))
    };

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
            script_env: args
                .docker_image
                .iter()
                .map(|image| ("EVAL_DOCKER_IMAGE".to_string(), image.clone()))
                .collect(),
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
