//! Options shared by `tui` and `run`: provider selection and safety mode.

use clap::Args;

use opsassist::config::ProviderKind;
use opsassist::protocol::Mode;

/// Provider and safety flags; each overrides config.toml.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// LLM protocol: openai (any OpenAI-compatible server) or ollama
    #[arg(long, value_enum)]
    pub provider: Option<ProviderKind>,
    /// Model name
    #[arg(long)]
    pub model: Option<String>,
    /// Server base URL (OpenAI-compatible: e.g. http://127.0.0.1:8080/v1; Ollama: http://127.0.0.1:11434)
    #[arg(long)]
    pub base_url: Option<String>,
    /// check: only read-only commands may run; heal: anything may run once approved
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Run these without asking: only `read-only` is accepted
    #[arg(long, value_name = "CLASS")]
    pub auto_approve: Option<String>,
}
