//! Incidents of earlier runs: listed below live ones, their logs read one at a time when
//! selected, and only the last one read kept in memory.

use crate::protocol::{EventEnvelope, SessionState};
use crate::session::SessionSummary;

use super::app::{App, Command, History, Incident, state_slot};

impl App {
    /// Insert a new live incident after the other live ones (before past incidents).
    pub(super) fn insert_live(&mut self, id: &str) {
        let pos = self.live_len;
        for index in self.by_id.values_mut() {
            if *index >= pos {
                *index += 1;
            }
        }
        self.by_id.insert(id.to_string(), pos);
        self.incidents.insert(pos, Incident::new(id));
        self.live_len += 1;
        self.counts[state_slot(SessionState::New)] += 1;
        if self.follow_new || self.incidents.len() == 1 {
            self.selected = pos;
            self.follow_new = false;
        } else if self.selected >= pos {
            self.selected += 1;
        }
    }

    /// Add incidents of earlier runs below the live ones, newest first; ids already listed
    /// (recovered or opened in this run) are skipped.
    pub fn add_past(&mut self, mut summaries: Vec<SessionSummary>) {
        summaries.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| b.id.cmp(&a.id)));
        let was_empty = self.incidents.is_empty();
        for summary in summaries {
            if self.by_id.contains_key(&summary.id) {
                continue;
            }
            let incident = Incident::past(&summary);
            self.counts[state_slot(incident.state)] += 1;
            self.by_id.insert(summary.id, self.incidents.len());
            self.incidents.push(incident);
        }
        if was_empty {
            self.selected = 0;
        }
    }

    /// Load a past incident's log into its transcript, then apply events that arrived while
    /// it was read (those already in the log are skipped by sequence number).
    pub(super) fn load_history(
        &mut self,
        session_id: &str,
        result: Result<Vec<EventEnvelope>, String>,
    ) {
        self.history_in_flight = false;
        let Some(incident) = self.incident_mut(session_id) else {
            return;
        };
        let waiting = match std::mem::replace(&mut incident.history, History::Loaded) {
            History::Loading(waiting) => waiting,
            History::NotLoaded => Vec::new(),
            other => {
                incident.history = other;
                return;
            }
        };
        let listed = incident.state;
        let mut last_seq = 0;
        // Output files the replayed events ask to index (an interrupted call's): without them
        // its size would read "reading its output file…" for good.
        let mut index = Vec::new();
        match result {
            Ok(events) => {
                for envelope in events {
                    last_seq = last_seq.max(envelope.seq);
                    incident.transcript.set_clock(envelope.at);
                    for effect in incident.apply(envelope.event) {
                        if let super::incident::Global::Index { call_id, path } = effect {
                            index.push(Command::IndexOutput {
                                session_id: session_id.to_string(),
                                call_id,
                                path,
                            });
                        }
                    }
                }
            }
            Err(e) => {
                incident.apply(crate::protocol::Event::Error {
                    message: format!("cannot read this incident's log: {e}"),
                });
            }
        }
        incident.state = listed;
        if !waiting.is_empty() {
            incident.history = History::Live;
        }
        self.watch_commands.extend(index);
        self.loaded_past = Some(session_id.to_string());
        for envelope in waiting {
            if envelope.seq == 0 || envelope.seq > last_seq {
                self.apply_live(envelope);
            }
        }
    }

    /// Drop the transcript of the past incident read last if nothing changed it since.
    pub(super) fn unload_past(&mut self) {
        let Some(id) = self.loaded_past.take() else {
            return;
        };
        let selected = self.current().map(|i| i.session_id.clone());
        if let Some(incident) = self.incident_mut(&id)
            && incident.history == History::Loaded
            && selected.as_deref() != Some(id.as_str())
        {
            *incident = Incident {
                source: std::mem::take(&mut incident.source),
                severity: incident.severity.take(),
                host: incident.host.take(),
                title: std::mem::take(&mut incident.title),
                state: incident.state,
                resolved: incident.resolved.take(),
                history: History::NotLoaded,
                ..Incident::new(&id)
            };
        }
    }
}
