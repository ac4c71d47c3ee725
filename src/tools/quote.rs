//! POSIX shell quoting, so an argv can be shown, classified and sent over ssh as one string.

/// Quote one word for a POSIX shell. Words made only of safe characters stay bare; anything
/// else is wrapped in single quotes, with embedded `'` written as `'\''`.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b'=' | b','
                )
        });
    if safe {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for ch in word.chars() {
        if ch == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(ch);
        }
    }
    out.push('\'');
    out
}

/// Quote every word and join with spaces: the argv as one shell command line.
pub fn shell_join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|w| shell_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_words_stay_bare_and_others_are_quoted() {
        assert_eq!(shell_quote("nginx.service"), "nginx.service");
        assert_eq!(shell_quote("--sort=-%cpu"), "--sort=-%cpu");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("x; touch /tmp/m"), "'x; touch /tmp/m'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn quoted_argv_round_trips_through_sh() {
        let argv = ["printf", "%s|", "a b", "it's", "$(id)", "x;y", "\n", "*"];
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(shell_join(&argv))
            .output()
            .expect("sh runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "a b|it's|$(id)|x;y|\n|*|"
        );
    }
}
