//! The per-step views of a [`Timeline`](super::Timeline): a call's proposal, decision (with the
//! operator and time from the audit log, and an edit's diff), execution and output excerpt,
//! and the session's audit records.

use super::timeline::{AuditRef, AuditView, CallView, DecisionView, ExecView};
use crate::audit::Record;
use crate::policy::Redactor;
use crate::protocol::{ExecSummary, Proposal, Verdict};

/// Lines of command output kept in an excerpt.
const EXCERPT_LINES: usize = 40;
/// Characters of command output kept in an excerpt.
const EXCERPT_CHARS: usize = 4000;

pub(super) fn audit_view(own: &[&Record]) -> AuditView {
    AuditView {
        first_hash: own.first().map(|r| r.hash.clone()),
        last_hash: own.last().map(|r| r.hash.clone()),
        records: own
            .iter()
            .map(|rec| AuditRef {
                seq: rec.seq,
                time: rec.time.clone(),
                operator: rec.operator.clone(),
                kind: str_field(&rec.entry, "kind").unwrap_or_default(),
                call_id: str_field(&rec.entry, "call_id"),
                hash: rec.hash.clone(),
            })
            .collect(),
    }
}

pub(super) fn str_field(value: &serde_json::Value, name: &str) -> Option<String> {
    value.get(name).and_then(|v| v.as_str()).map(str::to_string)
}

pub(super) fn call_view(p: &Proposal, at: String, r: &dyn Fn(&str) -> String) -> CallView {
    CallView {
        call_id: p.call_id.clone(),
        at,
        tool: r(&p.tool),
        target: r(&p.target.to_string()),
        command: r(&p.command),
        class: p.class.as_str().to_string(),
        class_reason: r(&p.class_reason),
        reason: p.reason.as_deref().map(r),
        reasked: Vec::new(),
        decision: None,
        execution: None,
    }
}

pub(super) fn decision_view(
    verdict: &Verdict,
    at: String,
    call_id: &str,
    own: &[&Record],
    r: &dyn Fn(&str) -> String,
) -> DecisionView {
    // The audit record of the decision (the edit record for edits) names operator and time.
    let of_call = |kind: &str| {
        own.iter().rev().find(|rec| {
            str_field(&rec.entry, "call_id").as_deref() == Some(call_id)
                && str_field(&rec.entry, "kind").as_deref() == Some(kind)
        })
    };
    let record = of_call("decision").or_else(|| of_call("edit"));
    let mut view = DecisionView {
        kind: String::new(),
        detail: None,
        before: None,
        after: None,
        diff: None,
        class_after: None,
        at,
        operator: record.map(|rec| rec.operator.clone()),
        audit_time: record.map(|rec| rec.time.clone()),
    };
    match verdict {
        Verdict::Approved => view.kind = "approved".into(),
        Verdict::AutoApproved { rule } => {
            view.kind = "auto_approved".into();
            view.detail = Some(r(rule));
        }
        Verdict::Edited {
            before,
            after,
            class,
        } => {
            let (before, after) = (r(before), r(after));
            view.kind = "edited".into();
            view.diff = Some(line_diff(&before, &after));
            view.before = Some(before);
            view.after = Some(after);
            view.class_after = class.map(|c| c.as_str().to_string());
        }
        Verdict::Rejected { reason } => {
            view.kind = "rejected".into();
            view.detail = Some(r(reason));
        }
        Verdict::Refused { reason } => {
            view.kind = "refused".into();
            view.detail = Some(r(reason));
        }
    }
    view
}

/// A line diff of two short texts: common leading and trailing lines kept with two spaces,
/// the differing middle as `- ` lines then `+ ` lines.
pub fn line_diff(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = Vec::new();
    out.extend(a[..head].iter().map(|l| format!("  {l}")));
    out.extend(a[head..a.len() - tail].iter().map(|l| format!("- {l}")));
    out.extend(b[head..b.len() - tail].iter().map(|l| format!("+ {l}")));
    out.extend(a[a.len() - tail..].iter().map(|l| format!("  {l}")));
    out.join("\n")
}

pub(super) fn exec_view(s: &ExecSummary, at: String, redactor: &Redactor) -> ExecView {
    let status = if s.interrupted {
        crate::audit::INTERRUPTED.to_string()
    } else if let Some(err) = &s.connection_error {
        format!("connection error: {}", redactor.redact(err).text)
    } else if s.timed_out {
        "timed out".to_string()
    } else if let Some(code) = s.exit_code {
        format!("exit {code}")
    } else if let Some(sig) = s.signal {
        format!("killed by signal {sig}")
    } else {
        "no exit status".to_string()
    };
    let redacted = redactor.redact_output(&s.command, &s.model_output).text;
    let (excerpt, excerpt_truncated) = excerpt(&redacted);
    ExecView {
        at,
        command: redactor.redact(&s.command).text,
        status,
        exit_code: s.exit_code,
        signal: s.signal,
        duration_ms: s.duration_ms,
        timed_out: s.timed_out,
        interrupted: s.interrupted,
        connection_error: s
            .connection_error
            .as_deref()
            .map(|e| redactor.redact(e).text),
        output_bytes: s.stdout_bytes.saturating_add(s.stderr_bytes),
        output_sha256: s.output_sha256.clone(),
        redactions: s.redactions,
        excerpt,
        excerpt_truncated,
    }
}

/// The first [`EXCERPT_LINES`] lines / [`EXCERPT_CHARS`] characters of `text`.
pub(super) fn excerpt(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut truncated = false;
    for (i, line) in text.lines().enumerate() {
        let used = out.chars().count();
        if i >= EXCERPT_LINES || used + line.chars().count() > EXCERPT_CHARS {
            if i > 0 && i < EXCERPT_LINES {
                out.push('\n');
            }
            if i < EXCERPT_LINES {
                out.extend(line.chars().take(EXCERPT_CHARS.saturating_sub(used)));
            }
            truncated = true;
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    (out, truncated)
}

#[cfg(test)]
mod tests {
    use super::line_diff;

    #[test]
    fn diff_marks_only_the_changed_lines() {
        assert_eq!(line_diff("top", "top -b -n 1"), "- top\n+ top -b -n 1");
        assert_eq!(line_diff("a\nb\nc", "a\nx\nc"), "  a\n- b\n+ x\n  c");
        assert_eq!(line_diff("same", "same"), "  same");
    }

    #[test]
    fn excerpt_keeps_the_head_of_an_over_long_output() {
        let (text, cut) = super::excerpt(&"x".repeat(10_000));
        assert!(cut);
        assert_eq!(text.len(), super::EXCERPT_CHARS);
        let many: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let (text, cut) = super::excerpt(&many);
        assert!(cut);
        assert_eq!(text.lines().count(), super::EXCERPT_LINES);
        assert_eq!(super::excerpt("a\nb"), ("a\nb".to_string(), false));
    }
}
