//! Shell parsing: turns a command line into simple commands plus the structural hazards
//! (chaining, substitution, redirects, subshells…) found by walking the tree-sitter-bash tree.

mod argv;
mod flow;
mod input;
mod words;

use std::rc::Rc;

use tree_sitter::{Node, Parser};

use super::Class;
use super::system_paths::{is_block_device, is_system_path};
pub(crate) use argv::plain_argv;
use flow::Flow;
pub(crate) use input::Input;
use words::is_fd;

/// One shell word after quote removal, or `None` when its value is only known at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The literal value; `None` for expansions (`$X`, `$(…)`, brace expansion, `$'…'`).
    pub value: Option<String>,
    /// The source text, for reasons shown to the operator.
    pub source: String,
    /// Quotes or backslashes were used (`\rm`, `"rm"`, `r''m`).
    pub escaped: bool,
    /// Contains an unquoted glob character (`*`, `?`, `[`).
    pub glob: bool,
    /// The words an unquoted brace expansion (`{reboot,}`, `x{1..3}`) turns it into, in
    /// order, empty ones dropped as bash drops them; `None` when it has none.
    pub braces: Option<Vec<String>>,
    /// This word came from a brace expansion.
    pub expanded: bool,
}

/// A simple command: optional `NAME=value` prefixes, then its words.
#[derive(Debug, Clone)]
pub(crate) struct SimpleCommand {
    /// `X=1` assignments before the command name.
    pub assignments: Vec<String>,
    /// Command name then arguments.
    pub words: Vec<Word>,
    /// Resolved names of the earlier stages when this command reads from a pipe.
    pub upstream: Vec<String>,
    /// Its standard input when the command line shows it (pipe, heredoc, here-string, `<`);
    /// `None` when inherited from whoever runs the command line.
    pub stdin: Option<Rc<Input>>,
}

/// A structural reason that lifts the whole command to at least `class`.
#[derive(Debug, Clone)]
pub(crate) struct Hazard {
    pub class: Class,
    pub reason: String,
}

/// Everything the classifier needs from one parsed command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Script {
    pub commands: Vec<SimpleCommand>,
    pub hazards: Vec<Hazard>,
    /// Redirects that neither read nor write a file (`2>&1`, `>/dev/null`).
    pub harmless_redirects: usize,
    /// `|` or `|&` between commands.
    pub pipes: usize,
    /// Files the line writes with text it shows (`echo reboot > /tmp/x`, `cat > f <<EOF`,
    /// `printf … | tee f`), by path: a later `sh /tmp/x` runs that text.
    pub written: Vec<(String, Rc<Input>)>,
}

/// Parse `command` with the bash grammar. A parser failure is itself a hazard.
pub(crate) fn parse(command: &str) -> Script {
    parse_reading(command, None)
}

/// Parse `command` run with `input` on its standard input (a nested script inherits the
/// input of the shell that runs it).
pub(crate) fn parse_reading(command: &str, input: Option<Rc<Input>>) -> Script {
    let mut script = Script::default();
    if command.len() > MAX_COMMAND_BYTES {
        script.hazard(
            Class::Destructive,
            "command too long to analyse (treated as destructive)",
        );
        return script;
    }
    let mut parser = Parser::new();
    let tree = match parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .ok()
        .and_then(|_| parser.parse(command, None))
    {
        Some(tree) => tree,
        None => {
            script.hazard(Class::Change, "shell parser unavailable");
            return script;
        }
    };
    let root = tree.root_node();
    let src = command.as_bytes();
    let mut walker = Walker {
        src,
        script,
        depth: 0,
    };
    walker.statements(root, "");
    walker.visit(
        root,
        &Flow {
            upstream: Vec::new(),
            input,
        },
    );
    walker.script
}

impl Script {
    fn hazard(&mut self, class: Class, reason: impl Into<String>) {
        self.hazards.push(Hazard {
            class,
            reason: reason.into(),
        });
    }
}

struct Walker<'a> {
    src: &'a [u8],
    script: Script,
    depth: usize,
}

/// Deepest syntax nesting walked; deeper input is `change` without further analysis.
const MAX_NESTING: usize = 200;

/// Longest command line analysed; longer ones are `change`.
pub(crate) const MAX_COMMAND_BYTES: usize = 256 * 1024;

