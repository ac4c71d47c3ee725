//! The Markdown export: what a team pastes into a postmortem document. Untrusted text is
//! either inside a code fence longer than any backtick run it holds, or escaped inline.

use std::fmt::Write;

use super::{CallView, Entry, Timeline};

/// Escape text for inline Markdown: one line, control characters neutralized, Markdown and
/// HTML punctuation backslash-escaped.
fn inline(text: &str) -> String {
    let line = crate::text::neutralize_line(text);
    let mut out = String::with_capacity(line.len());
    for ch in line.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A fenced code block that `text` cannot close early.
fn fenced(out: &mut String, lang: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let body = crate::text::neutralize(text);
    let _ = writeln!(
        out,
        "{fence}{lang}\n{}\n{fence}",
        body.trim_end_matches('\n')
    );
}

/// Inline code that `text` cannot close early.
fn code(text: &str) -> String {
    let line = crate::text::neutralize_line(text);
    let longest = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    format!("{ticks} {line} {ticks}")
}

/// Render `t` as Markdown.
pub fn render(t: &Timeline) -> String {
    let mut out = String::new();
    let a = &t.alert;
    let _ = writeln!(out, "# Incident timeline: {}\n", inline(&a.title));
    let _ = writeln!(out, "- Session: {}", code(&t.session_id));
    let _ = writeln!(out, "- Started: {}", t.started_at);
    let _ = writeln!(
        out,
        "- Model: {} ({}), mode {}",
        inline(&t.model),
        inline(&t.provider),
        t.mode
    );
    if let Some(o) = &t.outcome {
        let _ = writeln!(
            out,
            "- Outcome: {} at {}: {}",
            o.state,
            o.at,
            inline(&o.reason)
        );
    }
    if let Some(state) = &t.resolution {
        match &t.resolution_note {
            Some(note) => {
                let _ = writeln!(out, "- Resolution: {state} ({})", inline(note));
            }
            None => {
                let _ = writeln!(out, "- Resolution: {state}");
            }
        }
    }
    out.push_str("\n## Alert\n\n");
    let _ = writeln!(out, "- Source: {}", a.source);
    let _ = writeln!(out, "- Status: {}", a.status);
    let opt = |label: &str, v: &Option<String>, out: &mut String| {
        if let Some(v) = v {
            let _ = writeln!(out, "- {label}: {}", inline(v));
        }
    };
    opt("Severity", &a.severity, &mut out);
    opt("Host", &a.host, &mut out);
    opt("Starts at", &a.starts_at, &mut out);
    opt("URL", &a.url, &mut out);
    for (k, v) in &a.labels {
        let _ = writeln!(out, "- Label {}: {}", code(k), inline(v));
    }
    if let Some(d) = &a.description {
        out.push_str("\nDescription:\n\n");
        fenced(&mut out, "text", d);
    }
    out.push_str("\nRaw payload:\n\n");
    fenced(&mut out, "json", &a.raw);
    out.push_str("\n## Timeline\n");
    for entry in &t.entries {
        match entry {
            Entry::ModelMessage { at, text } => {
                let _ = writeln!(out, "\n### {at} — model\n");
                fenced(&mut out, "text", text);
            }
            Entry::OperatorMessage { at, text } => {
                let _ = writeln!(out, "\n### {at} — operator message\n");
                fenced(&mut out, "text", text);
            }
            Entry::Note { at, level, text } => {
                let _ = writeln!(out, "\n### {at} — {level}\n\n{}", inline(text));
            }
            Entry::Call(call) => render_call(&mut out, call),
        }
    }
    out.push_str("\n## Audit chain\n\n");
    match (&t.audit.first_hash, &t.audit.last_hash) {
        (Some(first), Some(last)) => {
            let _ = writeln!(
                out,
                "{} audit records for this session; check them with `opsassist audit verify`.\n",
                t.audit.records.len()
            );
            let _ = writeln!(out, "- First record hash: `{first}`");
            let _ = writeln!(out, "- Last record hash: `{last}`");
            out.push_str("\n| seq | time | operator | record | call | hash |\n");
            out.push_str("|---|---|---|---|---|---|\n");
            for rec in &t.audit.records {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | `{}` |",
                    rec.seq,
                    inline(&rec.time),
                    inline(&rec.operator),
                    inline(&rec.kind),
                    inline(rec.call_id.as_deref().unwrap_or("")),
                    rec.hash
                );
            }
        }
        _ => out.push_str("No audit records found for this session.\n"),
    }
    out
}

fn render_call(out: &mut String, c: &CallView) {
    let _ = writeln!(
        out,
        "\n### {} — call {} ({})\n",
        c.at,
        code(&c.call_id),
        c.class
    );
    let _ = writeln!(out, "- Tool: {} on {}", code(&c.tool), inline(&c.target));
    let _ = writeln!(out, "- Command: {}", code(&c.command));
    let _ = writeln!(out, "- Class: {} ({})", c.class, inline(&c.class_reason));
    if let Some(reason) = &c.reason {
        let _ = writeln!(out, "- Model's reason: {}", inline(reason));
    }
    for why in &c.reasked {
        let _ = writeln!(out, "- Re-asked: {}", inline(why));
    }
    match &c.decision {
        Some(d) => {
            let what = match d.kind.as_str() {
                "approved" => "approved",
                "auto_approved" => "auto-approved",
                "edited" => "edited",
                "rejected" => "rejected",
                _ => "refused by opsassist",
            };
            let why = match (d.kind.as_str(), &d.detail, &d.class_after) {
                ("auto_approved", Some(rule), _) => format!(" (rule: {})", inline(rule)),
                ("edited", _, Some(class)) => format!(" (now {class})"),
                (_, Some(reason), _) => format!(": {}", inline(reason)),
                _ => String::new(),
            };
            let by = match (&d.operator, &d.audit_time) {
                (Some(op), Some(time)) => format!(" — {} at {}", inline(op), inline(time)),
                _ => format!(" — at {}", d.at),
            };
            let what = format!("**{what}**{why}");
            let _ = writeln!(out, "- Decision: {what}{by}");
            if let Some(diff) = &d.diff {
                out.push_str("\nEdit:\n\n");
                fenced(out, "diff", diff);
            }
        }
        None => out.push_str("- Decision: none recorded\n"),
    }
    if let Some(e) = &c.execution {
        let _ = writeln!(
            out,
            "\nExecution at {}: {}, {} ms, {} bytes of output, sha256 `{}`{}\n",
            e.at,
            inline(&e.status),
            e.duration_ms,
            e.output_bytes,
            if e.output_sha256.is_empty() {
                "-"
            } else {
                &e.output_sha256
            },
            if e.redactions > 0 {
                format!(", {} secrets redacted", e.redactions)
            } else {
                String::new()
            }
        );
        if e.interrupted {
            out.push_str("The command was running when opsassist stopped; it was not re-run.\n");
        } else {
            fenced(out, "text", &e.excerpt);
            if e.excerpt_truncated {
                out.push_str("\n(excerpt; the full output is in the session's output file)\n");
            }
        }
    }
}
