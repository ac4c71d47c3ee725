//! Shell words after quote removal: literal values, escapes, globs, and brace expansions
//! that are only known at run time.

use tree_sitter::Node;

use super::{Walker, Word};

impl Walker<'_> {
    /// Resolve a word-like node to its value after quote removal.
    pub(super) fn word(&self, node: Node) -> Word {
        let source = self.text(node);
        let mut word = Word {
            value: Some(String::new()),
            source: source.clone(),
            escaped: false,
            glob: false,
        };
        let mut brace = false;
        self.append(node, &mut word, &mut brace);
        if brace
            && word
                .value
                .as_ref()
                .is_some_and(|v| v.contains(',') || v.contains(".."))
        {
            word.value = None;
        }
        word
    }

    fn append(&self, node: Node, word: &mut Word, brace: &mut bool) {
        let text = self.text(node);
        let piece: Option<String> = match node.kind() {
            "command_name" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.append(child, word, brace);
                }
                return;
            }
            "concatenation" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                for child in children {
                    self.append(child, word, brace);
                }
                return;
            }
            "word" | "number" => {
                let (value, escaped, glob, has_brace) = unescape_word(&text);
                word.escaped |= escaped;
                word.glob |= glob;
                *brace |= has_brace;
                Some(value)
            }
            "raw_string" => {
                word.escaped = true;
                Some(
                    text.trim_start_matches('\'')
                        .trim_end_matches('\'')
                        .to_string(),
                )
            }
            "string" => {
                word.escaped = true;
                let mut cursor = node.walk();
                let dynamic = node
                    .named_children(&mut cursor)
                    .any(|child| child.kind() != "string_content");
                // The literal is everything between the quotes: tree-sitter leaves newlines
                // out of `string_content`, and `nft "list ruleset<newline>flush ruleset"`
                // must keep its newline.
                let inner = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .unwrap_or(&text);
                (!dynamic).then(|| unescape_dquote(inner))
            }
            _ => None,
        };
        match (piece, word.value.as_mut()) {
            (Some(p), Some(v)) => v.push_str(&p),
            _ => word.value = None,
        }
    }
}

pub(super) fn is_fd(word: &Word) -> bool {
    word.value
        .as_ref()
        .is_some_and(|v| v == "-" || (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit())))
}

/// Undo backslash escapes in an unquoted word; report escapes, globs and braces.
fn unescape_word(text: &str) -> (String, bool, bool, bool) {
    let mut out = String::with_capacity(text.len());
    let (mut escaped, mut glob, mut brace) = (false, false, false);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                escaped = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(next) => out.push(next),
                }
            }
            '*' | '?' | '[' => {
                glob = true;
                out.push(c);
            }
            '{' | '}' => {
                brace = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    (out, escaped, glob, brace)
}

fn unescape_dquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('"' | '\\' | '$' | '`') => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                Some('\n') => {
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}
