//! The "opened" notifications of incidents a receiver took in: one notice per incident while
//! they come a few at a time, one summary per minute while a storm lasts, so 10,000 new
//! alerts are a handful of messages to Slack or the mail server, not 10,000.

use std::time::{Duration, Instant};

use crate::notify::{Notice, Trigger};
use crate::store::Incident;

/// At most this many new incidents in one poll of the inbox are sent one by one.
pub const ONE_BY_ONE: usize = 3;

/// A storm is summarised at most this often; new incidents in between wait for the next
/// summary (at most this long).
pub const SUMMARY_EVERY: Duration = Duration::from_secs(60);

/// Incidents named in a summary's text; the rest are counted.
pub const LISTED: usize = 20;

/// What the desk still owes the notification channels.
#[derive(Default)]
pub struct OpenedNotices {
    /// Lines of the next summary (at most [`LISTED`]).
    lines: Vec<String>,
    /// New incidents the next summary covers.
    total: usize,
    first: Option<String>,
    /// None before the first incident; then the severity they all share (empty when the
    /// alerts said none), or None once two differ.
    severity: Option<Option<String>>,
    last_summary: Option<Instant>,
}

impl OpenedNotices {
    /// The notices to send for `opened` (the new incidents one poll found, in order) at
    /// `now`: each on its own, or a summary of a storm (this poll's and those held back).
    pub fn poll<'a>(
        &mut self,
        opened: impl ExactSizeIterator<Item = &'a Incident>,
        now: Instant,
    ) -> Vec<Notice> {
        let recent = self
            .last_summary
            .is_some_and(|at| now.saturating_duration_since(at) < SUMMARY_EVERY);
        if opened.len() > 0 && opened.len() <= ONE_BY_ONE && self.total == 0 && !recent {
            return opened.map(one).collect();
        }
        for incident in opened {
            self.hold(incident);
        }
        if self.total == 0 || recent {
            return Vec::new();
        }
        self.last_summary = Some(now);
        vec![self.summary()]
    }

    fn hold(&mut self, incident: &Incident) {
        if self.lines.len() < LISTED {
            self.lines.push(format!(
                "{}: {}",
                incident.id,
                incident.alert.summary_line()
            ));
        }
        if self.first.is_none() {
            self.first = Some(incident.id.clone());
        }
        let severity = incident.alert.severity.as_deref().unwrap_or_default();
        self.severity = match self.severity.take() {
            None => Some(Some(severity.to_string())),
            Some(Some(shared)) if shared == severity => Some(Some(shared)),
            Some(_) => Some(None),
        };
        self.total += 1;
    }

    /// The summary of what is held, which is let go.
    fn summary(&mut self) -> Notice {
        let total = std::mem::take(&mut self.total);
        let first = self.first.take().unwrap_or_default();
        let mut what = std::mem::take(&mut self.lines).join("\n");
        if total > LISTED {
            what.push_str(&format!(
                "\n… and {} more (opsassist incidents list)",
                total - LISTED
            ));
        }
        let severity = match self.severity.take() {
            Some(Some(shared)) => shared,
            _ => "mixed".to_string(),
        };
        Notice {
            trigger: Trigger::Opened,
            incident: match total {
                1 => first,
                n => format!("{first} and {} more", n - 1),
            },
            severity,
            title: match total {
                1 => "1 new incident".to_string(),
                n => format!("{n} new incidents"),
            },
            what_happened: what,
            ran: Vec::new(),
            verification: None,
            diagnosis: None,
        }
    }
}

