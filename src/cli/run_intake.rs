//! `opsassist run`'s alert enters the inbox through the intake module, like a paste in the
//! console: a new incident is opened and claimed by this run; an alert whose fingerprint
//! matches an open incident (received, pasted, or an earlier run) counts on it (count, last
//! seen) instead of opening a duplicate, and the operator is told. The headless session still
//! runs, since that is what `run` was asked for, and is recorded on that one incident.

use opsassist::alert::Alert;
use opsassist::config::StoreConfig;
use opsassist::intake::OutcomeKind;
use opsassist::intake::paste::Paste;
use opsassist::paths::Paths;
use opsassist::store::{Change, InboxRecord};
use opsassist::text::neutralize_line;

/// Record `alert`; the incident it went to. A store that cannot be written only costs the
/// dedup (a warning), never the investigation.
pub fn record(paths: &Paths, config: &StoreConfig, alert: &Alert) -> Option<String> {
    let (store, warning) = opsassist::store::inbox_or_files(paths, config);
    if let Some(warning) = warning {
        eprintln!("warning: {}", neutralize_line(&warning));
    }
    let paste = Paste::new(store);
    let claimant = format!("run-{}", std::process::id());
    let outcome = match paste.accept(vec![alert.clone()], &claimant) {
        Ok(mut outcomes) if !outcomes.is_empty() => outcomes.remove(0),
        Ok(_) => return None,
        Err(e) => {
            eprintln!(
                "warning: cannot record the alert in the inbox: {}",
                neutralize_line(&e.to_string())
            );
            return None;
        }
    };
    if matches!(outcome.kind, OutcomeKind::Repeated | OutcomeKind::Resolved) {
        let count = paste
            .incident(&outcome.incident)
            .map(|i| i.count)
            .unwrap_or(0);
        eprintln!(
            "note: this alert matches open incident {} (count {count}); counted there, not opened again",
            outcome.incident
        );
    }
    (!outcome.incident.is_empty()).then_some(outcome.incident)
}

/// Record that `session` investigated `incident`.
pub fn started(paths: &Paths, config: &StoreConfig, incident: &str, session: &str) {
    let record = InboxRecord {
        at: chrono::Utc::now(),
        incident: incident.to_string(),
        change: Change::Started {
            session: session.to_string(),
        },
    };
    let (store, _) = opsassist::store::inbox_or_files(paths, config);
    if let Err(e) = store.append(std::slice::from_ref(&record)) {
        tracing::warn!("run: cannot record session {session}: {e}");
    }
}
