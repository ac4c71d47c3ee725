//! Wrappers that run another command (`sudo`, `env`, `xargs`, `timeout`, `sh -c`, `ssh`, …):
//! the class is that of the wrapped command, raised where the wrapper itself adds risk. Each
//! runner's own options are read with its real grammar (`grammar/`), so abbreviations,
//! clusters and attached values find the same inner command the runner would run.

mod deferred;
mod inner;
mod interpreters;
mod plain;
mod privileged;
mod remote;
mod shells;
mod tools;

use super::classify::Verdict;

/// `sudo`, `env`, `xargs` and friends: classify the command they run.
pub(crate) fn classify(name: &str, args: &[String], depth: usize) -> Option<Verdict> {
    if let Some(v) = deferred::classify(name, args, depth) {
        return Some(v);
    }
    if let Some(v) = interpreters::classify(name, args, depth) {
        return Some(v);
    }
    if let Some(v) = privileged::classify(name, args, depth) {
        return Some(v);
    }
    if let Some(v) = plain::classify(name, args, depth) {
        return Some(v);
    }
    if let Some(v) = shells::classify(name, args, depth) {
        return Some(v);
    }
    if let Some(v) = remote::classify(name, args, depth) {
        return Some(v);
    }
    tools::classify(name, args, depth)
}

pub(crate) use deferred::run_file;
#[cfg(test)]
pub(crate) use inner::assert_well_formed;
pub(crate) use inner::worse;
pub(crate) use interpreters::awk_runs;
