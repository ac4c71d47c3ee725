//! The session's view of the `[[mcp]]` servers: their tools join the model's tool list before
//! each turn (servers start lazily here), and a server that cannot be used is said once.

use super::Agent;
use crate::llm::ToolSpec;
use crate::session::SessionError;

impl Agent {
    /// Offer the MCP servers' current tools beside the tools.toml ones; warn once per problem.
    pub(super) async fn refresh_mcp(&mut self) -> Result<(), SessionError> {
        let pool = self.core.executor.mcp().clone();
        if pool.is_empty() {
            return Ok(());
        }
        let (tools, problems) = pool.refresh().await;
        let mut specs = self.core.tools.specs(&self.core.config.hosts);
        specs.extend(tools.into_iter().map(|t| ToolSpec {
            name: t.public,
            description: t.description,
            parameters: t.schema,
        }));
        self.specs = specs;
        // Warned once while a server stays unusable; again if it fails after working.
        self.mcp_warned
            .retain(|server| problems.iter().any(|(s, _)| s == server));
        for (server, problem) in problems {
            if self.mcp_warned.insert(server.clone()) {
                self.warn(format!(
                    "{problem}; the session goes on without `{server}` (its tools answer with \
                     an error until it starts)"
                ))?;
            }
        }
        Ok(())
    }
}
