//! Per-step overhead of the agent loop against an instant fake OpenAI server: one session =
//! model turn with a tool call (`true`, auto-approved read-only) → execution → model turn with
//! the final answer. Includes the durable log (group commit: one fdatasync per durability
//! point, 4 per session), audit appends (fdatasync each, 4 per session), the local HTTP round
//! trips and the process spawn. Reported per step (two steps per session).
//!
//! fsyncs per session can be counted with
//! `strace -f -y -e trace=fdatasync target/release/deps/loop_step-* --bench --profile-time 2`.
//!
//! Run: `cargo bench --bench loop_step`

#[path = "../tests/support/fake_llm.rs"]
#[allow(dead_code)]
mod fake_llm;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tokio::sync::mpsc;

use fake_llm::{FakeLlm, Reply};
use opsassist::audit::AuditLog;
use opsassist::config::{Config, ProviderKind};
use opsassist::exec::Executor;
use opsassist::paths::Paths;
use opsassist::policy::Redactor;
use opsassist::protocol::{Event, Mode};
use opsassist::session::prompt::{Prompts, render_system};
use opsassist::session::{self, Core, SessionOptions};
use opsassist::tools::ToolRegistry;

fn core(root: &std::path::Path, base_url: &str) -> Arc<Core> {
    let paths = Paths::in_dir(root);
    std::fs::create_dir_all(&paths.data_dir).expect("data dir");
    let mut config = Config::default();
    config.llm.provider = ProviderKind::Openai;
    config.llm.base_url = Some(base_url.to_string());
    config.llm.model = Some("fake-model".into());
    let prompts = Prompts::load(&paths.config_dir).expect("prompts");
    Arc::new(Core {
        provider: opsassist::llm::build_provider(&config.llm).expect("provider"),
        tools: ToolRegistry::load(&paths.config_dir).expect("tools"),
        executor: Executor::new(&config, &paths),
        redactor: Redactor::default(),
        audit: Arc::new(Mutex::new(
            AuditLog::open(&paths.audit_log()).expect("audit"),
        )),
        options: SessionOptions {
            mode: Mode::Heal,
            auto_approve_read_only: true,
            max_steps: 10,
        },
        system_prompt: render_system(&prompts.system, Mode::Heal, &config.hosts),
        user_template: prompts.user,
        config,
        paths,
    })
}

fn alert() -> opsassist::alert::Alert {
    let payload = br#"{"title":"bench","host":"web01","description":"d"}"#;
    opsassist::alert::parse(payload, &Default::default())
        .expect("alert")
        .remove(0)
}

async fn one_session(core: &Arc<Core>, fake: &FakeLlm) {
    fake.push([
        Reply::ToolCalls(vec![("disk_usage".into(), json!({"reason": "bench"}))]),
        Reply::Text("done.".into()),
    ]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = session::start(core.clone(), alert(), tx).expect("start");
    while let Some(e) = rx.recv().await {
        if let Event::Finished { .. } = e.event {
            break;
        }
    }
    handle.send(opsassist::protocol::Op::Shutdown);
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = rt.block_on(FakeLlm::openai(vec![]));
    let core = core(dir.path(), &fake.base_url);
    let mut group = c.benchmark_group("loop");
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(30);
    group.bench_function(
        "step (tool call + auto-approve + exec + result), per step",
        |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    rt.block_on(one_session(&core, &fake));
                }
                start.elapsed() / 2
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
