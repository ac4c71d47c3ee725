//! Shared test harnesses: fake LLM servers speaking the real wire protocols, and a real sshd.
#![allow(dead_code)]

pub mod fake_llm;
pub mod sshd;
