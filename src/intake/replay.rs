//! PagerDuty replay protection for signed events: an event whose `occurred_at` is more than
//! `[intake] pagerduty_max_age_secs` from now is refused, and so is an event id already
//! accepted. Ids are remembered while their events are young enough to be accepted at all,
//! so memory stays bounded; past [`MAX_REMEMBERED`] young ids new events are refused (retry
//! later) rather than forgetting one that could then be replayed.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::alert::Alert;

/// Most event ids remembered at once.
pub const MAX_REMEMBERED: usize = 100_000;
/// Longest event id kept (PagerDuty's are 26 characters).
const MAX_ID_CHARS: usize = 128;

/// Why a signed event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Replay {
    #[error("the PagerDuty event has no event.id or event.occurred_at")]
    Unidentified,
    #[error(
        "the PagerDuty event occurred at {0}, more than {1} s from now ([intake] pagerduty_max_age_secs)"
    )]
    Stale(String, u64),
    #[error("the PagerDuty event {0} was already received")]
    Seen(String),
    #[error("too many recent PagerDuty events to remember; retry later")]
    Full,
}

#[derive(Debug, Default)]
struct Memory {
    ids: HashSet<String>,
    /// The same ids by event time, oldest first, to forget them once too old to matter.
    by_time: BTreeSet<(DateTime<Utc>, String)>,
}

/// Signed PagerDuty events seen recently.
#[derive(Debug)]
pub struct SeenEvents {
    /// Zero: no age limit (ids are then forgotten oldest first past the cap).
    max_age: Duration,
    memory: Arc<Mutex<Memory>>,
}

/// Ids held for a request until it is accepted ([`Reservation::commit`]); dropped without a
/// commit, they are released so PagerDuty's retry of a failed delivery is taken.
#[derive(Debug)]
pub struct Reservation {
    memory: Arc<Mutex<Memory>>,
    held: Vec<(DateTime<Utc>, String)>,
}

impl Reservation {
    /// The request was accepted: remember its ids.
    pub fn commit(mut self) {
        self.held.clear();
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.held.is_empty() {
            return;
        }
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        for entry in self.held.drain(..) {
            memory.ids.remove(&entry.1);
            memory.by_time.remove(&entry);
        }
    }
}

/// `event.id` and `event.occurred_at` of a PagerDuty V3 payload element.
fn identity(alert: &Alert) -> Option<(String, DateTime<Utc>)> {
    let raw = alert.raw.value();
    let event = raw.get("event")?;
    let id = event.get("id").and_then(Value::as_str)?.trim();
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return None;
    }
    let at = event.get("occurred_at").and_then(Value::as_str)?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some((id.to_string(), at))
}

impl SeenEvents {
    pub fn new(max_age: Duration) -> SeenEvents {
        SeenEvents {
            max_age,
            memory: Arc::new(Mutex::new(Memory::default())),
        }
    }

    /// Check every alert of one signed request and hold their ids; all or none.
    pub fn reserve(&self, alerts: &[Alert], now: DateTime<Utc>) -> Result<Reservation, Replay> {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        self.forget_old(&mut memory, now);
        let mut events = Vec::with_capacity(alerts.len());
        for alert in alerts {
            let (id, at) = identity(alert).ok_or(Replay::Unidentified)?;
            if !self.max_age.is_zero() {
                let age = now.signed_duration_since(at).abs();
                if age.to_std().map_or(true, |age| age > self.max_age) {
                    return Err(Replay::Stale(at.to_rfc3339(), self.max_age.as_secs()));
                }
            }
            events.push((at, id));
        }
        let mut batch = HashSet::new();
        for (_, id) in &events {
            if memory.ids.contains(id) || !batch.insert(id.as_str()) {
                return Err(Replay::Seen(crate::text::neutralize_line(id)));
            }
        }
        if memory.ids.len() + events.len() > MAX_REMEMBERED {
            if !self.max_age.is_zero() {
                return Err(Replay::Full);
            }
            while memory.ids.len() + events.len() > MAX_REMEMBERED {
                let Some(oldest) = memory.by_time.pop_first() else {
                    break;
                };
                memory.ids.remove(&oldest.1);
            }
        }
        for entry in &events {
            memory.ids.insert(entry.1.clone());
            memory.by_time.insert(entry.clone());
        }
        Ok(Reservation {
            memory: self.memory.clone(),
            held: events,
        })
    }

    /// Ids of events too old to be accepted any more need not be remembered.
    fn forget_old(&self, memory: &mut Memory, now: DateTime<Utc>) {
        let Ok(max_age) = chrono::Duration::from_std(self.max_age) else {
            return;
        };
        if max_age.is_zero() {
            return;
        }
        let oldest_acceptable = now - max_age;
        while let Some(first) = memory.by_time.first() {
            if first.0 >= oldest_acceptable {
                break;
            }
            if let Some(first) = memory.by_time.pop_first() {
                memory.ids.remove(&first.1);
            }
        }
    }

    /// Ids remembered now.
    pub fn remembered(&self) -> usize {
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ids
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{ParseOptions, Source, parse};

    fn event(id: &str, at: DateTime<Utc>) -> Vec<Alert> {
        let payload = format!(
            r#"{{"event":{{"id":"{id}","event_type":"incident.triggered","occurred_at":"{}","data":{{"id":"Q1","type":"incident","title":"lag","status":"triggered"}}}}}}"#,
            at.to_rfc3339()
        );
        let options = ParseOptions {
            format: Some(Source::Pagerduty),
            ..ParseOptions::default()
        };
        parse(payload.as_bytes(), &options).expect("parse")
    }

    #[test]
    fn old_future_and_seen_events_are_refused_and_failed_ones_released() {
        let seen = SeenEvents::new(Duration::from_secs(300));
        let now = Utc::now();
        let old = event("E0", now - chrono::Duration::days(2000));
        assert!(matches!(seen.reserve(&old, now), Err(Replay::Stale(..))));
        let future = event("E1", now + chrono::Duration::minutes(10));
        assert!(matches!(seen.reserve(&future, now), Err(Replay::Stale(..))));
        let fresh = event("E2", now - chrono::Duration::seconds(5));
        // A delivery that failed is not remembered: PagerDuty's retry is taken.
        drop(seen.reserve(&fresh, now).expect("fresh"));
        seen.reserve(&fresh, now).expect("retry").commit();
        assert_eq!(
            seen.reserve(&fresh, now).err(),
            Some(Replay::Seen("E2".into()))
        );
        // Once too old to be accepted anyway, the id is forgotten (and the event refused).
        let later = now + chrono::Duration::seconds(400);
        assert!(matches!(
            seen.reserve(&fresh, later),
            Err(Replay::Stale(..))
        ));
        assert_eq!(seen.remembered(), 0);
    }
}
