//! The eval report: one [`RunResult`] per scenario run, aggregated into pass@1 and pass-all,
//! written as JSON and as a Markdown table, with the one-line summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    /// The scenario cannot run here (missing Docker, host, program); not counted.
    Skipped,
    /// Stopped by Ctrl+C; counted as a failure.
    Interrupted,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "pass",
            Outcome::Failed => "FAIL",
            Outcome::Skipped => "skip",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// One run of one scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub scenario: String,
    /// 1-based run number (with `--repeat`).
    pub run: u32,
    pub outcome: Outcome,
    /// Why it passed, failed or was skipped (check output, forbidden command, …).
    pub why: String,
    /// Model turns.
    pub steps: u32,
    /// Proposed tool calls by policy class (`read-only`, `change`, `destructive`).
    pub calls_by_class: BTreeMap<String, u32>,
    /// Calls the eval's operator rejected (forbidden ones included).
    pub rejections: u32,
    /// Calls that matched a forbidden pattern (never run).
    pub forbidden_attempts: u32,
    /// Prompt plus completion tokens, as the provider reported them.
    pub tokens: u64,
    pub wall_ms: u64,
    /// The session to open for the transcript (`opsassist sessions export ID`).
    pub session_id: Option<String>,
    /// The session's data dir (`OPSASSIST_DATA_DIR=… opsassist sessions export ID`).
    pub data_dir: String,
    /// Verified, unverified, or none, as the core recorded it.
    pub resolution: Option<String>,
    /// Whether teardown.sh exited 0.
    pub teardown_ok: bool,
}

impl RunResult {
    /// A result with nothing counted yet.
    pub fn new(scenario: &str, run: u32, data_dir: &std::path::Path) -> RunResult {
        RunResult {
            scenario: scenario.to_string(),
            run,
            outcome: Outcome::Failed,
            why: String::new(),
            steps: 0,
            calls_by_class: BTreeMap::new(),
            rejections: 0,
            forbidden_attempts: 0,
            tokens: 0,
            wall_ms: 0,
            session_id: None,
            data_dir: data_dir.display().to_string(),
            resolution: None,
            teardown_ok: false,
        }
    }
}

/// Per-scenario aggregate over its runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioSummary {
    pub scenario: String,
    pub runs: u32,
    pub passed: u32,
    /// passed / runs.
    pub pass_at_1: f64,
    /// Every run passed.
    pub pass_all: bool,
    pub skipped: bool,
}

/// Everything one `opsassist eval` produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub provider: String,
    pub model: String,
    pub repeat: u32,
    pub results: Vec<RunResult>,
    pub scenarios: Vec<ScenarioSummary>,
    /// Mean over counted scenarios of their pass@1, in percent.
    pub pass_at_1_pct: f64,
    /// Percent of counted scenarios whose every run passed.
    pub pass_all_pct: f64,
    pub passed: u32,
    pub counted: u32,
    pub forbidden_attempts: u32,
    pub mean_steps: f64,
    pub tokens: u64,
    pub summary: String,
}

impl Report {
    /// Aggregate `results`.
    pub fn build(provider: &str, model: &str, repeat: u32, results: Vec<RunResult>) -> Report {
        let mut order: Vec<String> = Vec::new();
        let mut by: BTreeMap<String, Vec<&RunResult>> = BTreeMap::new();
        for r in &results {
            if !by.contains_key(&r.scenario) {
                order.push(r.scenario.clone());
            }
            by.entry(r.scenario.clone()).or_default().push(r);
        }
        let scenarios: Vec<ScenarioSummary> = order
            .iter()
            .map(|name| {
                let runs = by.get(name).cloned().unwrap_or_default();
                let counted: Vec<&&RunResult> = runs
                    .iter()
                    .filter(|r| r.outcome != Outcome::Skipped)
                    .collect();
                let passed = counted
                    .iter()
                    .filter(|r| r.outcome == Outcome::Passed)
                    .count() as u32;
                let n = counted.len() as u32;
                ScenarioSummary {
                    scenario: name.clone(),
                    runs: n,
                    passed,
                    pass_at_1: if n == 0 {
                        0.0
                    } else {
                        f64::from(passed) / f64::from(n)
                    },
                    pass_all: n > 0 && passed == n,
                    skipped: n == 0,
                }
            })
            .collect();
        let counted_scenarios: Vec<&ScenarioSummary> =
            scenarios.iter().filter(|s| !s.skipped).collect();
        let pct = |x: f64| (x * 1000.0).round() / 10.0;
        let k = counted_scenarios.len() as f64;
        let pass_at_1_pct = if k == 0.0 {
            0.0
        } else {
            pct(counted_scenarios.iter().map(|s| s.pass_at_1).sum::<f64>() / k)
        };
        let pass_all_pct = if k == 0.0 {
            0.0
        } else {
            pct(counted_scenarios.iter().filter(|s| s.pass_all).count() as f64 / k)
        };
        let counted: Vec<&RunResult> = results
            .iter()
            .filter(|r| r.outcome != Outcome::Skipped)
            .collect();
        let passed = counted
            .iter()
            .filter(|r| r.outcome == Outcome::Passed)
            .count() as u32;
        let forbidden_attempts = counted.iter().map(|r| r.forbidden_attempts).sum();
        let tokens = counted.iter().map(|r| r.tokens).sum();
        let mean_steps = if counted.is_empty() {
            0.0
        } else {
            let s: u32 = counted.iter().map(|r| r.steps).sum();
            (f64::from(s) / counted.len() as f64 * 10.0).round() / 10.0
        };
        let summary = format!(
            "eval: {passed}/{} passed (pass@1 {pass_at_1_pct}%), forbidden attempts {forbidden_attempts}, mean steps {mean_steps}, tokens {tokens}",
            counted.len()
        );
        Report {
            provider: provider.to_string(),
            model: model.to_string(),
            repeat,
            passed,
            counted: counted.len() as u32,
            results,
            scenarios,
            pass_at_1_pct,
            pass_all_pct,
            forbidden_attempts,
            mean_steps,
            tokens,
            summary,
        }
    }

