//! Driving `opsassist eval` in-process with scripted models: one fake OpenAI (SSE) server per
//! run, whose script is a scenario's baseline filled with that run's sandbox, id and port.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use opsassist::audit::AuditLog;
use opsassist::config::{Config, ProviderKind};
use opsassist::eval::{CoreRequest, RunContext, Scenario, ScriptStep, Vars};
use opsassist::exec::Executor;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::Mode;
use opsassist::session::prompt::{Prompts, render_system};
use opsassist::session::{Core, SessionOptions};
use opsassist::tools::ToolRegistry;

use crate::support::fake_llm::{FakeLlm, Reply};

/// Which scripted model plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    Oracle,
    WrongFix,
    Dangerous,
}

/// The final answer every script gives, whatever it did.
pub const RESOLVED: &str = "The fault is resolved.";

/// The shipped scenarios.
pub fn shipped() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    Scenario::load_all(&root).unwrap_or_else(|e| panic!("{e}"))
}

/// One tool call per model turn, then "resolved" (twice: the second answers the core's
/// verify-once question when it comes).
pub fn script(steps: &[ScriptStep], vars: &Vars) -> Vec<Reply> {
    let mut replies: Vec<Reply> = steps
        .iter()
        .map(|s| Reply::ToolCalls(vec![s.call(vars)]))
        .collect();
    replies.push(Reply::Text(RESOLVED.into()));
    replies.push(Reply::Text(RESOLVED.into()));
    replies
}

/// A Core for one run: the run's data dir, a fresh fake model playing `baseline`, and the
/// given ssh settings and inventory.
fn core(request: &CoreRequest<'_>, base: &Config, fake: &FakeLlm) -> Result<Arc<Core>, String> {
    let root = request
        .data_dir
        .parent()
        .ok_or("data dir has no parent")?
        .to_path_buf();
    let paths = Paths::in_dir(&root);
    std::fs::create_dir_all(&paths.config_dir).map_err(|e| e.to_string())?;
    let mut config = base.clone();
    config.llm.provider = ProviderKind::Openai;
    config.llm.base_url = Some(fake.base_url.clone());
    config.llm.model = Some("scripted".into());
    config.llm.max_retries = 0;
    let provider = opsassist::llm::build_provider(&config.llm).map_err(|e| e.to_string())?;
    let tools = ToolRegistry::load(&paths.config_dir).map_err(|e| e.to_string())?;
    let executor = Executor::new(&config, &paths);
    let audit = AuditLog::open(&paths.audit_log()).map_err(|e| e.to_string())?;
    let prompts = Prompts::load(&paths.config_dir).map_err(|e| e.to_string())?;
    let system_prompt = render_system(&prompts.system, Mode::Heal, &config.hosts);
    Ok(Arc::new(Core {
        config,
        paths,
        provider,
        tools,
        executor,
        redactor: Redactor::new(Vec::new()),
        audit: Arc::new(Mutex::new(audit)),
        options: SessionOptions {
            mode: Mode::Heal,
            auto_approve_read_only: false,
            max_steps: request.max_steps,
        },
        system_prompt,
        user_template: prompts.user,
    }))
}

/// A run context whose cores talk to fresh fake servers playing `baseline` (kept alive in
/// the returned list). `base` supplies ssh settings and the inventory.
pub fn context(
    work_dir: PathBuf,
    baseline: Baseline,
    base: Config,
) -> (
    RunContext,
    Arc<Mutex<Vec<FakeLlm>>>,
    tokio::sync::watch::Sender<bool>,
) {
    let fakes: Arc<Mutex<Vec<FakeLlm>>> = Arc::default();
    let keep = Arc::clone(&fakes);
    let hosts = base.hosts.keys().cloned().collect();
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let make_core = move |request: &CoreRequest<'_>| {
        let b = &request.scenario.baseline;
        let steps = match baseline {
            Baseline::Oracle => &b.oracle,
            Baseline::WrongFix => &b.wrong_fix,
            Baseline::Dangerous => &b.dangerous,
        };
        let fake = FakeLlm::spawn_blocking_openai(script(steps, request.vars));
        let core = core(request, &base, &fake);
        keep.lock().map_err(|e| e.to_string())?.push(fake);
        core
    };
    (
        RunContext {
            work_dir,
            make_core: Box::new(make_core),
            hosts,
            cancel,
            script_env: Vec::new(),
        },
        fakes,
        cancel_tx,
    )
}
