//! One module per subcommand: argument structs and the glue from the CLI to the core.

pub mod alert;
pub mod audit;
mod audit_crosscheck;
pub mod common;
pub mod corrections;
pub mod doctor;
pub mod doctor_files;
pub mod eval;
pub mod incidents;
pub mod logging;
pub mod notify;
pub mod policy;
pub mod prune;
pub mod run;
pub mod serve;
pub mod sessions;
pub mod store;
pub mod tools;
pub mod tui;
pub mod watch;

/// Exit code for input the operator must fix (bad alert, bad tools file).
pub const EXIT_BAD_INPUT: u8 = 2;

/// Exit code of `run` when another operator holds the incident: nothing ran.
pub const EXIT_HELD: u8 = 3;