    /// The Markdown report: one row per run, then per-scenario pass@1, then the summary.
    pub fn markdown(&self) -> String {
        let cell = |s: &str| crate::text::neutralize_line(s).replace('|', "\\|");
        let mut out = format!(
            "# opsassist eval\n\nProvider `{}`, model `{}`, {} run(s) per scenario.\n\n",
            cell(&self.provider),
            cell(&self.model),
            self.repeat
        );
        out.push_str("| scenario | run | result | why | steps | calls (ro/ch/de) | rejected | forbidden | tokens | wall | resolution | session |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.results {
            let class = |c: &str| r.calls_by_class.get(c).copied().unwrap_or(0);
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {}/{}/{} | {} | {} | {} | {:.1}s | {} | {} |\n",
                cell(&r.scenario),
                r.run,
                r.outcome.label(),
                cell(&r.why),
                r.steps,
                class("read-only"),
                class("change"),
                class("destructive"),
                r.rejections,
                r.forbidden_attempts,
                r.tokens,
                r.wall_ms as f64 / 1000.0,
                r.resolution.as_deref().unwrap_or("-"),
                r.session_id.as_deref().unwrap_or("-"),
            ));
        }
        if self.repeat > 1 {
            out.push_str(
                "\n| scenario | runs | passed | pass@1 | pass-all |\n|---|---|---|---|---|\n",
            );
            for s in &self.scenarios {
                out.push_str(&format!(
                    "| {} | {} | {} | {:.0}% | {} |\n",
                    cell(&s.scenario),
                    s.runs,
                    s.passed,
                    s.pass_at_1 * 100.0,
                    if s.skipped {
                        "skipped"
                    } else if s.pass_all {
                        "yes"
                    } else {
                        "no"
                    }
                ));
            }
            out.push_str(&format!("\npass-all: {}%\n", self.pass_all_pct));
        }
        out.push_str(&format!("\n{}\n", self.summary));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, run: u32, outcome: Outcome, steps: u32) -> RunResult {
        let mut r = RunResult::new(name, run, std::path::Path::new("/d"));
        r.outcome = outcome;
        r.steps = steps;
        r.tokens = 10;
        r
    }

    #[test]
    fn pass_at_1_and_pass_all_over_repeats_skip_skipped_scenarios() {
        let results = vec![
            result("a", 1, Outcome::Passed, 2),
            result("a", 2, Outcome::Failed, 4),
            result("b", 1, Outcome::Passed, 3),
            result("b", 2, Outcome::Passed, 3),
            result("c", 1, Outcome::Skipped, 0),
            result("c", 2, Outcome::Skipped, 0),
        ];
        let report = Report::build("openai", "m", 2, results);
        assert_eq!(report.pass_at_1_pct, 75.0);
        assert_eq!(report.pass_all_pct, 50.0);
        assert_eq!(
            report.summary,
            "eval: 3/4 passed (pass@1 75%), forbidden attempts 0, mean steps 3, tokens 40"
        );
        let md = report.markdown();
        assert!(md.contains("| a | 2 | 1 | 50% | no |"), "{md}");
        assert!(md.contains("| c | 0 | 0 | 0% | skipped |"), "{md}");
    }
}
