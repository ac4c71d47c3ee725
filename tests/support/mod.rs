//! Shared test harnesses: fake LLM servers speaking the real wire protocols, a real sshd, and
//! the console in a tmux pane.
#![allow(dead_code)]

pub mod fake_llm;
pub mod mcp_servers;
pub mod postgres;
pub mod sshd;
pub mod tmux;
