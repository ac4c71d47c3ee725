//! Text helpers for incident events: model and command text split into neutralised lines,
//! one-line reasons, the alert header and a finished call's output preview.

use crate::alert::Alert;
use crate::protocol::ExecSummary;
use crate::text::{neutralize, neutralize_line};

use super::transcript_store::{OutputView, PREVIEW_LINES};

pub(super) fn split_lines(text: &str) -> Vec<String> {
    let clean = neutralize(text).replace('\t', "    ");
    clean.split('\n').map(str::to_string).collect()
}

/// Longest reason kept in the transcript, in characters.
const MAX_REASON: usize = 300;

/// A model-written reason on one bounded line: whitespace runs become one space.
pub(super) fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut line = neutralize_line(&flat);
    if let Some((cut, _)) = line.char_indices().nth(MAX_REASON) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

pub(super) fn alert_lines(alert: &Alert) -> Vec<String> {
    let mut lines = vec![neutralize_line(&format!(
        "ALERT {} · {} · {}",
        alert.source,
        alert.status.name(),
        alert.summary_line()
    ))];
    if let Some(desc) = &alert.description {
        let desc = split_lines(desc);
        let extra = desc.len().saturating_sub(8);
        lines.extend(desc.into_iter().take(8).map(|l| format!("  {l}")));
        if extra > 0 {
            lines.push(format!("  … ({extra} more lines)"));
        }
    }
    if let Some(at) = &alert.starts_at {
        lines.push(neutralize_line(&format!("  since {at}")));
    }
    if let Some(url) = &alert.url {
        lines.push(neutralize_line(&format!("  {url}")));
    }
    lines
}

pub(super) fn preview(summary: &ExecSummary) -> OutputView {
    let all = if summary.model_output.is_empty() {
        Vec::new()
    } else {
        split_lines(summary.model_output.trim_end_matches('\n'))
    };
    // A finished command's preview is its last lines (where the result usually is).
    let total_lines = all.len();
    let skip = total_lines.saturating_sub(PREVIEW_LINES);
    OutputView {
        path: summary.output_path.clone(),
        total_lines,
        preview: all.into_iter().skip(skip).collect(),
        expanded: false,
        index: None,
        loading: false,
        window_start: 0,
        window: Vec::new(),
        error: None,
        partial: summary.model_output.contains(" bytes omitted]")
            || summary.stdout_bytes + summary.stderr_bytes
                > summary.model_output.len() as u64 + 1024,
    }
}
