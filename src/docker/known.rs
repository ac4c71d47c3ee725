//! The failures the watcher has counted: per container, each failure kind with an open
//! incident and the token of the failure it was counted for ([`FailureKind::token`]). A
//! reconcile that sees the same failure again counts nothing; a container seen running (and
//! healthy) again, or gone, hands its entries back to be resolved. Seeded from the inbox at
//! start, so a restarted watcher (or the next `--once`) neither counts an old failure again
//! nor forgets an incident it must close.

use std::collections::{HashMap, HashSet};

use super::FailureKind;
use super::evidence::{DAEMON_LABEL, parse_fingerprint};
use crate::store::{IncidentState, Incidents};

/// One counted failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub token: String,
    /// Its incident, once the intake said which.
    pub incident: Option<String>,
}

/// A container's counted failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub failures: HashMap<FailureKind, Counted>,
}

/// What a sighting of a failure is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// Not counted yet: count it (the token is recorded now, so a concurrent sighting of the
    /// same failure is not counted twice).
    New,
    /// Counted already, for this incident (None while its first count is on its way).
    Counted(Option<String>),
}

/// Every counted failure, by container id.
#[derive(Debug, Default)]
pub struct Known {
    by_id: HashMap<String, Entry>,
    seeded: bool,
}

impl Known {
    /// True once [`Known::seed`] ran.
    pub fn is_seeded(&self) -> bool {
        self.seeded
    }

    /// Take in the open Docker incidents of daemon `daemon` from the inbox.
    pub fn seed(&mut self, incidents: &Incidents, daemon: &str) {
        self.seeded = true;
        for incident in incidents.iter() {
            if incident.state != IncidentState::Open
                || incident.alert.labels.get(DAEMON_LABEL).map(String::as_str) != Some(daemon)
            {
                continue;
            }
            let Some((id, kind)) = parse_fingerprint(&incident.key.fingerprint) else {
                continue;
            };
            let raw = incident.alert.raw.value();
            let field = |name: &str| raw.get(name).and_then(|v| v.as_str());
            let entry = self.by_id.entry(id.to_string()).or_default();
            entry.name = incident
                .alert
                .labels
                .get("container")
                .cloned()
                .unwrap_or_default();
            entry.failures.insert(
                kind,
                Counted {
                    token: kind.token(field("started_at"), field("finished_at")),
                    incident: Some(incident.id.clone()),
                },
            );
        }
    }

    /// A sighting of failure `kind` (token `token`) of container `id` called `name`.
    pub fn sight(&mut self, id: &str, name: &str, kind: FailureKind, token: &str) -> Sighting {
        let entry = self.by_id.entry(id.to_string()).or_default();
        entry.name = name.to_string();
        match entry.failures.get_mut(&kind) {
            Some(counted) if counted.token == token => Sighting::Counted(counted.incident.clone()),
            Some(counted) => {
                counted.token = token.to_string();
                Sighting::New
            }
            None => {
                entry.failures.insert(
                    kind,
                    Counted {
                        token: token.to_string(),
                        incident: None,
                    },
                );
                Sighting::New
            }
        }
    }

    /// The intake put failure `kind` of `id` in `incident`.
    pub fn set_incident(&mut self, id: &str, kind: FailureKind, incident: &str) {
        if let Some(counted) = self
            .by_id
            .get_mut(id)
            .and_then(|e| e.failures.get_mut(&kind))
        {
            counted.incident = Some(incident.to_string());
        }
    }

    /// The count of a [`Sighting::New`] failed: the next sighting counts it again.
    pub fn unsight(&mut self, id: &str, kind: FailureKind) {
        if let Some(entry) = self.by_id.get_mut(id) {
            entry.failures.remove(&kind);
        }
    }

    /// Record `token` as counted for failure `kind` of `id` without counting it (the
    /// failures auto_restart's own attempts left).
    pub fn settle(&mut self, id: &str, kind: FailureKind, token: &str) {
        if let Some(counted) = self
            .by_id
            .get_mut(id)
            .and_then(|e| e.failures.get_mut(&kind))
        {
            counted.token = token.to_string();
        }
    }

    /// Container `id`'s counted failures, removed (it is fine again, or gone).
    pub fn take(&mut self, id: &str) -> Option<Entry> {
        self.by_id
            .remove(id)
            .filter(|entry| !entry.failures.is_empty())
    }

    /// Put back what [`Known::take`] returned (resolving it failed).
    pub fn restore(&mut self, id: &str, entry: Entry) {
        self.by_id.insert(id.to_string(), entry);
    }

    /// The containers with counted failures that are not in `present`.
    pub fn absent(&self, present: &HashSet<String>) -> Vec<String> {
        self.by_id
            .keys()
            .filter(|id| !present.contains(*id))
            .cloned()
            .collect()
    }
}