impl Walker<'_> {
    fn text(&self, node: Node) -> String {
        node.utf8_text(self.src).unwrap_or("").to_string()
    }

    /// Flags more than one statement (or a background `&`) directly under `node`.
    fn statements(&mut self, node: Node, context: &str) {
        let mut cursor = node.walk();
        let mut count = 0;
        let mut semicolon = false;
        let mut background = false;
        for child in node.children(&mut cursor) {
            match child.kind() {
                ";" => semicolon = true,
                "&" => background = true,
                "comment" | "ERROR" => {}
                _ if child.is_named() => count += 1,
                _ => {}
            }
        }
        if background {
            self.script
                .hazard(Class::Change, format!("background command (&){context}"));
        }
        if count > 1 {
            let op = if semicolon { ";" } else { "newline" };
            self.script
                .hazard(Class::Change, format!("chained commands ({op}){context}"));
        }
    }

    fn visit(&mut self, node: Node, flow: &Flow) {
        if self.depth >= MAX_NESTING {
            self.script.hazard(
                Class::Destructive,
                "command nested too deeply to analyse (treated as destructive)",
            );
            return;
        }
        self.depth += 1;
        self.visit_inner(node, flow);
        self.depth -= 1;
    }

    fn visit_inner(&mut self, node: Node, flow: &Flow) {
        if node.is_missing() {
            self.script.hazard(
                Class::Change,
                format!("incomplete command: missing `{}`", node.kind()),
            );
            return;
        }
        match node.kind() {
            "ERROR" => {
                self.script.hazard(Class::Change, "shell syntax error");
                self.error_command(node, flow);
            }
            "command" => {
                self.command(node, flow);
                return;
            }
            "pipeline" => {
                self.pipeline(node, flow);
                return;
            }
            "redirected_statement" => {
                self.redirected_statement(node, flow);
                return;
            }
            "list" => {
                let mut cursor = node.walk();
                let op = node
                    .children(&mut cursor)
                    .find(|c| !c.is_named())
                    .map(|c| c.kind().to_string())
                    .unwrap_or_else(|| "&&".into());
                self.script
                    .hazard(Class::Change, format!("chained commands ({op})"));
            }
            "command_substitution" => {
                let backtick = self.text(node).starts_with('`');
                let what = if backtick {
                    "command substitution (backticks)"
                } else {
                    "command substitution $(…)"
                };
                self.script.hazard(Class::Change, what);
            }
            "process_substitution" => {
                self.script
                    .hazard(Class::Change, "process substitution <(…)");
            }
            "subshell" => self.script.hazard(Class::Change, "subshell (…)"),
            "compound_statement" => {
                self.script.hazard(Class::Change, "command group { … }");
                self.statements(node, " inside a group");
            }
            "function_definition" => self.function(node),
            "for_statement" | "c_style_for_statement" | "while_statement" => {
                self.script.hazard(Class::Change, "loop");
            }
            "if_statement" | "case_statement" => {
                self.script.hazard(Class::Change, "conditional");
            }
            "do_group" => self.statements(node, " inside a loop"),
            "negated_command" => self.script.hazard(Class::Change, "negated command (!)"),
            "test_command" => self.script.hazard(Class::Change, "test expression [[ … ]]"),
            "declaration_command" | "unset_command" => {
                self.script
                    .hazard(Class::Change, "shell variable declaration");
            }
            "variable_assignment" | "variable_assignments" => {
                self.script.hazard(Class::Change, "variable assignment");
            }
            "file_redirect" => self.redirect(node),
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for child in children {
            self.visit(child, flow);
        }
    }

    /// The grammar reads a word that starts with `{` in command position (`{reboot,}`) as
    /// a broken group; bash brace-expands it and runs the result. Read each such `{` glued
    /// to a command name in an error node, with the words after it, as the command it is.
    fn error_command(&mut self, node: Node, flow: &Flow) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for (i, open) in children.iter().enumerate() {
            let Some(next) = children.get(i + 1) else {
                break;
            };
            // `{reboot,}` alone: the name; `{reboot,} -f`: a command whose name it is.
            let (name, args): (Node, Vec<Node>) = match next.kind() {
                "command_name" => (*next, children[i + 2..].to_vec()),
                "command" => {
                    let Some(name) = next.child_by_field_name("name") else {
                        continue;
                    };
                    let mut c = next.walk();
                    let args = next
                        .children(&mut c)
                        .filter(|a| a.start_byte() >= name.end_byte())
                        .collect();
                    (name, args)
                }
                _ => continue,
            };
            if open.kind() != "{" || open.end_byte() != name.start_byte() {
                continue;
            }
            let text = String::from_utf8_lossy(&self.src[open.start_byte()..name.end_byte()]);
            if text.contains(['\'', '"', '\\', '$', '`']) {
                continue;
            }
            let mut cmd = SimpleCommand {
                assignments: Vec::new(),
                words: Vec::new(),
                upstream: flow.upstream.clone(),
                stdin: flow.input.clone(),
            };
            let base = Word {
                value: None,
                source: text.to_string(),
                escaped: false,
                glob: text.contains(['*', '?', '[']),
                braces: None,
                expanded: true,
            };
            match words::expand_braces(&text) {
                Some(list) if list.first().is_some_and(|w| *w != text) => {
                    cmd.words.extend(list.into_iter().map(|v| Word {
                        value: Some(v),
                        ..base.clone()
                    }))
                }
                _ => cmd.words.push(base),
            }
            for arg in &args {
                if !matches!(
                    arg.kind(),
                    "word" | "concatenation" | "string" | "raw_string" | "number"
                ) {
                    break;
                }
                self.push_word(&mut cmd, *arg);
            }
            self.script.commands.push(cmd);
        }
    }

    fn first_command_name(&self, node: Node) -> Option<String> {
        let mut current = node;
        for _ in 0..MAX_NESTING {
            if current.kind() == "command" {
                let name = current.child_by_field_name("name")?;
                return self.word(name).value;
            }
            current = current.named_child(0)?;
        }
        None
    }

    fn function(&mut self, node: Node) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n))
            .unwrap_or_default();
        let body = node.child_by_field_name("body").map(|b| self.text(b));
        let recursive = body.is_some_and(|b| {
            b.split(|c: char| c.is_whitespace() || "|&;{}()".contains(c))
                .any(|tok| !name.is_empty() && tok == name)
        });
        if recursive {
            self.script.hazard(
                Class::Destructive,
                format!("fork bomb: function `{name}` calls itself"),
            );
        } else {
            self.script
                .hazard(Class::Change, format!("function definition `{name}`"));
        }
    }

    fn redirect(&mut self, node: Node) {
        let mut cursor = node.walk();
        let op = node
            .children(&mut cursor)
            .find(|c| !c.is_named())
            .map(|c| c.kind().to_string())
            .unwrap_or_default();
        let dest = node.child_by_field_name("destination");
        let target = dest.map(|d| self.word(d));
        let target_text = target
            .as_ref()
            .and_then(|w| w.value.clone())
            .unwrap_or_else(|| {
                target
                    .as_ref()
                    .map(|w| w.source.clone())
                    .unwrap_or_default()
            });
        match op.as_str() {
            ">&" | "<&" | ">&-" | "<&-" if target.as_ref().is_none_or(is_fd) => {
                self.script.harmless_redirects += 1;
            }
            "<" => {}
            _ if matches!(
                target_text.as_str(),
                "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"
            ) =>
            {
                self.script.harmless_redirects += 1
            }
            _ if is_block_device(&target_text) => {
                self.script.hazard(
                    Class::Destructive,
                    format!("write to block device {target_text}"),
                );
            }
            _ if is_system_path(&target_text) && op != ">>" => {
                self.script.hazard(
                    Class::Destructive,
                    format!("overwrites system file {target_text}"),
                );
            }
            _ => {
                self.script.hazard(
                    Class::Change,
                    format!("redirect to file ({op} {target_text})"),
                );
            }
        }
    }

    /// Add a word to `cmd`: brace expansion happens before the command runs, so
    /// `{reboot,}` is the word `reboot`.
    fn push_word(&self, cmd: &mut SimpleCommand, node: Node) {
        let word = self.word(node);
        match word.braces.clone() {
            Some(list) => cmd.words.extend(list.into_iter().map(|v| Word {
                value: Some(v),
                braces: None,
                expanded: true,
                ..word.clone()
            })),
            None => cmd.words.push(word),
        }
    }

    fn command(&mut self, node: Node, flow: &Flow) {
        let mut cmd = SimpleCommand {
            assignments: Vec::new(),
            words: Vec::new(),
            upstream: flow.upstream.clone(),
            stdin: self.own_input(node).or_else(|| flow.input.clone()),
        };
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        for (i, child) in children.iter().enumerate() {
            let field = node.field_name_for_child(i as u32);
            match (field, child.kind()) {
                (_, "variable_assignment") => cmd.assignments.push(self.text(*child)),
                (Some("name"), _) | (Some("argument"), _) => self.push_word(&mut cmd, *child),
                _ => {}
            }
            // Substitutions, nested commands and redirects inside words are hazards too.
            self.visit(*child, &Flow::default());
        }
        if let Some(input) = &cmd.stdin
            && cmd.words.first().and_then(|w| w.value.as_deref()) == Some("tee")
        {
            for w in cmd.words[1..].iter().filter_map(|w| w.value.as_deref()) {
                if !w.starts_with('-') {
                    self.script.written.push((w.to_string(), input.clone()));
                }
            }
        }
        self.script.commands.push(cmd);
    }
}
