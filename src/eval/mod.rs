//! `opsassist eval`: inject a real fault from a scenario, let a model work on it through the
//! real session loop with a scripted operator policy as the decider, check the machine, and
//! tear the fault down again; plus the report (JSON, Markdown, summary line).

pub mod baseline;
pub mod embedded;
pub mod operator;
pub mod report;
pub mod run;
pub mod scenario;
mod scripts;

pub use baseline::{Baseline, ScriptedProvider};
pub use operator::{Operator, Ruling};
pub use report::{Outcome, Report, RunResult};
pub use run::{CoreRequest, RunContext, run_once};
pub use scenario::{Scenario, ScriptStep, Vars};

/// Why a scenario could not be loaded or prepared.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("scenario {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("scenario {path}: {message}")]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("no scenario `{0}`")]
    NotFound(String),
}
