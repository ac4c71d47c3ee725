//! The text of the personal rules file: the `[[rule]]` block a console approval appends (name,
//! prefix, target, tool, the command as its `match` example), removing one block on revoke
//! (keeping the rest, comments included), and the atomic replace of the file.

use std::path::Path;

use super::personal::PERSONAL_FILE;
use super::{Action, RulesError};
use crate::policy;
use crate::protocol::RuleScope;

/// Marks the comment line written above each console rule (removed with it on revoke).
const MARK: &str = "# added from the console";

pub(super) fn read(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path)
        .map_err(|e| RulesError(format!("{}: cannot read rules file: {e}", path.display())))
}

/// Lower-case letters, digits and single dashes, at most `max` characters.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

/// A TOML basic string holding `text`.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The name and text of the allow rule for `command` in `scope`.
pub(super) fn block(
    scope: &RuleScope,
    tool: &str,
    command: &str,
    taken: &[String],
) -> Result<(String, String), RulesError> {
    let target = scope
        .rule_target()
        .ok_or_else(|| RulesError("the incident scope writes no rule".into()))?;
    let prefix = policy::approval_prefix_for(command).ok_or_else(|| {
        RulesError(
            "no prefix can describe this command (chained, substituted, redirected, wrapped \
             or destructive): an allow rule is refused"
                .into(),
        )
    })?;
    let base = format!("{}-{}", slug(&prefix.text, 40), slug(&target, 30));
    let name = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or(base);
    let when = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "\n{MARK} on {when}: {}\n[[rule]]\nname = {}\naction = \"{}\"\nprefix = {}\n\
         targets = [{}]\ntools = [{}]\nreason = {}\nmatch = [{}]\n",
        crate::text::neutralize_line(&scope.label()),
        quoted(&name),
        Action::Allow.as_str(),
        quoted(&prefix.text),
        quoted(&target),
        quoted(tool),
        quoted("approved for good from the console"),
        quoted(command),
    );
    Ok((name, text))
}

/// `text` without the `[[rule]]` block whose header is on 1-based `line` (up to the next
/// `[[` header), and without the console's comment line just above it.
pub(super) fn without_block(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = line.saturating_sub(1).min(lines.len());
    let end = (start + 1..lines.len())
        .find(|i| {
            lines
                .get(*i)
                .is_some_and(|l| l.trim_start().starts_with("[["))
        })
        .unwrap_or(lines.len());
    // The block's trailing comments belong to the next block: keep them.
    let mut end = end;
    while end > start + 1
        && lines
            .get(end - 1)
            .is_some_and(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
    {
        end -= 1;
    }
    let mut from = start;
    while from > 0
        && lines
            .get(from - 1)
            .is_some_and(|l| l.trim_start().starts_with(MARK) || l.trim().is_empty())
    {
        from -= 1;
        if lines
            .get(from)
            .is_some_and(|l| l.trim_start().starts_with(MARK))
        {
            break;
        }
    }
    let mut out: String = lines.get(..from).unwrap_or_default().concat();
    out.push_str(&lines.get(end..).unwrap_or_default().concat());
    out
}

/// Replace `path` with `text`: a temp file in the same dir, synced, then renamed over it.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), RulesError> {
    use std::io::Write;
    let err = |what: &str, e: std::io::Error| {
        RulesError(format!("{}: cannot {what}: {e}", path.display()))
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err("create its dir", e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| PERSONAL_FILE.into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err("write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_block_leaves_the_rest_and_its_comments() {
        let text = "# team comment\n[[rule]]\nname = \"a\"\n\n# added from the console on x: y\n[[rule]]\nname = \"b\"\n# about c\n[[rule]]\nname = \"c\"\n";
        let out = without_block(text, 6);
        assert_eq!(
            out,
            "# team comment\n[[rule]]\nname = \"a\"\n\n# about c\n[[rule]]\nname = \"c\"\n"
        );
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slug("systemctl status", 40), "systemctl-status");
        assert_eq!(slug("tag:prod", 30), "tag-prod");
    }
}
