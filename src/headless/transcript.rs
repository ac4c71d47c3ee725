//! The human transcript of a headless session: events and approval prompts as plain text,
//! with untrusted text neutralised.

use std::collections::HashSet;
use std::io::Write;

use crate::protocol::{DecisionKind, Event, EventEnvelope, Proposal, Verdict};
use crate::text::{neutralize, neutralize_line};

/// Renders events as a human transcript. Untrusted text is neutralised.
#[derive(Debug, Default)]
pub struct Transcript {
    mid_line: bool,
    streamed: bool,
    /// Calls already printed by `CallProposed` (older logs only have `ApprovalRequested`).
    shown: HashSet<String>,
    /// Start each block with its time (`[03:12:04]`), as `sessions show` does.
    pub times: bool,
    /// The prefix the next `Decided` (of this call id) remembered for the incident.
    remembered: Option<(String, String)>,
}

impl Transcript {
    /// Whether `event` prints a new block (so its time goes in front of it).
    fn starts_block(&self, event: &Event) -> bool {
        match event {
            Event::SessionStarted { .. }
            | Event::UserMessage { .. }
            | Event::CallProposed { .. }
            | Event::ApprovalReasked(..)
            | Event::Decided { .. }
            | Event::ExecStarted { .. }
            | Event::Note { .. }
            | Event::Warning { .. }
            | Event::Error { .. }
            | Event::Resolved { .. }
            | Event::ExecFinished { .. }
            | Event::Finished { .. }
            | Event::PrefixForgotten { .. }
            | Event::SourceStatus { .. } => true,
            Event::ApprovalRequested { proposal } => !self.shown.contains(&proposal.call_id),
            Event::ModelDelta { text } => !self.streamed && !text.is_empty(),
            Event::ModelText { text, .. } => !self.streamed && !text.is_empty(),
            _ => false,
        }
    }

    fn end_line(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.mid_line {
            writeln!(out)?;
            self.mid_line = false;
        }
        Ok(())
    }

