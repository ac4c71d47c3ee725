//! `opsassist sessions prune` and session id prefixes: old finished sessions and their
//! outputs are removed; the audit log and open incidents never are.

use std::path::Path;
use std::time::{Duration, SystemTime};

use opsassist::paths::Paths;
use opsassist::protocol::SessionState;
use opsassist::session;

/// The one session whose id starts with `prefix` (an exact id always wins).
pub fn resolve_id(paths: &Paths, prefix: &str) -> anyhow::Result<String> {
    if paths
        .sessions_dir()
        .join(format!("{prefix}.jsonl"))
        .is_file()
    {
        return Ok(prefix.to_string());
    }
    let ids: Vec<String> = session::list(paths)?
        .into_iter()
        .map(|s| s.id)
        .filter(|id| id.starts_with(prefix))
        .collect();
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!(
            "no session id starts with `{}` (see `opsassist sessions list`)",
            opsassist::text::neutralize_line(prefix)
        ),
        many => anyhow::bail!(
            "`{}` matches {} sessions ({}{}): type more of the id",
            opsassist::text::neutralize_line(prefix),
            many.len(),
            many.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            if many.len() > 5 { ", …" } else { "" }
        ),
    }
}

/// `30d`, `12h`, `2w`, `90min`, `45s` → a duration. A bare `m` is refused: minutes or
/// months is a guess nobody should make with a delete (`min` is minutes; months are `30d`).
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number and a unit, e.g. 30d"))?;
    let secs = match unit.trim() {
        "s" | "sec" | "secs" => 1,
        "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        "m" | "mo" | "month" | "months" => {
            return Err(format!(
                "`{text}`: `m` is ambiguous (minutes or months?): write {n}min, or {}d for months",
                n.saturating_mul(30)
            ));
        }
        "" => {
            return Err(format!(
                "`{text}`: add a unit: s, min, h, d or w (e.g. {n}d)"
            ));
        }
        other => return Err(format!("`{other}`: unknown unit (s, min, h, d, w)")),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// What one prune removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub bytes: u64,
    /// Old sessions kept because they are still open (not done or failed).
    pub kept_open: usize,
    /// The ids removed (or, on a dry run, that would be), oldest activity first.
    pub ids: Vec<String>,
}

fn tree_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|d| d.filter_map(Result::ok).map(|e| tree_size(&e.path())).sum())
        .unwrap_or(0)
}

/// Remove finished sessions (done or failed) whose log was last written more than `age`
/// ago, with their output directories. Open sessions (running, waiting, interrupted, in use
/// by a console) and the audit log are left alone. `dry_run` only lists them.
pub fn prune(paths: &Paths, age: Duration, dry_run: bool) -> anyhow::Result<Pruned> {
    let cutoff = SystemTime::now()
        .checked_sub(age)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut pruned = Pruned::default();
    for summary in session::list(paths)? {
        let log = paths.sessions_dir().join(format!("{}.jsonl", summary.id));
        let modified = std::fs::metadata(&log).and_then(|m| m.modified());
        let Ok(modified) = modified else { continue };
        if modified > cutoff {
            continue;
        }
        if !matches!(summary.state, SessionState::Done | SessionState::Failed) {
            pruned.kept_open += 1;
            continue;
        }
        let outputs = paths.outputs_dir().join(&summary.id);
        pruned.bytes += tree_size(&log) + tree_size(&outputs);
        pruned.sessions += 1;
        pruned.ids.push(summary.id.clone());
        if dry_run {
            continue;
        }
        if outputs.is_dir() {
            std::fs::remove_dir_all(&outputs)
                .map_err(|e| anyhow::anyhow!("{}: {e}", outputs.display()))?;
        }
        std::fs::remove_file(&log).map_err(|e| anyhow::anyhow!("{}: {e}", log.display()))?;
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_with_units() {
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("90min"), Ok(Duration::from_secs(90 * 60)));
        assert_eq!(parse_age("45s"), Ok(Duration::from_secs(45)));
        assert!(parse_age("d").is_err());
        assert!(parse_age("3y").is_err());
        assert!(parse_age("30").is_err(), "no unit");
        let m = parse_age("1m").err().unwrap_or_default();
        assert!(
            m.contains("ambiguous") && m.contains("1min") && m.contains("30d"),
            "{m}"
        );
    }
}
