//! Output read with its command: `printenv NAME`, `echo $NAME`, `echo "${NAME}"` print a
//! secret-named variable's value bare, with no name beside it for the other rules to see, so
//! every line such a command prints is masked.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, MARKER_PREFIX, Span, TIER_CONFIGURED};

const KIND: &str = "env-value";

static VAR_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
        .expect("static variable reference regex")
});

/// Shell words of one simple command each, split on operators (a rough split is enough:
/// it only decides whether output lines are masked).
fn commands(command: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for part in command.split([';', '|', '&', '\n', '(', ')', '`']) {
        let words: Vec<String> = part
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() {
            out.push(words);
        }
    }
    out
}

/// True when `command` prints the value of a secret-named variable.
pub(super) fn prints_secret(command: &str) -> bool {
    commands(command).iter().any(|words| {
        let mut words = words.iter().map(String::as_str).peekable();
        // Skip wrappers and assignments: `sudo -E printenv X`, `env printenv X`.
        while let Some(w) = words.peek() {
            if matches!(
                *w,
                "sudo" | "env" | "command" | "exec" | "nohup" | "builtin"
            ) || w.starts_with('-')
                || w.contains('=')
            {
                words.next();
            } else {
                break;
            }
        }
        match words.next() {
            Some("printenv") => words.any(|w| !w.starts_with('-') && super::is_secret_name(w)),
            Some("echo" | "printf" | "print") => words.any(|w| {
                VAR_REF.captures_iter(w).any(|c| {
                    c.get(1)
                        .or(c.get(2))
                        .is_some_and(|m| super::is_secret_name(m.as_str()))
                })
            }),
            _ => false,
        }
    })
}

/// Mask every non-empty output line of a command that prints a secret-named variable.
pub(super) fn find(command: &str, text: &str, out: &mut Vec<Candidate>) {
    if !prints_secret(command) {
        return;
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let lead = body.len() - body.trim_start().len();
        let value = body.trim();
        if !value.is_empty() && !value.starts_with(MARKER_PREFIX) {
            out.push(Candidate {
                tier: TIER_CONFIGURED,
                span: Span {
                    start: at + lead,
                    end: at + lead + value.len(),
                    kind: KIND,
                },
            });
        }
        at += line.len();
    }
}

#[cfg(test)]
mod tests {
    use super::prints_secret;
    use crate::policy::Redactor;

    #[test]
    fn bare_values_are_masked_only_with_the_command_as_context() {
        let r = Redactor::default();
        let value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE1\n";
        assert_eq!(r.redact(value).text, value);
        let out = r.redact_output("printenv AWS_SECRET_ACCESS_KEY", value);
        assert_eq!(out.text, "[REDACTED:env-value]\n");
        assert_eq!(out.count, 1);
        let out = r.redact_output("echo \"${DB_PASSWORD}\"", "  hunter2-xyz \n");
        assert_eq!(out.text, "  [REDACTED:env-value] \n");
        assert_eq!(r.redact_output("printenv HOME", "/root\n").text, "/root\n");
    }

    #[test]
    fn commands_that_print_a_secret_variable() {
        for c in [
            "printenv AWS_SECRET_ACCESS_KEY",
            "sudo -E printenv DB_PASSWORD",
            "echo $GITHUB_TOKEN",
            "echo \"${VAULT_TOKEN}\"",
            "echo \"${API_KEY:-unset}\"",
            ". /etc/app.env && printenv SECRET_KEY_BASE",
            "printenv HOME MYSQL_PWD",
            "printf '%s\\n' \"$PGPASSWORD\" | base64",
        ] {
            assert!(prints_secret(c), "{c}");
        }
        for c in [
            "printenv",
            "printenv HOME PATH",
            "echo $PASSWORD_MIN_LENGTH",
            "echo $HOME",
            "env | grep TOKEN",
            "cat /etc/app.env",
            "echo token",
        ] {
            assert!(!prints_secret(c), "{c}");
        }
    }
}
