//! The summary at the top of the HTML postmortem: the alert, the impact window, resolution
//! and verification, the diagnosis (the model's last message) and who decided each call.

use std::fmt::Write;

use super::html::escape;
use super::{CallView, Entry, Timeline};

/// Write the summary section of `t`.
pub(super) fn render(o: &mut String, t: &Timeline) {
    let a = &t.alert;
    o.push_str("<section class=\"summary\"><h2>Summary</h2><dl>\n");
    let severity = a
        .severity
        .as_deref()
        .map(|s| format!("[{}] ", escape(s)))
        .unwrap_or_default();
    let host = a
        .host
        .as_deref()
        .map(|h| format!(" on <b>{}</b>", escape(h)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "<dt>Alert</dt><dd>{severity}{}{host} ({}, {})</dd>",
        escape(&a.title),
        escape(&a.source),
        escape(&a.status)
    );
    let _ = writeln!(o, "<dt>Impact window</dt><dd>{}</dd>", impact_window(t));
    let _ = writeln!(o, "<dt>Resolution</dt><dd>{}</dd>", resolution(t));
    match diagnosis(t) {
        Some(text) => {
            let _ = writeln!(o, "<dt>Diagnosis</dt><dd><pre>{}</pre></dd>", escape(text));
        }
        None => o.push_str("<dt>Diagnosis</dt><dd>the model wrote none</dd>\n"),
    }
    o.push_str("<dt>Who decided what</dt><dd>");
    let calls: Vec<&CallView> = t
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) => Some(c.as_ref()),
            _ => None,
        })
        .collect();
    if calls.is_empty() {
        o.push_str("no command was proposed");
    } else {
        o.push_str("<ul>");
        for call in calls {
            let _ = write!(
                o,
                "<li><code>{}</code> on {}: {}{}</li>",
                escape(&call.command),
                escape(&call.target),
                decided(call),
                call.execution
                    .as_ref()
                    .map(|e| format!(" → {}", escape(&e.status)))
                    .unwrap_or_default()
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</dd>\n</dl></section>\n");
}

/// From when the alert says it began (else when the session started) to when the session
/// finished, or "still open".
fn impact_window(t: &Timeline) -> String {
    let (start, what) = match &t.alert.starts_at {
        Some(at) => (at.as_str(), "the alert began"),
        None => (t.started_at.as_str(), "the session started"),
    };
    let end = match &t.outcome {
        Some(out) => format!(
            "{} (the session ended: {})",
            escape(&out.at),
            escape(&out.state)
        ),
        None => "still open when exported".to_string(),
    };
    format!("{} ({what}) to {end}", escape(start))
}

/// Resolution and verification: what the session's resolution says, with the outcome.
fn resolution(t: &Timeline) -> String {
    let mut out = match &t.resolution {
        Some(state) => {
            let note = t
                .resolution_note
                .as_deref()
                .map(|n| format!(": {}", escape(n)))
                .unwrap_or_default();
            format!("<b>{}</b>{note}", escape(state))
        }
        None => "nothing was changed".to_string(),
    };
    if let Some(outcome) = &t.outcome {
        let _ = write!(
            out,
            "; session {} at {}: {}",
            escape(&outcome.state),
            escape(&outcome.at),
            escape(&outcome.reason)
        );
    }
    out
}

/// The model's last message: its diagnosis as it stood at the end.
fn diagnosis(t: &Timeline) -> Option<&str> {
    t.entries.iter().rev().find_map(|e| match e {
        Entry::ModelMessage { text, .. } if !text.trim().is_empty() => Some(text.as_str()),
        _ => None,
    })
}

/// "approved by alice at …", "auto-approved by rule …", "rejected by bob: …", "refused by
/// the policy: …", or "no decision recorded".
pub(super) fn decided(call: &CallView) -> String {
    let Some(d) = &call.decision else {
        return "no decision recorded".to_string();
    };
    let by = d
        .operator
        .as_deref()
        .map(|op| format!(" by <b>{}</b>", escape(op)))
        .unwrap_or_default();
    let detail = d
        .detail
        .as_deref()
        .map(|x| format!(": {}", escape(x)))
        .unwrap_or_default();
    match d.kind.as_str() {
        "auto_approved" => {
            format!("<span class=\"auto_approved\">auto-approved</span> by rule{detail}")
        }
        "refused" => {
            format!("<span class=\"refused\">refused</span> by opsassist's policy{detail}")
        }
        "edited" => format!("<span class=\"edited\">edited and approved</span>{by}"),
        kind => format!(
            "<span class=\"{}\">{}</span>{by}{detail}",
            escape(kind),
            escape(&kind.replace('_', "-"))
        ),
    }
}
