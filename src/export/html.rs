//! The HTML export: one self-contained page (inline CSS, no scripts, no external resources)
//! that a team pastes into a postmortem: a summary first, the alert with its raw payload
//! folded, the timeline (edit diffs coloured), the audit chain. Every text is HTML-escaped,
//! since alert text and command output are untrusted, and long text wraps at any width.

use std::fmt::Write;

use super::{CallView, Entry, Timeline};

/// Long words (URLs, hashes, base64) wrap anywhere, `pre` wraps its lines, and tables fit
/// the page: nothing scrolls sideways, on a phone either.
const STYLE: &str = "*{box-sizing:border-box}\
body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222;overflow-wrap:anywhere}\
pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}\
code{background:#f4f4f4;padding:0 .2em;overflow-wrap:anywhere}\
.entry{border-left:3px solid #ccc;padding-left:.8em;margin:1em 0}\
.call{border-color:#36c}.rejected,.refused{color:#b00}.approved,.auto_approved{color:#070}.edited{color:#a60}\
.summary{background:#f7f9fc;border:1px solid #d5dbe5;padding:.2em 1em 1em}\
.summary dt{font-weight:bold;margin-top:.6em}.summary dd{margin-left:1em}\
.diff .del{background:#fde8e8;color:#9b1c1c}.diff .add{background:#e6f4ea;color:#1e6b34}.diff .same{color:#555}\
details{margin:.6em 0}summary{cursor:pointer}\
table{border-collapse:collapse;width:100%;table-layout:fixed}\
td,th{border:1px solid #ccc;padding:.2em .4em;font-size:.9em;overflow-wrap:anywhere;word-break:break-word;vertical-align:top}";

/// Escape `text` for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let text = crate::text::neutralize(text);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Render `t` as one HTML document.
pub fn render(t: &Timeline) -> String {
    let mut o = String::new();
    let a = &t.alert;
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Incident timeline: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&a.title)
    );
    let _ = writeln!(o, "<h1>Incident: {}</h1>", escape(&a.title));
    let _ = writeln!(
        o,
        "<p>Session <code>{}</code>, started {}, model {} ({}), mode {}</p>",
        escape(&t.session_id),
        escape(&t.started_at),
        escape(&t.model),
        escape(&t.provider),
        escape(&t.mode)
    );
    super::html_summary::render(&mut o, t);
    o.push_str("<h2>Alert</h2>\n<ul>");
    let _ = write!(
        o,
        "<li>Source: {}</li><li>Status: {}</li>",
        escape(&a.source),
        escape(&a.status)
    );
    for (label, value) in [
        ("Severity", &a.severity),
        ("Host", &a.host),
        ("Starts at", &a.starts_at),
        ("URL", &a.url),
    ] {
        if let Some(v) = value {
            let _ = write!(o, "<li>{label}: {}</li>", escape(v));
        }
    }
    for (k, v) in &a.labels {
        let _ = write!(
            o,
            "<li>Label <code>{}</code>: {}</li>",
            escape(k),
            escape(v)
        );
    }
    o.push_str("</ul>\n");
    if let Some(d) = &a.description {
        let _ = writeln!(o, "<p>Description:</p><pre>{}</pre>", escape(d));
    }
    let _ = writeln!(
        o,
        "<details><summary>Raw payload ({} lines)</summary><pre>{}</pre></details>",
        a.raw.lines().count(),
        escape(&a.raw)
    );
    o.push_str("<h2>Timeline</h2>\n");
    for entry in &t.entries {
        match entry {
            Entry::ModelMessage { at, text } => {
                let _ = writeln!(
                    o,
                    "<div class=\"entry\"><h3>{} — model</h3><pre>{}</pre></div>",
                    escape(at),
                    escape(text)
                );
            }
            Entry::OperatorMessage { at, text } => {
                let _ = writeln!(
                    o,
                    "<div class=\"entry\"><h3>{} — operator message</h3><pre>{}</pre></div>",
                    escape(at),
                    escape(text)
                );
            }
            Entry::Note { at, level, text } => {
                let _ = writeln!(
                    o,
                    "<div class=\"entry\"><h3>{} — {}</h3><p>{}</p></div>",
                    escape(at),
                    escape(level),
                    escape(text)
                );
            }
            Entry::Call(call) => render_call(&mut o, call),
        }
    }
    o.push_str("<h2>Audit chain</h2>\n");
    match (&t.audit.first_hash, &t.audit.last_hash) {
        (Some(first), Some(last)) => {
            let _ = writeln!(
                o,
                "<p>{} audit records for this session; check them with <code>opsassist audit verify</code>.</p>\
                 <ul><li>First record hash: <code>{}</code></li><li>Last record hash: <code>{}</code></li></ul>",
                t.audit.records.len(),
                escape(first),
                escape(last)
            );
            o.push_str("<table><tr><th>seq</th><th>time</th><th>operator</th><th>record</th><th>call</th><th>hash</th></tr>\n");
            for r in &t.audit.records {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                    r.seq,
                    escape(&r.time),
                    escape(&r.operator),
                    escape(&r.kind),
                    escape(r.call_id.as_deref().unwrap_or("")),
                    escape(&r.hash)
                );
            }
            o.push_str("</table>\n");
        }
        _ => o.push_str("<p>No audit records found for this session.</p>\n"),
    }
    o.push_str("</body></html>\n");
    o
}

