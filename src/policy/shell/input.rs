//! What a command reads on standard input, as far as the command line shows it: a heredoc or
//! here-string body, the literal output of `echo`/`printf` piped into it (through `cat` or
//! `tee`), or data only known at run time (a file, another program's output).

use std::rc::Rc;

use tree_sitter::Node;

use super::{Walker, Word};

/// Standard input of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// Text known before the command runs. Several readings when its exact bytes depend on how
    /// a tool interprets escapes (`echo` in bash or dash); `exact` is false when expansions in
    /// it are only known at run time (the texts then hold the unexpanded source).
    Literal {
        texts: Vec<String>,
        exact: bool,
        from: String,
    },
    /// Data only known at run time: a file or another program's output.
    Unknown(String),
}

/// Longest payload kept; longer input is data only known at run time.
const MAX_PAYLOAD: usize = 64 * 1024;

impl Walker<'_> {
    /// The input a command node (or redirected statement) gives itself with `<<<`, `<<` or `<`.
    pub(super) fn own_input(&self, node: Node) -> Option<Rc<Input>> {
        let mut cursor = node.walk();
        let mut found = None;
        for child in node.children(&mut cursor) {
            let input = match child.kind() {
                "herestring_redirect" => self.herestring(child),
                "heredoc_redirect" => self.heredoc(child),
                "file_redirect" => self.read_redirect(child),
                _ => None,
            };
            if input.is_some() {
                found = input;
            }
        }
        found.map(Rc::new)
    }

    fn herestring(&self, node: Node) -> Option<Input> {
        let word_node = node.named_child(0)?;
        let word = self.word(word_node);
        Some(match word.value {
            Some(v) => literal(vec![format!("{v}\n")], true, "a here-string"),
            None => {
                let raw = word.source.trim_matches(['"', '\'']).to_string();
                literal(vec![format!("{raw}\n")], false, "a here-string")
            }
        })
    }

    fn heredoc(&self, node: Node) -> Option<Input> {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        let strip_tabs = children.iter().any(|c| c.kind() == "<<-");
        let start = children.iter().find(|c| c.kind() == "heredoc_start");
        let quoted = start.is_some_and(|s| {
            let t = self.text(*s);
            t.contains(['\'', '"', '\\'])
        });
        let body = children.iter().find(|c| c.kind() == "heredoc_body");
        let (text, dynamic) = match body {
            Some(b) => (self.text(*b), b.named_child_count() > 0 && !quoted),
            None => (String::new(), false),
        };
        let text = if strip_tabs {
            text.lines()
                .map(|l| l.trim_start_matches('\t'))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text
        };
        Some(literal(vec![text], !dynamic, "a heredoc"))
    }

    fn read_redirect(&self, node: Node) -> Option<Input> {
        let mut cursor = node.walk();
        let op = node
            .children(&mut cursor)
            .find(|c| !c.is_named())
            .map(|c| c.kind().to_string())?;
        if op != "<" {
            return None;
        }
        let dest = node.child_by_field_name("destination")?;
        Some(Input::Unknown(format!("file {}", self.text(dest))))
    }

    /// What a pipeline stage writes to the next one, given what it reads.
    pub(super) fn output_of(&self, node: Node, input: Option<&Rc<Input>>) -> Rc<Input> {
        match node.kind() {
            "redirected_statement" => {
                let own = self.own_input(node);
                match node.child_by_field_name("body") {
                    Some(body) => self.output_of(body, own.as_ref().or(input)),
                    None => Rc::new(Input::Unknown("a redirected statement".into())),
                }
            }
            "command" => {
                let own = self.own_input(node);
                let input = own.as_ref().or(input);
                let mut words = Vec::new();
                let mut cursor = node.walk();
                for (i, child) in node.children(&mut cursor).enumerate() {
                    if matches!(
                        node.field_name_for_child(i as u32),
                        Some("name" | "argument")
                    ) {
                        words.push(self.word(child));
                    }
                }
                Rc::new(command_output(&words, input))
            }
            kind => Rc::new(Input::Unknown(format!("a {kind}"))),
        }
    }
}

fn literal(texts: Vec<String>, exact: bool, from: &str) -> Input {
    if texts.iter().map(String::len).sum::<usize>() > MAX_PAYLOAD {
        return Input::Unknown(format!("{from} too long to analyse"));
    }
    Input::Literal {
        texts,
        exact,
        from: from.to_string(),
    }
}

