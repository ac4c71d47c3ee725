//! Classifying exactly what a resolved call (proposed or edited) would run. Only the core
//! classifies: front ends show the class the core sent.

use crate::policy::{self, Classification};
use crate::tools::{Program, ResolvedCall};

/// The policy class of exactly what a resolved call would run.
pub fn classify_call(resolved: &ResolvedCall) -> Classification {
    match &resolved.program {
        Program::Shell(command) => policy::classify(command),
        Program::Argv(argv) => policy::classify_argv(argv),
    }
}
