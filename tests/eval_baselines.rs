//! Scripted baselines through the real eval runner and session loop: every shipped scenario's
//! oracle passes, its wrong fix fails the check, and its dangerous script is rejected, counted
//! as a forbidden attempt and fails. Docker and ssh scenarios run against the test daemons
//! when they can start here, and are reported as skipped otherwise.

mod eval_support;
mod support;

#[path = "support/dockerd.rs"]
mod dockerd;

use opsassist::config::Config;
use opsassist::eval::{Outcome, Report, RunResult, run_once};

use eval_support::{Baseline, context, shipped};
use support::sshd::TestSshd;

/// The environment for the Docker scenario (its scripts and the session's `docker` commands):
/// the test dockerd and its imported image. Set once per test binary.
#[allow(unsafe_code)]
fn docker_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(daemon) = dockerd::daemon_or_skip("eval docker-exited scenario") {
            // SAFETY: guarded by ONCE; nothing else in this test binary writes the environment.
            unsafe {
                std::env::set_var("DOCKER_HOST", daemon.host());
                std::env::set_var("EVAL_DOCKER_IMAGE", dockerd::IMAGE);
            }
        }
    });
}

async fn run_all(baseline: Baseline) -> (Vec<RunResult>, tempfile::TempDir, TestSshd) {
    docker_env();
    let sshd = TestSshd::start();
    let base = Config {
        ssh: sshd.ssh_settings(),
        hosts: sshd.inventory(),
        ..Config::default()
    };
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (ctx, _fakes, _cancel) = context(work.path().to_path_buf(), baseline, base);
    let mut results = Vec::new();
    for scenario in shipped() {
        let result = run_once(&scenario, 1, &ctx).await;
        eprintln!(
            "{baseline:?} {}: {:?} — {}",
            result.scenario, result.outcome, result.why
        );
        results.push(result);
    }
    (results, work, sshd)
}

fn counted(results: &[RunResult]) -> Vec<&RunResult> {
    let counted: Vec<&RunResult> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Skipped)
        .collect();
    // Only Docker may be missing here; every other scenario must run.
    for r in results.iter().filter(|r| r.outcome == Outcome::Skipped) {
        assert_eq!(
            r.scenario, "docker-exited",
            "{} skipped: {}",
            r.scenario, r.why
        );
    }
    assert!(counted.len() >= 10, "only {} scenarios ran", counted.len());
    counted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oracle_script_passes_every_scenario() {
    let (results, _work, _sshd) = run_all(Baseline::Oracle).await;
    for r in counted(&results) {
        assert_eq!(r.outcome, Outcome::Passed, "{}: {}", r.scenario, r.why);
        assert_eq!(r.forbidden_attempts, 0, "{}", r.scenario);
        assert_eq!(r.rejections, 0, "{}: {}", r.scenario, r.why);
        assert!(r.teardown_ok, "{}", r.scenario);
        assert!(r.session_id.is_some());
        assert!(r.steps >= 3, "{}: {} steps", r.scenario, r.steps);
        assert!(r.tokens > 0, "{}", r.scenario);
        // Every oracle checks its fix with a read-only call last: never asked to verify.
        assert_eq!(r.resolution.as_deref(), Some("verified"), "{}", r.scenario);
    }
    cpu_hog_fix_is_a_success_decided_by_the_eval_policy(&results, _work.path());
    let report = Report::build("openai", "scripted", 1, results);
    assert!(
        report.summary.starts_with(&format!(
            "eval: {n}/{n} passed (pass@1 100%), forbidden attempts 0, mean steps",
            n = report.counted
        )),
        "{}",
        report.summary
    );
    eprintln!("{}", report.markdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wrong_fix_script_fails_the_check_of_every_scenario() {
    let (results, _work, _sshd) = run_all(Baseline::WrongFix).await;
    for r in counted(&results) {
        assert_eq!(r.outcome, Outcome::Failed, "{}: {}", r.scenario, r.why);
        assert!(
            r.why.starts_with("check failed"),
            "{}: {}",
            r.scenario,
            r.why
        );
        assert_eq!(r.forbidden_attempts, 0, "{}", r.scenario);
        assert!(r.teardown_ok, "{}", r.scenario);
        // The wrong fix changed something and never checked it.
        assert_eq!(
            r.resolution.as_deref(),
            Some("unverified"),
            "{}",
            r.scenario
        );
    }
    let report = Report::build("openai", "scripted", 1, results);
    assert!(report.summary.starts_with(&format!(
        "eval: 0/{} passed (pass@1 0%), forbidden attempts 0",
        report.counted
    )));
    eprintln!("{}", report.markdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dangerous_script_is_rejected_counted_and_fails_every_scenario() {
    let (results, work, _sshd) = run_all(Baseline::Dangerous).await;
    for r in counted(&results) {
        assert_eq!(r.outcome, Outcome::Failed, "{}: {}", r.scenario, r.why);
        assert_eq!(r.forbidden_attempts, 1, "{}: {}", r.scenario, r.why);
        assert_eq!(r.rejections, 1, "{}", r.scenario);
        assert!(r.why.contains("forbidden"), "{}: {}", r.scenario, r.why);
        // Nothing ran: the run dir the command aimed at is still there.
        assert!(work.path().join(&r.scenario).join("run-1/data").is_dir());
    }
    let report = Report::build("openai", "scripted", 1, results);
    assert!(report.forbidden_attempts >= 10, "{}", report.summary);
    eprintln!("{}", report.markdown());
}

/// The cpu-hog oracle's `pkill -f SANDBOX/bin/cpu-hog` runs without an `sh -c` wrapper that
/// its own pattern would kill: recorded as exit 0. Every audit record of the run names the
/// scenario's operator policy as the decider, not the account that ran the eval.
fn cpu_hog_fix_is_a_success_decided_by_the_eval_policy(
    results: &[RunResult],
    work: &std::path::Path,
) {
    let hog = results
        .iter()
        .find(|r| r.scenario == "cpu-hog")
        .unwrap_or_else(|| panic!("cpu-hog did not run"));
    let data = work.join("cpu-hog/run-1/data");
    let id = hog.session_id.clone().unwrap_or_default();
    let log = std::fs::read_to_string(data.join("sessions").join(format!("{id}.jsonl")))
        .unwrap_or_else(|e| panic!("cpu-hog session log: {e}"));
    let events: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let pkill = events
        .iter()
        .map(|e| &e["event"])
        .find(|e| {
            e["type"] == "exec_finished"
                && e["summary"]["command"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("pkill -f"))
        })
        .unwrap_or_else(|| panic!("no pkill run in {log}"));
    assert_eq!(
        (
            pkill["summary"]["exit_code"].as_i64(),
            pkill["summary"]["signal"].as_i64()
        ),
        (Some(0), None),
        "{pkill}"
    );
    let audit = std::fs::read_to_string(data.join("audit.jsonl"))
        .unwrap_or_else(|e| panic!("cpu-hog audit log: {e}"));
    let operators: std::collections::BTreeSet<String> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|r| r["operator"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        operators.into_iter().collect::<Vec<_>>(),
        [opsassist::eval::run::eval_operator("cpu-hog")],
        "{audit}"
    );
}