/// The output of `echo`, `printf`, and of `cat`/`tee` passing their input through.
fn command_output(words: &[Word], input: Option<&Rc<Input>>) -> Input {
    let Some((name, args)) = words.split_first() else {
        return Input::Unknown("an assignment".into());
    };
    let Some(name) = name.value.as_deref().filter(|_| !name.escaped) else {
        return Input::Unknown(format!("`{}`", name.source));
    };
    let base = name.rsplit('/').next().unwrap_or(name);
    let exact = args.iter().all(|w| w.value.is_some());
    let values: Vec<String> = args
        .iter()
        .map(|w| w.value.clone().unwrap_or_else(|| w.source.clone()))
        .collect();
    match base {
        "echo" => literal(echo(&values), exact, "echo"),
        "printf" => literal(printf(&values), exact, "printf"),
        "tee" | "cat" if base == "tee" || values.iter().all(|v| v == "-" || v == "-u") => {
            match input {
                Some(i) => (**i).clone(),
                None => Input::Unknown("the terminal".into()),
            }
        }
        _ => Input::Unknown(format!("the output of {base}")),
    }
}

/// Readings of `echo ARGS`: as bash prints it and with escapes interpreted (dash, `-e`).
fn echo(args: &[String]) -> Vec<String> {
    let mut newline = true;
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        let is_opt = first.len() > 1
            && first.starts_with('-')
            && first[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'));
        if !is_opt {
            break;
        }
        if first.contains('n') {
            newline = false;
        }
        rest = tail;
    }
    let end = if newline { "\n" } else { "" };
    let raw = format!("{}{end}", rest.join(" "));
    let escaped = format!("{}{end}", unescape(&rest.join(" ")).0);
    if escaped == raw {
        vec![raw]
    } else {
        vec![raw, escaped]
    }
}

/// Readings of `printf FORMAT ARGS`: the formatted output, and every word on its own line.
fn printf(args: &[String]) -> Vec<String> {
    let Some((format, mut rest)) = args.split_first() else {
        return vec![String::new()];
    };
    let mut out = String::new();
    for _ in 0..64 {
        let before = rest.len();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let mut esc = String::from('\\');
                    if let Some(n) = chars.next() {
                        esc.push(n);
                    }
                    out.push_str(&unescape(&esc).0);
                }
                '%' if chars.peek() == Some(&'%') => {
                    chars.next();
                    out.push('%');
                }
                '%' => {
                    let mut conv = None;
                    for n in chars.by_ref() {
                        if n.is_ascii_alphabetic() {
                            conv = Some(n);
                            break;
                        }
                    }
                    let arg = rest.first().cloned().unwrap_or_default();
                    rest = rest.get(1..).unwrap_or_default();
                    match conv {
                        Some('b') => {
                            let (text, stop) = unescape(&arg);
                            out.push_str(&text);
                            if stop {
                                break;
                            }
                        }
                        Some('c') => out.extend(arg.chars().next()),
                        _ => out.push_str(&arg),
                    }
                }
                _ => out.push(c),
            }
            if out.len() > MAX_PAYLOAD {
                break;
            }
        }
        if rest.is_empty() || rest.len() == before || out.len() > MAX_PAYLOAD {
            break;
        }
    }
    let lines = args.join("\n") + "\n";
    vec![out, lines]
}

/// Interpret backslash escapes as `echo -e` and `printf %b` do; true when `\c` stopped output.
fn unescape(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('v') => out.push('\u{b}'),
            Some('f') => out.push('\u{c}'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('e' | 'E') => out.push('\u{1b}'),
            Some('\\') => out.push('\\'),
            Some('c') => return (out, true),
            Some('x') => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match chars.peek().and_then(|d| d.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(v));
            }
            Some(d @ '0'..='7') => {
                let mut v = d.to_digit(8).unwrap_or(0);
                let max = if d == '0' { 3 } else { 2 };
                for _ in 0..max {
                    match chars.peek().and_then(|x| x.to_digit(8)) {
                        Some(x) => {
                            v = v * 8 + x;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(v & 0xff));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn echo_and_printf_readings() {
        assert_eq!(echo(&s(&["rm", "-rf", "/"])), vec!["rm -rf /\n"]);
        assert!(echo(&s(&["-e", "ls\\nrm -rf /"])).contains(&"ls\nrm -rf /\n".to_string()));
        assert_eq!(printf(&s(&["rm -rf /\\n"]))[0], "rm -rf /\n");
        assert_eq!(printf(&s(&["%s %s\\n", "rm", "-rf"]))[0], "rm -rf\n");
        assert_eq!(printf(&s(&["%s\\n", "a", "b"]))[0], "a\nb\n");
        assert_eq!(unescape("\\x72\\155"), ("rm".to_string(), false));
    }
}
