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
            braces: None,
            expanded: false,
        };
        let mut brace = false;
        self.append(node, &mut word, &mut brace);
        if brace
            && let Some(v) = word.value.as_ref()
            && (v.contains(',') || v.contains(".."))
        {
            // Braces in a quoted or escaped word may be literal: only known at run time.
            word.braces = if word.escaped {
                None
            } else {
                expand_braces(v).filter(|list| list.len() != 1 || list[0] != *v)
            };
            if word.braces.is_none() {
                word.value = None;
            }
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

/// Most words one brace expansion may produce; more is only known at run time.
const MAX_BRACE_WORDS: usize = 256;

/// Bash brace expansion of an unquoted word: `a{b,c}d`, nested braces, `{1..3}`, `{a..c}`;
/// empty results dropped. `None` when it would make too many words.
pub(crate) fn expand_braces(word: &str) -> Option<Vec<String>> {
    let out: Vec<String> = expand(word)?
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect();
    (out.len() <= MAX_BRACE_WORDS).then_some(out)
}

fn expand(word: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    // The first `{` with a matching `}` that holds a top-level comma or a `..` sequence.
    for open in 0..chars.len() {
        if chars[open] != '{' {
            continue;
        }
        let mut depth = 0;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, c) in chars.iter().enumerate().skip(open) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
        let Some(close) = close else {
            continue;
        };
        let pre: String = chars[..open].iter().collect();
        let post: String = chars[close + 1..].iter().collect();
        let inner: String = chars[open + 1..close].iter().collect();
        let items: Vec<String> = if commas.is_empty() {
            match sequence(&inner) {
                Some(Some(items)) => items,
                Some(None) => return None,
                None => continue,
            }
        } else {
            let mut items = Vec::new();
            let mut start = open + 1;
            for c in commas.iter().copied().chain(std::iter::once(close)) {
                items.push(chars[start..c].iter().collect());
                start = c + 1;
            }
            items
        };
        let tails = expand(&post)?;
        let mut out = Vec::new();
        for item in items {
            for head in expand(&format!("{pre}{item}"))? {
                for tail in &tails {
                    out.push(format!("{head}{tail}"));
                    if out.len() > MAX_BRACE_WORDS {
                        return None;
                    }
                }
            }
        }
        return Some(out);
    }
    Some(vec![word.to_string()])
}

/// `{1..5}`, `{5..1}`, `{1..9..2}`, `{a..e}`: `None` when `inner` is not a sequence,
/// `Some(None)` when it is one too long to expand.
fn sequence(inner: &str) -> Option<Option<Vec<String>>> {
    let parts: Vec<&str> = inner.split("..").collect();
    let (from, to, step) = match parts.as_slice() {
        [a, b] => (*a, *b, 1i64),
        [a, b, s] => (*a, *b, s.parse::<i64>().ok()?.abs().max(1)),
        _ => return None,
    };
    let items: Vec<String> = if let (Ok(a), Ok(b)) = (from.parse::<i64>(), to.parse::<i64>()) {
        if a.abs_diff(b) / step as u64 > MAX_BRACE_WORDS as u64 {
            return Some(None);
        }
        let n = a.abs_diff(b) / step as u64;
        (0..=n)
            .map(|k| {
                let d = k as i64 * step;
                if a <= b { a + d } else { a - d }
            })
            .map(|v| v.to_string())
            .collect()
    } else {
        let (a, b) = (single(from)?, single(to)?);
        let (lo, hi) = (a.min(b) as u32, a.max(b) as u32);
        let mut v: Vec<String> = (lo..=hi)
            .step_by(step as usize)
            .filter_map(char::from_u32)
            .map(String::from)
            .collect();
        if a > b {
            v.reverse();
        }
        v
    };
    Some(Some(items))
}

fn single(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    (chars.next().is_none() && c.is_ascii_alphabetic()).then_some(c)
}

#[cfg(test)]
mod brace_tests {
    use super::expand_braces;

    #[test]
    fn braces_expand_as_bash_does() {
        assert_eq!(expand_braces("{reboot,}").unwrap(), ["reboot"]);
        assert_eq!(
            expand_braces("/sbin/{re,}boot").unwrap(),
            ["/sbin/reboot", "/sbin/boot"]
        );
        assert_eq!(
            expand_braces("a{b,c{d,e}}f").unwrap(),
            ["abf", "acdf", "acef"]
        );
        assert_eq!(expand_braces("x{1..3}").unwrap(), ["x1", "x2", "x3"]);
        assert_eq!(expand_braces("{c..a}").unwrap(), ["c", "b", "a"]);
        assert_eq!(expand_braces("{a}").unwrap(), ["{a}"]);
        assert!(expand_braces("{1..100000}").is_none());
    }
}
