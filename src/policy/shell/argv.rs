//! Command lines that need no shell: one simple command of literal words, split into the argv
//! `execve` would get from `sh -c`, or None when any shell syntax is in the line.

use super::parse;

/// Words a shell gives a meaning of its own (reserved words and builtins that are not, or
/// not only, programs on `$PATH`): a line starting with one keeps its `sh -c`.
const SHELL_ONLY: &[&str] = &[
    "!", ".", ":", "[[", "alias", "bg", "break", "case", "cd", "command", "continue", "do", "done",
    "elif", "else", "esac", "eval", "exec", "exit", "export", "fc", "fg", "fi", "for", "function",
    "getopts", "hash", "if", "in", "jobs", "local", "read", "readonly", "return", "select", "set",
    "shift", "source", "then", "time", "times", "trap", "type", "typeset", "ulimit", "umask",
    "unalias", "unset", "until", "wait", "while", "{", "}",
];

/// The argv `sh -c command` would run, when running it directly is the same: one simple
/// command, no assignments, redirects, pipes, chaining, expansions, globs, escapes or
/// comments. Quotes are removed as the shell removes them (`grep -F 'a b'` gives `a b`).
pub(crate) fn plain_argv(command: &str) -> Option<Vec<String>> {
    if !only_literal_syntax(command) {
        return None;
    }
    let script = parse(command);
    if !script.hazards.is_empty()
        || script.harmless_redirects != 0
        || script.pipes != 0
        || !script.written.is_empty()
    {
        return None;
    }
    let [simple] = script.commands.as_slice() else {
        return None;
    };
    if !simple.assignments.is_empty() || simple.stdin.is_some() {
        return None;
    }
    let mut argv = Vec::with_capacity(simple.words.len());
    for word in &simple.words {
        if word.glob || word.braces.is_some() || word.expanded {
            return None;
        }
        argv.push(word.value.clone()?);
    }
    let first = argv.first()?;
    if first.is_empty() || SHELL_ONLY.contains(&first.as_str()) {
        return None;
    }
    Some(argv)
}

/// A lexical guard in front of the parser: outside quotes only word characters and blanks,
/// inside double quotes nothing the shell expands (`$`, backquote, backslash).
fn only_literal_syntax(command: &str) -> bool {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut quote = Quote::None;
    let mut at_word_start = true;
    for c in command.chars() {
        match quote {
            Quote::Single => {
                if c == '\'' {
                    quote = Quote::None;
                }
            }
            Quote::Double => match c {
                '"' => quote = Quote::None,
                '$' | '`' | '\\' => return false,
                _ => {}
            },
            Quote::None => {
                match c {
                    '\'' => quote = Quote::Single,
                    '"' => quote = Quote::Double,
                    ' ' | '\t' => {}
                    '|' | '&' | ';' | '<' | '>' | '(' | ')' | '$' | '`' | '\\' | '*' | '?'
                    | '[' | ']' | '{' | '}' | '!' | '\n' | '\r' => return false,
                    '#' | '~' if at_word_start => return false,
                    c if c.is_control() => return false,
                    _ => {}
                }
                at_word_start = c == ' ' || c == '\t';
                continue;
            }
        }
        at_word_start = false;
    }
    quote == Quote::None
}

#[cfg(test)]
mod tests {
    use super::plain_argv;

    fn argv(words: &[&str]) -> Option<Vec<String>> {
        Some(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn simple_commands_split_into_their_words_with_quotes_removed() {
        assert_eq!(
            plain_argv("pkill -f /tmp/x/bin/hog"),
            argv(&["pkill", "-f", "/tmp/x/bin/hog"])
        );
        assert_eq!(plain_argv("  uptime  "), argv(&["uptime"]));
        assert_eq!(
            plain_argv("grep -F 'a b' \"c d\" /f"),
            argv(&["grep", "-F", "a b", "c d", "/f"])
        );
        assert_eq!(
            plain_argv("echo it''s a=b x#y"),
            argv(&["echo", "its", "a=b", "x#y"])
        );
        assert_eq!(
            plain_argv("grep 'x|y;$z' f"),
            argv(&["grep", "x|y;$z", "f"])
        );
    }

    #[test]
    fn any_shell_syntax_keeps_the_shell() {
        for line in [
            "ps aux | grep x",
            "uptime; df -h",
            "true && false",
            "sleep 1 &",
            "echo $HOME",
            "echo \"$HOME\"",
            "echo `id`",
            "echo $(id)",
            "ls *.log",
            "ls ?",
            "ls [ab]",
            "echo {a,b}",
            "ls ~",
            "ls ~/x",
            "uptime # comment",
            "echo x > /tmp/f",
            "cat < /etc/hosts",
            "df 2>&1",
            "X=1 env",
            "! false",
            "(uptime)",
            "{ uptime; }",
            "cd /tmp",
            "exit 3",
            "exec sleep 1",
            "time ls",
            "if true; then ls; fi",
            "echo a\\ b",
            "echo 'unterminated",
            "echo \"a\\\"b\"",
            "uptime\nid",
            "",
            "   ",
            "''",
        ] {
            assert_eq!(plain_argv(line), None, "{line:?}");
        }
    }
}