/// The notice of one new incident.
pub fn one(incident: &Incident) -> Notice {
    let alert = &incident.alert;
    Notice {
        trigger: Trigger::Opened,
        incident: incident.id.clone(),
        severity: alert.severity.clone().unwrap_or_default(),
        title: alert.title.clone(),
        what_happened: alert
            .description
            .clone()
            .unwrap_or_else(|| alert.title.clone()),
        ran: Vec::new(),
        verification: None,
        diagnosis: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::alert::{Alert, RawJson, Source, Status};
    use crate::store::{Change, DedupKey, InboxRecord, Incidents};

    fn incidents(n: usize, severity: impl Fn(usize) -> &'static str) -> Vec<Incident> {
        let mut all = Incidents::default();
        for i in 0..n {
            let alert = Alert {
                source: Source::Generic,
                title: format!("disk full {i}"),
                severity: Some(severity(i).to_string()),
                status: Status::Firing,
                host: Some(format!("db-{i}")),
                description: None,
                starts_at: None,
                url: None,
                labels: Default::default(),
                fingerprint: Some(format!("fp-{i}")),
                raw: RawJson::null(),
            };
            all.apply(&InboxRecord {
                at: chrono::Utc::now(),
                incident: format!("inc-{i}"),
                change: Change::Opened {
                    key: DedupKey {
                        source: Source::Generic,
                        fingerprint: format!("fp-{i}"),
                    },
                    alert: Arc::new(alert),
                },
            });
        }
        all.iter().cloned().collect()
    }

    #[test]
    fn a_few_at_a_time_are_sent_one_by_one() {
        let mut notices = OpenedNotices::default();
        let now = Instant::now();
        let three = incidents(ONE_BY_ONE, |_| "critical");
        let sent = notices.poll(three.iter(), now);
        let ids: Vec<&str> = sent.iter().map(|n| n.incident.as_str()).collect();
        assert_eq!(ids, ["inc-0", "inc-1", "inc-2"]);
        assert_eq!(sent[1].title, "disk full 1");
        assert_eq!(sent[1].severity, "critical");
        // Later polls too, and a poll with none sends none.
        assert!(notices.poll([].iter(), now).is_empty());
        assert_eq!(notices.poll(three[..1].iter(), now).len(), 1);
    }

    #[test]
    fn a_storm_is_one_summary_a_minute_and_nothing_is_left_out() {
        let mut notices = OpenedNotices::default();
        let start = Instant::now();
        let storm = incidents(50, |i| if i == 7 { "warning" } else { "critical" });
        let sent = notices.poll(storm[..ONE_BY_ONE + 1].iter(), start);
        assert_eq!(
            sent.len(),
            1,
            "more than {ONE_BY_ONE} in a poll are summarised"
        );
        assert_eq!(sent[0].title, format!("{} new incidents", ONE_BY_ONE + 1));
        assert_eq!(sent[0].incident, format!("inc-0 and {ONE_BY_ONE} more"));
        assert_eq!(sent[0].severity, "critical");
        assert_eq!(sent[0].trigger, Trigger::Opened);
        // Within the minute: held back, even a single one.
        let mut at = start;
        for chunk in storm[ONE_BY_ONE + 1..].chunks(5) {
            at += Duration::from_secs(5);
            assert!(notices.poll(chunk.iter(), at).is_empty(), "{at:?}");
        }
        assert!(
            notices
                .poll([].iter(), start + SUMMARY_EVERY - Duration::from_millis(1))
                .is_empty()
        );
        // The minute is up: one summary of everything held, with no new incident needed.
        let sent = notices.poll([].iter(), start + SUMMARY_EVERY);
        assert_eq!(sent.len(), 1);
        let held = 50 - ONE_BY_ONE - 1;
        assert_eq!(sent[0].title, format!("{held} new incidents"));
        assert_eq!(sent[0].severity, "mixed", "inc-7 is a warning");
        assert_eq!(
            sent[0].incident,
            format!("inc-{} and {} more", ONE_BY_ONE + 1, held - 1)
        );
        let lines: Vec<&str> = sent[0].what_happened.lines().collect();
        assert_eq!(lines.len(), LISTED + 1);
        assert_eq!(
            lines[0],
            format!("inc-{0}: [critical] db-{0}: disk full {0}", ONE_BY_ONE + 1)
        );
        assert_eq!(
            lines[LISTED],
            format!("… and {} more (opsassist incidents list)", held - LISTED)
        );
        // Quiet for a minute after the last summary: one by one again.
        let later = start + 2 * SUMMARY_EVERY;
        assert!(notices.poll([].iter(), later).is_empty());
        let sent = notices.poll(storm[..1].iter(), later);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].incident, "inc-0");
        assert_eq!(sent[0].title, "disk full 0");
    }

    #[test]
    fn a_storm_without_severities_is_not_called_mixed() {
        let mut all = incidents(ONE_BY_ONE + 1, |_| "");
        for incident in &mut all {
            Arc::make_mut(&mut incident.alert).severity = None;
        }
        let sent = OpenedNotices::default().poll(all.iter(), Instant::now());
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].severity, "", "as a single incident's notice has it");
        let mut mixed = incidents(ONE_BY_ONE + 1, |_| "critical");
        Arc::make_mut(&mut mixed[2].alert).severity = None;
        let sent = OpenedNotices::default().poll(mixed.iter(), Instant::now());
        assert_eq!(sent[0].severity, "mixed");
    }

    #[test]
    fn a_lone_incident_right_after_a_summary_waits_for_the_next() {
        let mut notices = OpenedNotices::default();
        let start = Instant::now();
        let all = incidents(ONE_BY_ONE + 2, |_| "page");
        assert_eq!(notices.poll(all[..=ONE_BY_ONE].iter(), start).len(), 1);
        let soon = start + Duration::from_secs(1);
        assert!(notices.poll(all[ONE_BY_ONE + 1..].iter(), soon).is_empty());
        let sent = notices.poll([].iter(), start + SUMMARY_EVERY);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].title, "1 new incident");
        assert_eq!(sent[0].incident, format!("inc-{}", ONE_BY_ONE + 1));
        assert_eq!(sent[0].severity, "page");
    }
}
