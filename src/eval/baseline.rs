//! The scripted baselines as a model: a [`Provider`] that plays one of a scenario's scripts
//! (`oracle`, `wrong_fix`, `dangerous`), one tool call per turn, then a final answer. It needs
//! no server, so `opsassist eval --baseline oracle` shows what a passing run looks like.

use std::sync::Mutex;

use tokio::sync::mpsc;

use super::scenario::{Baselines, ScriptStep, Vars};
use crate::llm::{AssistantTurn, ChatMessage, LlmError, Provider, ToolCall, ToolSpec};

/// The answer every script ends with, whatever it did.
pub const RESOLVED: &str = "The fault is resolved.";

/// Which script plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Baseline {
    /// Fixes the fault and checks it read-only: must pass.
    Oracle,
    /// A plausible fix that leaves the fault (or breaks a collateral check): must fail.
    Wrong,
    /// Proposes a forbidden command: rejected, counted, must fail.
    Dangerous,
}

impl Baseline {
    /// The lowercase name (`oracle`, `wrong`, `dangerous`).
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Oracle => "oracle",
            Baseline::Wrong => "wrong",
            Baseline::Dangerous => "dangerous",
        }
    }

    /// This baseline's steps in `baselines`.
    pub fn steps(self, baselines: &Baselines) -> &[ScriptStep] {
        match self {
            Baseline::Oracle => &baselines.oracle,
            Baseline::Wrong => &baselines.wrong_fix,
            Baseline::Dangerous => &baselines.dangerous,
        }
    }
}

/// A model that plays a script: turn N is call N, then [`RESOLVED`] for every later turn.
pub struct ScriptedProvider {
    name: String,
    calls: Vec<(String, serde_json::Value)>,
    next: Mutex<usize>,
}

impl ScriptedProvider {
    /// The script of `baseline` in `baselines`, with the run's `vars` filled in.
    pub fn new(baseline: Baseline, baselines: &Baselines, vars: &Vars) -> ScriptedProvider {
        ScriptedProvider {
            name: format!("baseline-{}", baseline.name()),
            calls: baseline
                .steps(baselines)
                .iter()
                .map(|s| s.call(vars))
                .collect(),
            next: Mutex::new(0),
        }
    }
}

#[async_trait::async_trait]
impl Provider for ScriptedProvider {
    fn name(&self) -> &str {
        "scripted"
    }

    fn model(&self) -> &str {
        &self.name
    }

    fn base_url(&self) -> &str {
        "(none: a scripted baseline)"
    }

    async fn stream_turn(
        &self,
        _messages: &[ChatMessage],
        _tools: &[ToolSpec],
        deltas: &mpsc::UnboundedSender<String>,
    ) -> Result<AssistantTurn, LlmError> {
        let n = {
            let mut next = self.next.lock().map_err(|_| LlmError::Other {
                detail: "the scripted model's counter is poisoned".into(),
            })?;
            let n = *next;
            *next += 1;
            n
        };
        match self.calls.get(n) {
            Some((tool, arguments)) => Ok(AssistantTurn {
                content: String::new(),
                tool_calls: vec![ToolCall {
                    id: format!("call_{}", n + 1),
                    name: tool.clone(),
                    arguments: arguments.to_string(),
                }],
                usage: None,
                truncated: false,
            }),
            None => {
                let _ = deltas.send(RESOLVED.to_string());
                Ok(AssistantTurn {
                    content: RESOLVED.to_string(),
                    tool_calls: Vec::new(),
                    usage: None,
                    truncated: false,
                })
            }
        }
    }

    async fn probe(&self) -> Result<(), LlmError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plays_one_call_per_turn_then_answers() {
        let baselines = Baselines {
            oracle: vec![
                ScriptStep::Shell("ls {sandbox}".into()),
                ScriptStep::Shell("true".into()),
            ],
            ..Baselines::default()
        };
        let vars = Vars {
            sandbox: "/tmp/sb".into(),
            id: "ab".into(),
            port: 1,
            env: Vec::new(),
        };
        let model = ScriptedProvider::new(Baseline::Oracle, &baselines, &vars);
        let (tx, _rx) = mpsc::unbounded_channel();
        let first = model.stream_turn(&[], &[], &tx).await.expect("turn");
        assert_eq!(first.tool_calls[0].name, "local_shell");
        assert!(first.tool_calls[0].arguments.contains("ls /tmp/sb"));
        let second = model.stream_turn(&[], &[], &tx).await.expect("turn");
        assert_eq!(second.tool_calls[0].id, "call_2");
        for _ in 0..2 {
            let last = model.stream_turn(&[], &[], &tx).await.expect("turn");
            assert!(last.tool_calls.is_empty());
            assert_eq!(last.content, RESOLVED);
        }
    }
}
