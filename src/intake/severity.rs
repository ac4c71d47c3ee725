//! Severity ranks across sources, for `[intake] min_severity`: every source's own word
//! (`critical`, `P2`, `Disaster`, `warning`, `high`…) mapped to one of four ranks.

/// The four ranks, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Info,
    Warning,
    Error,
    Critical,
}

/// The rank of a source's severity word; None when the word is not known.
pub fn rank(word: &str) -> Option<Rank> {
    let w = word.trim().to_ascii_lowercase();
    Some(match w.as_str() {
        "info" | "information" | "informational" | "notice" | "low" | "p5" | "not classified"
        | "none" | "ok" | "success" | "debug" => Rank::Info,
        "warning" | "warn" | "average" | "minor" | "p4" | "p3" | "moderate" | "medium" => {
            Rank::Warning
        }
        "error" | "high" | "major" | "p2" | "severe" => Rank::Error,
        "critical" | "crit" | "disaster" | "fatal" | "emergency" | "p1" | "page" | "urgent" => {
            Rank::Critical
        }
        _ => return None,
    })
}

/// True when an alert of `severity` may auto-start under `min`. An alert without a known
/// severity counts as `warning`.
pub fn passes(severity: Option<&str>, min: Option<Rank>) -> bool {
    let Some(min) = min else {
        return true;
    };
    severity.and_then(rank).unwrap_or(Rank::Warning) >= min
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_from_every_source_rank() {
        assert_eq!(rank("Disaster"), Some(Rank::Critical));
        assert_eq!(rank("P2"), Some(Rank::Error));
        assert_eq!(rank(" warning "), Some(Rank::Warning));
        assert_eq!(rank("Information"), Some(Rank::Info));
        assert_eq!(rank("purple"), None);
        assert!(passes(Some("critical"), Some(Rank::Error)));
        assert!(!passes(Some("info"), Some(Rank::Warning)));
        assert!(!passes(None, Some(Rank::Error)));
        assert!(passes(None, None));
    }
}
