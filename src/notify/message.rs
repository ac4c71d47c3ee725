//! [`Notice`]: what one notification says (severity, what happened, what ran and who approved
//! it, the verification verdict, the diagnosis), redacted once, rendered as a subject, plain
//! text, HTML, Slack and generic JSON.

use serde::{Deserialize, Serialize};

use crate::policy::Redactor;

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A new incident.
    Opened,
    /// A call waits for the operator (rate-limited per incident).
    AwaitingApproval,
    /// The incident ended well.
    Resolved,
    /// The incident ended without a fix (gave up, error).
    Failed,
    /// A restart did not hold.
    VerificationFailed,
    /// `opsassist notify test`.
    Test,
}

impl Trigger {
    /// Every trigger of a real incident (the default `[notify] triggers`).
    pub const ALL: [Trigger; 5] = [
        Trigger::Opened,
        Trigger::AwaitingApproval,
        Trigger::Resolved,
        Trigger::Failed,
        Trigger::VerificationFailed,
    ];

    /// Words for subjects.
    pub fn label(self) -> &'static str {
        match self {
            Trigger::Opened => "opened",
            Trigger::AwaitingApproval => "awaiting approval",
            Trigger::Resolved => "resolved",
            Trigger::Failed => "failed",
            Trigger::VerificationFailed => "verification failed",
            Trigger::Test => "test",
        }
    }
}

/// One command that ran for the incident, and who approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    pub command: String,
    /// `operator alice`, `[watch.docker] auto_restart`, …
    pub approved_by: String,
    /// Exit code or verdict, one line.
    pub result: Option<String>,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub trigger: Trigger,
    pub incident: String,
    pub severity: String,
    pub title: String,
    pub what_happened: String,
    pub ran: Vec<Ran>,
    pub verification: Option<String>,
    pub diagnosis: Option<String>,
}

impl Notice {
    /// The same notice with every text field passed through `redactor`.
    pub fn redacted(&self, redactor: &Redactor) -> Notice {
        let r = |s: &str| redactor.redact(s).text;
        Notice {
            trigger: self.trigger,
            incident: r(&self.incident),
            severity: r(&self.severity),
            title: r(&self.title),
            what_happened: r(&self.what_happened),
            ran: self
                .ran
                .iter()
                .map(|x| Ran {
                    command: r(&x.command),
                    approved_by: r(&x.approved_by),
                    result: x.result.as_deref().map(r),
                })
                .collect(),
            verification: self.verification.as_deref().map(r),
            diagnosis: self.diagnosis.as_deref().map(r),
        }
    }

    /// `[opsassist] CRITICAL verification failed: <title> (<incident>)`, one line.
    pub fn subject(&self) -> String {
        let s = format!(
            "[opsassist] {} {}: {} ({})",
            self.severity.to_uppercase(),
            self.trigger.label(),
            self.title,
            self.incident
        );
        one_line(&s, 200)
    }

    /// The plain-text body.
    pub fn plain(&self) -> String {
        let mut s = format!(
            "{}\n\nIncident: {}\nSeverity: {}\nEvent: {}\n\nWhat happened:\n{}\n",
            self.title,
            self.incident,
            self.severity,
            self.trigger.label(),
            self.what_happened
        );
        if !self.ran.is_empty() {
            s.push_str("\nWhat ran:\n");
            for r in &self.ran {
                s.push_str(&format!("- {} (approved by {})", r.command, r.approved_by));
                if let Some(res) = &r.result {
                    s.push_str(&format!(": {res}"));
                }
                s.push('\n');
            }
        }
        if let Some(v) = &self.verification {
            s.push_str(&format!("\nVerification: {v}\n"));
        }
        if let Some(d) = &self.diagnosis {
            s.push_str(&format!("\nDiagnosis:\n{d}\n"));
        }
        s
    }

    /// The HTML body (every value escaped).
    pub fn html(&self) -> String {
        let e = escape;
        let mut s = format!(
            "<html><body><h2>{}</h2><table><tr><th align=\"left\">Incident</th><td>{}</td></tr>\
             <tr><th align=\"left\">Severity</th><td>{}</td></tr>\
             <tr><th align=\"left\">Event</th><td>{}</td></tr></table>\
             <h3>What happened</h3><pre>{}</pre>",
            e(&self.title),
            e(&self.incident),
            e(&self.severity),
            e(self.trigger.label()),
            e(&self.what_happened)
        );
        if !self.ran.is_empty() {
            s.push_str("<h3>What ran</h3><ul>");
            for r in &self.ran {
                s.push_str(&format!(
                    "<li><code>{}</code> approved by {}{}</li>",
                    e(&r.command),
                    e(&r.approved_by),
                    r.result
                        .as_deref()
                        .map(|x| format!(": {}", e(x)))
                        .unwrap_or_default()
                ));
            }
            s.push_str("</ul>");
        }
        if let Some(v) = &self.verification {
            s.push_str(&format!("<h3>Verification</h3><p>{}</p>", e(v)));
        }
        if let Some(d) = &self.diagnosis {
            s.push_str(&format!("<h3>Diagnosis</h3><pre>{}</pre>", e(d)));
        }
        s.push_str("</body></html>");
        s
    }

    /// A Slack incoming-webhook payload. Every text is escaped as Slack's mrkdwn requires, so
    /// an alert title or the model's words cannot ping `<!channel>` or plant a link.
    pub fn slack(&self) -> serde_json::Value {
        serde_json::json!({
            "text": format!("*{}*\n{}", slack_escape(&self.subject()), slack_escape(&self.plain()))
        })
    }
}

/// `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`: the only three Slack decodes, and the
/// ones that make mentions (`<!here>`, `<@U123>`) and links (`<https://…|text>`).
pub fn slack_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn one_line(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect()
}