    /// Write one event; streamed deltas are printed as they come.
    pub fn render(&mut self, envelope: &EventEnvelope, out: &mut dyn Write) -> std::io::Result<()> {
        if self.times && self.starts_block(&envelope.event) {
            self.end_line(out)?;
            write!(out, "[{}] ", envelope.at.format("%H:%M:%S"))?;
        }
        match &envelope.event {
            Event::SessionStarted {
                alert,
                provider,
                model,
                mode,
            } => {
                writeln!(
                    out,
                    "▶ session {} · {} · {provider}/{} · mode {}",
                    envelope.session_id,
                    neutralize_line(&alert.summary_line()),
                    neutralize_line(model),
                    if *mode == crate::protocol::Mode::Check {
                        "check"
                    } else {
                        "heal"
                    }
                )?;
            }
            // Reasoning stays in the session log; the headless transcript shows answers only.
            Event::ThinkingDelta { .. } => {}
            Event::ModelDelta { text } => {
                write!(out, "{}", neutralize(text))?;
                self.mid_line = !text.ends_with('\n');
                self.streamed = true;
            }
            Event::ModelText { text, .. } => {
                if !self.streamed && !text.is_empty() {
                    write!(out, "{}", neutralize(text))?;
                    self.mid_line = !text.ends_with('\n');
                }
                self.end_line(out)?;
                self.streamed = false;
            }
            Event::UserMessage { text } => {
                self.end_line(out)?;
                writeln!(out, "» you: {}", neutralize(text))?;
            }
            Event::CallProposed { proposal } => {
                self.end_line(out)?;
                self.shown.insert(proposal.call_id.clone());
                write_call(proposal, out)?;
            }
            Event::ApprovalRequested { proposal } => {
                self.end_line(out)?;
                if self.shown.insert(proposal.call_id.clone()) {
                    write_call(proposal, out)?;
                }
                write_offer(proposal, out)?;
            }
            Event::ApprovalReasked(crate::protocol::Reask {
                why,
                command,
                class,
                class_reason,
                needs_confirm,
                edit,
                ..
            }) => {
                self.end_line(out)?;
                writeln!(out, "↺ asked again: {}", neutralize_line(why))?;
                if edit.is_some() {
                    writeln!(out, "│ edited:  {}", neutralize_line(command))?;
                }
                writeln!(
                    out,
                    "│ class:   {} ({}){}",
                    class.as_str().to_uppercase(),
                    neutralize_line(class_reason),
                    if *needs_confirm {
                        " · type `yes` to confirm"
                    } else {
                        ""
                    }
                )?;
            }
            Event::PrefixRemembered {
                call_id, prefix, ..
            } => {
                self.remembered = Some((call_id.clone(), prefix.clone()));
            }
            Event::PrefixForgotten { prefix, target } => {
                self.end_line(out)?;
                writeln!(
                    out,
                    "✘ revoked the remembered prefix `{}` on {target}: later calls are asked again",
                    neutralize_line(prefix)
                )?;
            }
            Event::Decided { verdict, call_id } => {
                self.end_line(out)?;
                let remembered = self
                    .remembered
                    .take()
                    .filter(|(id, _)| id == call_id)
                    .map(|(_, prefix)| prefix);
                match verdict {
                    Verdict::Approved => match remembered {
                        Some(prefix) => writeln!(
                            out,
                            "✔ approved · remembered `{}` for this incident",
                            neutralize_line(&prefix)
                        )?,
                        None => writeln!(out, "✔ approved")?,
                    },
                    Verdict::AutoApproved { rule } => {
                        writeln!(out, "✔ approved automatically ({})", neutralize_line(rule))?
                    }
                    Verdict::Edited {
                        before,
                        after,
                        class,
                    } => writeln!(
                        out,
                        "✎ edited: {} → {}{}",
                        neutralize_line(before),
                        neutralize_line(after),
                        class.map_or(String::new(), |c| format!(" [{}]", c.as_str()))
                    )?,
                    Verdict::Rejected { reason } => {
                        writeln!(out, "✘ rejected: {}", neutralize_line(reason))?
                    }
                    Verdict::Refused { reason } => {
                        writeln!(out, "⛔ refused: {}", neutralize_line(reason))?
                    }
                }
            }
            Event::ExecStarted {
                target, command, ..
            } => {
                self.end_line(out)?;
                writeln!(out, "$ {}    [on {target}]", neutralize_line(command))?;
            }
            Event::ExecFinished { summary } => {
                // Older logs say it only in the text recovery wrote.
                let interrupted = summary.interrupted
                    || (summary.exit_code.is_none()
                        && summary.signal.is_none()
                        && summary.model_output.starts_with(crate::audit::INTERRUPTED));
                let status = match (summary.exit_code, summary.signal) {
                    _ if interrupted => crate::audit::INTERRUPTED.to_string(),
                    _ if summary.cancelled => format!(
                        "cancelled by operator after {:.1} s",
                        summary.duration_ms as f64 / 1000.0
                    ),
                    _ if summary.timed_out => "timed out".to_string(),
                    _ if summary.connection_error.is_some() => format!(
                        "ssh failed: {}",
                        neutralize_line(summary.connection_error.as_deref().unwrap_or(""))
                    ),
                    (Some(code), _) => format!("exit {code}"),
                    (None, Some(signal)) => format!("signal {signal}"),
                    (None, None) => "no exit status".into(),
                };
                for line in summary.model_output.lines() {
                    writeln!(out, "  │ {}", neutralize_line(line))?;
                }
                let redacted = if summary.redactions > 0 {
                    format!(", {} secret(s) masked", summary.redactions)
                } else {
                    String::new()
                };
                // Recovery does not know how long an interrupted command ran: no "in 0 ms".
                let took = if interrupted {
                    String::new()
                } else {
                    format!(
                        " in {}",
                        crate::text_units::human_duration(summary.duration_ms)
                    )
                };
                writeln!(
                    out,
                    "  └ {status}{took}, {}{redacted}{}",
                    crate::text_units::human_bytes(summary.stdout_bytes + summary.stderr_bytes),
                    if summary.output_path.is_empty() {
                        String::new()
                    } else {
                        format!(" · full output: {}", summary.output_path)
                    }
                )?;
            }
            Event::SourceStatus { status, at, source } => {
                self.end_line(out)?;
                writeln!(out, "{}", status.line(*at, source))?;
            }
            Event::Note { message } => {
                self.end_line(out)?;
                writeln!(out, "· note: {}", neutralize_line(message))?;
            }
            // The note that follows names them.
            Event::CorrectionsUsed { .. } => {}
            Event::Resolved { note } => {
                self.end_line(out)?;
                writeln!(out, "✔ resolved by the operator: {}", neutralize_line(note))?;
            }
            Event::Warning { message } => {
                self.end_line(out)?;
                writeln!(out, "! warning: {}", neutralize_line(message))?;
            }
            Event::Error { message } => {
                self.end_line(out)?;
                writeln!(out, "! error: {}", neutralize_line(message))?;
            }
            Event::Connection { connected, detail } => {
                self.end_line(out)?;
                let word = if *connected {
                    "connected"
                } else {
                    "disconnected"
                };
                writeln!(out, "· {word}: {}", neutralize_line(detail))?;
            }
            Event::Finished { state, reason } => {
                self.end_line(out)?;
                writeln!(out, "■ {}: {}", state.label(), neutralize_line(reason))?;
            }
            Event::Prompt { .. }
            | Event::State { .. }
            | Event::ToolResult { .. }
            | Event::Usage { .. } => {}
        }
        out.flush()
    }
}

