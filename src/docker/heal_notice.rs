//! The notification for the end of an auto_restart: resolved, verification failed, or a
//! restart that waits for a person, decided from the report's typed outcome and verdicts.

use super::FailureKind;
use super::heal::{HealOutcome, HealReport};
use super::watch::Checked;
use crate::notify::{Notice, Ran, Trigger};

/// The notice `report` calls for, if any (a refused restart or a claim lost sends none:
/// the incident was notified as opened, and whoever holds it reports on it).
pub fn notice(checked: &Checked, report: &HealReport) -> Option<Notice> {
    let trigger = match &report.outcome {
        HealOutcome::Healed => Trigger::Resolved,
        HealOutcome::GaveUp => Trigger::VerificationFailed,
        HealOutcome::NeedsApproval { .. } => Trigger::AwaitingApproval,
        HealOutcome::Refused { .. } | HealOutcome::ClaimedElsewhere => return None,
    };
    let approved_by = report.approved_by.clone().unwrap_or_default();
    let ran = report
        .attempts
        .iter()
        .map(|a| Ran {
            command: report.command.clone(),
            approved_by: approved_by.clone(),
            result: a
                .verdict
                .as_ref()
                .map(|v| v.to_string())
                .or_else(|| a.error.clone()),
        })
        .collect();
    let failure = checked.failure.map(FailureKind::name).unwrap_or("failed");
    let ending = match &report.outcome {
        HealOutcome::Healed => "it is running again".to_string(),
        HealOutcome::NeedsApproval { reason } => format!("did not run: {reason}"),
        _ => "gave up: the incident stays open".to_string(),
    };
    Some(Notice {
        trigger,
        incident: report.incident.clone(),
        severity: "critical".into(),
        title: format!("container {} {failure}", checked.name),
        what_happened: format!(
            "container {} ({failure}, exit code {}); auto_restart tried {} time(s) and {ending}",
            checked.name,
            checked
                .exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            report.attempts.len(),
        ),
        ran,
        verification: report.last_verdict().map(|v| v.to_string()),
        diagnosis: None,
    })
}
