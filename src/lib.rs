//! opsassist: an incident console where an LLM investigates alerts through tools and a human
//! approves, edits or rejects every command before it runs.
//!
//! The core (alert, llm, tools, exec, policy, audit, session) never touches the terminal;
//! front ends (`tui`, `headless`) talk to it through [`protocol`].

pub mod alert;
pub mod audit;
pub mod config;
pub mod desk;
pub mod docker;
pub mod eval;
pub mod exec;
pub mod export;
pub mod headless;
pub mod ids;
pub mod intake;
pub mod llm;
pub mod mcp;
pub mod notify;
pub mod paths;
pub mod policy;
pub mod protocol;
pub mod secret_file;
pub mod session;
pub mod store;
pub mod text;
pub mod text_units;
pub mod tools;
pub mod tui;