/// Print a proposal and what the operator may do about it (the `--json` prompt stream).
pub fn write_proposal(proposal: &Proposal, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "┌ approval needed: {}",
        neutralize_line(&proposal.tool)
    )?;
    write_fields(proposal, out)?;
    write_offer(proposal, out)
}

/// Print one call the model made, whatever the gate does with it next.
fn write_call(proposal: &Proposal, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "┌ call: {}", neutralize_line(&proposal.tool))?;
    write_fields(proposal, out)
}

/// What the core offers for a call that waits: the typed `yes`, the prefix `a` remembers.
fn write_offer(proposal: &Proposal, out: &mut dyn Write) -> std::io::Result<()> {
    let confirm = if proposal.needs_confirm {
        "type `yes` to approve"
    } else {
        "approve with y"
    };
    let prefix = match (
        &proposal.prefix,
        proposal.allows(DecisionKind::ApprovePrefix),
    ) {
        (Some(prefix), true) => format!("a remembers `{}`", neutralize_line(prefix)),
        _ => "a: no prefix for this command".to_string(),
    };
    writeln!(out, "? approval needed: {confirm} · {prefix}")
}

/// Target, class, reason and command of a proposal.
fn write_fields(proposal: &Proposal, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "│ on:      {}",
        neutralize_line(&proposal.target.to_string())
    )?;
    writeln!(
        out,
        "│ class:   {} ({})",
        proposal.class.as_str().to_uppercase(),
        neutralize_line(&proposal.class_reason)
    )?;
    if let Some(reason) = &proposal.reason {
        writeln!(out, "│ reason:  {}", neutralize_line(reason))?;
    }
    writeln!(out, "└ command: {}", neutralize_line(&proposal.command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Class;
    use crate::protocol::Target;

    fn proposal() -> Proposal {
        Proposal {
            call_id: "c1".into(),
            tool: "local_shell".into(),
            target: Target::Local,
            command: "uptime".into(),
            arguments: "{}".into(),
            reason: None,
            class: Class::ReadOnly,
            class_reason: "uptime only reads".into(),
            shell: true,
            needs_confirm: false,
            prefix: Some("uptime".into()),
            decisions: vec![
                DecisionKind::Approve,
                DecisionKind::ApprovePrefix,
                DecisionKind::Edit,
                DecisionKind::Reject,
            ],
            scopes: Vec::new(),
            recovered_from_text: false,
            host_warning: None,
            scope_examples: None,
        }
    }

    fn render(events: Vec<Event>) -> String {
        let mut transcript = Transcript::default();
        let mut out = Vec::new();
        for (i, event) in events.into_iter().enumerate() {
            let envelope = EventEnvelope {
                session_id: "s".into(),
                seq: i as u64 + 1,
                at: chrono::Utc::now(),
                event,
            };
            if let Err(e) = transcript.render(&envelope, &mut out) {
                panic!("render: {e}");
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn interrupted_summary(flag: bool) -> Box<crate::protocol::ExecSummary> {
        Box::new(crate::protocol::ExecSummary {
            call_id: "c1".into(),
            target: Target::Local,
            command: "sleep 25 && echo ran".into(),
            exit_code: None,
            signal: None,
            duration_ms: 0,
            timed_out: false,
            connection_error: None,
            stdout_bytes: 12,
            stderr_bytes: 0,
            output_sha256: String::new(),
            output_path: String::new(),
            redactions: 0,
            model_output: crate::audit::INTERRUPTED.into(),
            interrupted: flag,
            cancelled: false,
            dropped_bytes: 0,
        })
    }

    #[test]
    fn an_interrupted_command_says_so_without_a_made_up_duration() {
        // Recovery records duration 0: the line must not read "no exit status in 0 ms".
        for flag in [true, false] {
            let text = render(vec![Event::ExecFinished {
                summary: interrupted_summary(flag),
            }]);
            assert!(
                text.contains("  └ interrupted: outcome unknown, 12 B"),
                "{text}"
            );
            assert!(!text.contains("no exit status"), "{text}");
            assert!(!text.contains(" in 0"), "{text}");
        }
    }

    #[test]
    fn a_call_is_printed_once_whether_the_log_announces_it_or_not() {
        let new = render(vec![
            Event::CallProposed {
                proposal: proposal(),
            },
            Event::ApprovalRequested {
                proposal: proposal(),
            },
        ]);
        let old = render(vec![Event::ApprovalRequested {
            proposal: proposal(),
        }]);
        for text in [&new, &old] {
            assert_eq!(text.matches("command: uptime").count(), 1, "{text}");
            assert!(text.contains("a remembers `uptime`"), "{text}");
        }
    }

    #[test]
    fn source_status_lines_name_the_time_and_a_neutralized_source() {
        use chrono::TimeZone;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 1, 1, 3, 12, 4)
            .single()
            .unwrap_or_default();
        let text = render(vec![
            Event::SourceStatus {
                status: crate::protocol::SourceStatus::Resolved,
                at,
                source: "alertmanager".into(),
            },
            Event::SourceStatus {
                status: crate::protocol::SourceStatus::FiredAgain,
                at,
                source: "evil\u{1b}[2J".into(),
            },
        ]);
        assert!(
            text.contains("✔ resolved at source at 03:12:04 (alertmanager)\n"),
            "{text}"
        );
        assert!(text.contains("↺ fired again at 03:12:04 ("), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        let line = serde_json::to_string(&Event::SourceStatus {
            status: crate::protocol::SourceStatus::FiredAgain,
            at,
            source: "grafana".into(),
        })
        .unwrap_or_default();
        assert!(
            line.contains(r#""type":"source_status","status":"fired_again""#),
            "{line}"
        );
    }

    #[test]
    fn with_times_each_block_starts_with_its_time_and_deltas_are_not_cut() {
        use chrono::TimeZone;
        let at = |s| chrono::Utc.with_ymd_and_hms(2025, 3, 11, 2, 15, s).single();
        let events = [
            Event::ModelDelta {
                text: "Looking ".into(),
            },
            Event::ModelDelta {
                text: "at it.".into(),
            },
            Event::ModelText {
                text: "Looking at it.".into(),
                tool_calls: Vec::new(),
            },
            Event::Decided {
                call_id: "c1".into(),
                verdict: Verdict::Approved,
            },
        ];
        let mut transcript = Transcript {
            times: true,
            ..Transcript::default()
        };
        let mut out = Vec::new();
        for (i, event) in events.into_iter().enumerate() {
            let envelope = EventEnvelope {
                session_id: "s".into(),
                seq: i as u64 + 1,
                at: at(i as u32).unwrap_or_default(),
                event,
            };
            if let Err(e) = transcript.render(&envelope, &mut out) {
                panic!("render: {e}");
            }
        }
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text, "[02:15:00] Looking at it.\n[02:15:03] ✔ approved\n");
    }
}
