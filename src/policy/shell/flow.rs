//! Data flow between commands: which earlier stages feed a command through a pipe, and what
//! its standard input holds (pipe, heredoc, here-string), walked stage by stage.

use std::rc::Rc;

use tree_sitter::Node;

use super::{Input, Walker};

/// What flows into the node being walked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flow {
    /// Resolved names of the earlier pipeline stages.
    pub upstream: Vec<String>,
    /// Standard input, when the command line shows it.
    pub input: Option<Rc<Input>>,
}

impl Walker<'_> {
    pub(super) fn pipeline(&mut self, node: Node, flow: &Flow) {
        self.pipe_stages(node, flow.upstream.clone(), flow.input.clone());
    }

    /// Walk the stages of `node`, each reading the previous stage's output; the first reads
    /// `input`.
    fn pipe_stages(&mut self, node: Node, mut seen: Vec<String>, mut input: Option<Rc<Input>>) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for child in children {
            if !child.is_named() {
                if matches!(child.kind(), "|" | "|&") {
                    self.script.pipes += 1;
                }
                continue;
            }
            self.visit(
                child,
                &Flow {
                    upstream: seen.clone(),
                    input: input.clone(),
                },
            );
            if let Some(name) = self.first_command_name(child) {
                seen.push(name);
            }
            input = Some(self.output_of(child, input.as_ref()));
        }
    }

    /// `body <<EOF | next…`: the body reads its own redirects; a pipeline written after the
    /// heredoc start reads the body's output.
    pub(super) fn redirected_statement(&mut self, node: Node, flow: &Flow) {
        let own = self.own_input(node);
        let body_flow = Flow {
            upstream: flow.upstream.clone(),
            input: own.clone().or_else(|| flow.input.clone()),
        };
        let body = node.child_by_field_name("body");
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        self.record_writes(&children, body, body_flow.input.as_ref());
        for child in children {
            if Some(child) == body {
                self.visit(child, &body_flow);
                continue;
            }
            if child.kind() != "heredoc_redirect" {
                self.visit(child, flow);
                continue;
            }
            let mut inner = child.walk();
            let parts: Vec<Node> = child.children(&mut inner).collect();
            for part in parts {
                match (part.kind(), body) {
                    ("pipeline", Some(b)) => {
                        let mut seen = flow.upstream.clone();
                        seen.extend(self.first_command_name(b));
                        let out = self.output_of(b, body_flow.input.as_ref());
                        self.pipe_stages(part, seen, Some(out));
                    }
                    _ => self.visit(part, flow),
                }
            }
        }
    }

    /// `body > FILE`: remember what the body writes to FILE when the line shows it.
    fn record_writes(&mut self, children: &[Node], body: Option<Node>, input: Option<&Rc<Input>>) {
        let Some(body) = body else {
            return;
        };
        for child in children.iter().filter(|c| c.kind() == "file_redirect") {
            let mut cursor = child.walk();
            let writes = child
                .children(&mut cursor)
                .any(|c| matches!(c.kind(), ">" | ">>" | ">|" | "&>" | "&>>"));
            let Some(dest) = child.child_by_field_name("destination") else {
                continue;
            };
            if !writes {
                continue;
            }
            if let Some(path) = self.word(dest).value {
                let out = self.output_of(body, input);
                self.script.written.push((path, out));
            }
        }
    }
}
