//! The incident-list filter (`f`) and resolving incidents (`D`). Words match the title, host,
//! source or id; `state:NAME` and `sev:NAME` match the state and severity (prefixes allowed);
//! `archived` lists resolved incidents (hidden otherwise). Resolving goes through the core,
//! which logs it, so it survives a restart.

use crate::protocol::{Op, SessionState};

use super::app::{App, Command, Incident, Overlay, PromptPurpose, PromptState};
use super::transcript_store::NoteKind;

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// What was typed.
    pub text: String,
    words: Vec<String>,
    state: Option<String>,
    severity: Option<String>,
    archived: bool,
}

impl Filter {
    /// Parse the typed filter (case-insensitive).
    pub fn parse(text: &str) -> Filter {
        let mut filter = Filter {
            text: crate::text::neutralize_line(text.trim()),
            ..Filter::default()
        };
        for word in text.split_whitespace() {
            let lower = word.to_lowercase();
            if let Some(state) = lower.strip_prefix("state:") {
                filter.state = Some(state.replace(['-', '_'], " "));
            } else if let Some(sev) = lower
                .strip_prefix("sev:")
                .or_else(|| lower.strip_prefix("severity:"))
            {
                filter.severity = Some(sev.to_string());
            } else if lower == "archived" || lower == "resolved" {
                filter.archived = true;
            } else {
                filter.words.push(lower);
            }
        }
        filter
    }

    /// Whether `incident` is listed under this filter.
    pub fn matches(&self, incident: &Incident) -> bool {
        if incident.resolved.is_some() != self.archived {
            return false;
        }
        if let Some(state) = &self.state
            && !incident.state.label().starts_with(state.as_str())
        {
            return false;
        }
        if let Some(sev) = &self.severity
            && !incident
                .severity
                .as_deref()
                .is_some_and(|s| s.to_lowercase().starts_with(sev.as_str()))
        {
            return false;
        }
        let hay = format!(
            "{} {} {} {}",
            incident.title,
            incident.host.as_deref().unwrap_or(""),
            incident.source,
            incident.session_id
        )
        .to_lowercase();
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }
}

impl App {
    /// Whether incident `i` is in the list as filtered (resolved ones only under `archived`).
    pub fn listed(&self, i: usize) -> bool {
        let Some(incident) = self.incidents.get(i) else {
            return false;
        };
        match &self.views.filter {
            Some(filter) => filter.matches(incident),
            None => incident.resolved.is_none(),
        }
    }

    /// How many incidents the list shows without a filter (archived ones are left out).
    pub fn live_listed(&self) -> usize {
        self.incidents
            .iter()
            .filter(|i| i.resolved.is_none())
            .count()
    }

    /// Indices of the listed incidents, in list order.
    pub fn listed_incidents(&self) -> Vec<usize> {
        (0..self.incidents.len())
            .filter(|i| self.listed(*i))
            .collect()
    }

    /// `f`: ask for the filter text (the current one to edit).
    pub(super) fn ask_filter(&mut self) {
        let input = self
            .views
            .filter
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default();
        self.overlay = Overlay::Prompt(PromptState {
            purpose: PromptPurpose::Filter,
            input,
        });
    }

    /// Apply a typed filter (empty clears it) and keep a listed incident selected.
    pub(super) fn set_filter(&mut self, text: &str) {
        self.views.filter = if text.trim().is_empty() {
            None
        } else {
            Some(Filter::parse(text))
        };
        self.keep_selection_listed();
        if self.views.filter.is_some() && self.listed_incidents().is_empty() {
            self.notify(
                NoteKind::Info,
                "no incident matches the filter (f, empty, clears it)",
            );
        }
    }

    /// Move the selection to a listed incident if the selected one is not listed.
    pub(super) fn keep_selection_listed(&mut self) {
        if self.listed(self.selected) {
            return;
        }
        let listed = self.listed_incidents();
        if let Some(next) = listed
            .iter()
            .find(|i| **i > self.selected)
            .or_else(|| listed.last())
        {
            self.selected = *next;
        }
    }

    /// The listed incident before or after the selected one.
    pub(super) fn move_listed(&mut self, down: bool) {
        let listed = self.listed_incidents();
        let pos = listed.iter().position(|i| *i == self.selected);
        let next = match (pos, down) {
            (None, _) => listed.first(),
            (Some(p), true) => listed.get(p + 1).or(listed.last()),
            (Some(p), false) => listed.get(p.saturating_sub(1)),
        };
        if let Some(i) = next {
            self.selected = *i;
        }
    }

    /// `D`: ask for the resolution note of the selected incident.
    pub(super) fn ask_resolve(&mut self) {
        let Some(incident) = self.current() else {
            self.notify(NoteKind::Info, "no incident selected");
            return;
        };
        if incident.received {
            self.notify(
                NoteKind::Info,
                "this incident has no session yet: start it first",
            );
            return;
        }
        // Working, or calls waiting: resolving stops that, and the prompt says so.
        let stop = !incident.queue.is_empty()
            || matches!(
                incident.state,
                SessionState::Investigating
                    | SessionState::AwaitingApproval
                    | SessionState::Running
            );
        self.overlay = Overlay::Prompt(PromptState {
            purpose: PromptPurpose::Resolve {
                session_id: incident.session_id.clone(),
                stop,
            },
            input: String::new(),
        });
    }

    /// Send the resolution to the session (it logs it; the list hides it once logged). With
    /// `stop` the session first stops its work (the core does it: `Op::ResolveAndStop`).
    pub(super) fn resolve(&mut self, session_id: String, stop: bool, note: &str) -> Vec<Command> {
        let note = note.trim();
        if note.is_empty() {
            self.notify(NoteKind::Warning, "a resolution needs a note: nothing sent");
            return Vec::new();
        }
        let note = note.to_string();
        let (op, said) = if stop {
            (
                Op::ResolveAndStop { note },
                "stopping the investigation and resolving the incident…",
            )
        } else {
            (Op::Resolve { note }, "resolving the incident…")
        };
        self.progress(&session_id, said, super::progress_note::Until::Resolved);
        vec![Command::Send { session_id, op }]
    }
}
