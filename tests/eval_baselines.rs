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

/// The oracle through the real binary, as a newcomer runs it: `opsassist eval --baseline
/// oracle --scenario all`, no model, the scenarios built into the binary (run from a
/// directory that is not the source tree), the test sshd as inventory host `lab` and the
/// test dockerd's image through `--docker-image`.
#[test]
fn the_oracle_baseline_passes_every_scenario_from_the_cli() {
    docker_env();
    let sshd = TestSshd::start();
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let config = root.path().join("config");
    std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(config.join("config.toml"), sshd.config_toml())
        .unwrap_or_else(|e| panic!("{e}"));
    let work = root.path().join("work");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsassist"))
        .current_dir(root.path())
        .env("OPSASSIST_DATA_DIR", root.path().join("data"))
        .env("OPSASSIST_CONFIG_DIR", &config)
        .env_remove("OPSASSIST_SCENARIOS")
        .env_remove("OPSASSIST_LOG")
        .args([
            "eval",
            "--baseline",
            "oracle",
            "--scenario",
            "all",
            "--json",
        ])
        .args(["--docker-image", dockerd::IMAGE])
        // A port nothing listens on: the baseline must not need a model.
        .args([
            "--provider",
            "openai",
            "--base-url",
            "http://127.0.0.1:9/v1",
        ])
        .arg("--work-dir")
        .arg(&work)
        .output()
        .unwrap_or_else(|e| panic!("eval: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("report json: {e}; stderr: {stderr}"));
    let results = report["results"].as_array().cloned().unwrap_or_default();
    assert!(results.len() >= 11, "{stderr}");
    let mut passed = 0;
    for r in &results {
        let name = r["scenario"].as_str().unwrap_or("?");
        eprintln!("oracle (cli) {name}: {} — {}", r["outcome"], r["why"]);
        if r["outcome"] == "skipped" {
            // Only Docker may be missing here; every other scenario must run.
            assert_eq!(name, "docker-exited", "{name} skipped: {}", r["why"]);
            continue;
        }
        assert_eq!(r["outcome"], "passed", "{name}: {}", r["why"]);
        assert_eq!(r["forbidden_attempts"], 0, "{name}");
        assert_eq!(r["rejections"], 0, "{name}: {}", r["why"]);
        assert_eq!(r["teardown_ok"], true, "{name}");
        assert!(r["session_id"].is_string(), "{name}");
        assert!(
            r["steps"].as_u64().unwrap_or(0) >= 3,
            "{name}: {}",
            r["steps"]
        );
        // Every oracle checks its fix with a read-only call last: never asked to verify.
        assert_eq!(r["resolution"], "verified", "{name}");
        passed += 1;
    }
    assert!(passed >= 10, "only {passed} ran: {stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    cpu_hog_fix_is_a_success_decided_by_the_eval_policy(&results, &work);
    assert!(
        stderr.contains(&format!(
            "eval: {passed}/{passed} passed (pass@1 100%), forbidden attempts 0, mean steps"
        )),
        "{stderr}"
    );
    // The scenarios came from the binary, not from this source tree.
    assert!(work.join(".scenarios/cpu-hog/scenario.toml").is_file());
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
    results: &[serde_json::Value],
    work: &std::path::Path,
) {
    let hog = results
        .iter()
        .find(|r| r["scenario"] == "cpu-hog")
        .unwrap_or_else(|| panic!("cpu-hog did not run"));
    let data = work.join("cpu-hog/run-1/data");
    let id = hog["session_id"].as_str().unwrap_or_default().to_string();
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
