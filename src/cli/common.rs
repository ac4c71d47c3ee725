//! Options shared by `tui` and `run`: provider selection and safety mode.

use std::sync::{Arc, Mutex};

use clap::Args;

use opsassist::audit::AuditLog;
use opsassist::config::{Config, ProviderKind};
use opsassist::exec::Executor;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::Mode;
use opsassist::session::prompt::{Prompts, render_system};
use opsassist::session::{Core, SessionOptions};
use opsassist::text::neutralize_line;
use opsassist::tools::ToolRegistry;

/// Provider and safety flags; each overrides config.toml.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// LLM protocol: openai (any OpenAI-compatible server) or ollama
    #[arg(long, value_enum)]
    pub provider: Option<ProviderKind>,
    /// Model name
    #[arg(long)]
    pub model: Option<String>,
    /// Server base URL (OpenAI-compatible: e.g. http://127.0.0.1:8080/v1; Ollama: http://127.0.0.1:11434)
    #[arg(long)]
    pub base_url: Option<String>,
    /// check: only read-only commands may run; heal: anything may run once approved
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Run these without asking: only `read-only` is accepted
    #[arg(long, value_name = "CLASS")]
    pub auto_approve: Option<String>,
    /// Model turns before the session hands back to you [default: limits.max_steps, 30]
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u32>,
}

impl ProviderArgs {
    /// Apply `--provider`, `--model` and `--base-url` to `config` (a new provider without a
    /// base URL uses its own default address).
    pub fn apply_provider(&self, config: &mut Config) {
        if let Some(provider) = self.provider {
            if provider != config.llm.provider && self.base_url.is_none() {
                config.llm.base_url = None;
            }
            config.llm.provider = provider;
        }
        if let Some(model) = &self.model {
            config.llm.model = Some(model.clone());
        }
        if let Some(url) = &self.base_url {
            config.llm.base_url = Some(url.clone());
        }
    }
}

/// Load config, apply the CLI overrides and build everything a session needs: provider (no
/// network I/O yet), tools, executor, redactor, audit log and prompts. No Docker watcher runs
/// here, so the docker tools are not offered.
pub fn build_core(paths: &Paths, args: &ProviderArgs) -> anyhow::Result<Arc<Core>> {
    build_core_watching(paths, args, Vec::new())
}

/// [`build_core`] for a process that runs the Docker watcher: `watched` (the names of the
/// containers matching `[watch.docker] labels`) become the docker tools' container enum; with
/// none, the docker tools are not offered.
pub fn build_core_watching(
    paths: &Paths,
    args: &ProviderArgs,
    watched: Vec<String>,
) -> anyhow::Result<Arc<Core>> {
    let mut config = Config::load_for(paths)?;
    args.apply_provider(&mut config);
    if let Some(mode) = args.mode {
        config.policy.mode = mode;
    }
    if let Some(steps) = args.max_steps {
        config.limits.max_steps = steps;
    }
    let auto = args
        .auto_approve
        .clone()
        .or_else(|| config.policy.auto_approve.clone());
    let auto_approve_read_only = match auto.as_deref().map(str::trim) {
        None | Some("") | Some("none") => false,
        Some("read-only") => true,
        Some(other) => anyhow::bail!(
            "--auto-approve accepts only `read-only` (got `{}`): change and destructive commands always need a human",
            neutralize_line(other)
        ),
    };
    let provider = opsassist::llm::build_provider(&config.llm)?;
    let mut tools = ToolRegistry::load(&paths.config_dir)?;
    tools.set_watched_containers(watched);
    let executor = Executor::new(&config, paths);
    let redactor = Redactor::new(config.policy.redact_values.clone());
    let audit = AuditLog::open(&paths.audit_log())?
        .with_key(super::audit::load_key(paths, &config)?)
        .with_sink(super::store::audit_sink(paths, &config)?);
    let prompts = Prompts::load(&paths.config_dir)?;
    let options = SessionOptions {
        mode: config.policy.mode,
        auto_approve_read_only,
        max_steps: config.limits.max_steps.max(1),
    };
    let system_prompt = render_system(&prompts.system, options.mode, &config.hosts);
    Ok(Arc::new(Core {
        config,
        paths: paths.clone(),
        provider,
        tools,
        executor,
        redactor,
        audit: Arc::new(Mutex::new(audit)),
        options,
        system_prompt,
        user_template: prompts.user,
    }))
}