fn render_call(o: &mut String, c: &CallView) {
    let _ = writeln!(
        o,
        "<div class=\"entry call\"><h3>{} — call <code>{}</code> ({})</h3><ul>",
        escape(&c.at),
        escape(&c.call_id),
        escape(&c.class)
    );
    let _ = write!(
        o,
        "<li>Tool: <code>{}</code> on {}</li><li>Command: <code>{}</code></li><li>Class: {} ({})</li>",
        escape(&c.tool),
        escape(&c.target),
        escape(&c.command),
        escape(&c.class),
        escape(&c.class_reason)
    );
    if let Some(reason) = &c.reason {
        let _ = write!(o, "<li>Model's reason: {}</li>", escape(reason));
    }
    for why in &c.reasked {
        let _ = write!(o, "<li>Re-asked: {}</li>", escape(why));
    }
    match &c.decision {
        Some(d) => {
            // Who decided: the operator of the audit record, the rule of an auto-approval,
            // opsassist's own policy for a refusal (never the account that ran it).
            let _ = write!(
                o,
                "<li>Decision: {} at {}</li>",
                super::html_summary::decided(c),
                escape(d.audit_time.as_deref().unwrap_or(&d.at))
            );
            o.push_str("</ul>");
            if let Some(diff) = &d.diff {
                o.push_str("<p>Edit:</p>");
                render_diff(o, diff);
            }
        }
        None => o.push_str("<li>Decision: none recorded</li></ul>"),
    }
    if let Some(e) = &c.execution {
        let _ = write!(
            o,
            "<p>Execution at {}: {}, {} ms, {} bytes of output, sha256 <code>{}</code>, {} secrets redacted</p>",
            escape(&e.at),
            escape(&e.status),
            e.duration_ms,
            e.output_bytes,
            escape(&e.output_sha256),
            e.redactions
        );
        if !e.interrupted {
            let _ = write!(o, "<pre>{}</pre>", escape(&e.excerpt));
        }
    }
    o.push_str("</div>\n");
}

/// A [`line_diff`](super::views::line_diff): removed lines red, added lines green.
fn render_diff(o: &mut String, diff: &str) {
    o.push_str("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = if line.starts_with("- ") {
            "del"
        } else if line.starts_with("+ ") {
            "add"
        } else {
            "same"
        };
        let _ = writeln!(o, "<span class=\"{class}\">{}</span>", escape(line));
    }
    o.push_str("</pre>");
}
