//! Received incidents in the console's list: rows for inbox incidents that wait for the
//! operator (no session yet), as the desk lists them, and the start key's request, which the
//! desk turns into an atomic claim through the store.

use crate::protocol::SessionState;

use super::app::{App, Command, Incident, state_slot};
use super::transcript_store::NoteKind;

pub use super::messages::Waiting;

impl Waiting {
    /// The row for inbox incident `id` whose alert is `alert` (texts neutralised).
    pub fn from_alert(id: &str, alert: &crate::alert::Alert) -> Waiting {
        let line = crate::text::neutralize_line;
        Waiting {
            id: id.to_string(),
            source: alert.source.to_string(),
            severity: alert.severity.as_deref().map(line),
            host: alert.host.as_deref().map(line),
            title: line(&alert.title),
            alert: Box::new(alert.clone()),
        }
    }
}

impl App {
    /// The inbox's waiting incidents now: add rows for new ones, drop rows of those taken
    /// up since (by this console or another).
    pub(super) fn apply_waiting(&mut self, waiting: Vec<Waiting>) {
        let keep: std::collections::HashSet<&str> = waiting.iter().map(|w| w.id.as_str()).collect();
        self.intake_starts.retain(|id| keep.contains(id.as_str()));
        let gone: Vec<String> = self
            .incidents
            .iter()
            .filter(|i| i.received && !keep.contains(i.session_id.as_str()))
            .map(|i| i.session_id.clone())
            .collect();
        for id in gone {
            self.remove_row(&id);
        }
        for item in waiting {
            if self.by_id.contains_key(&item.id) {
                continue;
            }
            self.insert_live(&item.id);
            if let Some(row) = self.incident_mut(&item.id) {
                row.received = true;
                row.source = item.source;
                row.severity = item.severity;
                row.host = item.host;
                row.title = item.title;
                row.alert = Some(item.alert);
            }
        }
    }

    /// Remove one row (a waiting incident that was taken up).
    fn remove_row(&mut self, id: &str) {
        let Some(pos) = self.by_id.remove(id) else {
            return;
        };
        let row: Incident = self.incidents.remove(pos);
        for index in self.by_id.values_mut() {
            if *index > pos {
                *index -= 1;
            }
        }
        if pos < self.live_len {
            self.live_len -= 1;
        }
        self.counts[state_slot(row.state)] -= 1;
        if self.selected > pos || (self.selected == pos && self.selected >= self.incidents.len()) {
            self.selected = self.selected.saturating_sub(1);
        }
    }

    /// The start key: ask the intake watcher to claim the selected waiting incident and
    /// start its session. Another console may win the claim; then nothing starts here.
    pub(super) fn start_investigation(&mut self) -> Vec<Command> {
        let Some(row) = self.current() else {
            self.notify(NoteKind::Info, "no incident selected");
            return Vec::new();
        };
        if !row.received || row.state != SessionState::New {
            self.notify(
                NoteKind::Info,
                "this incident already has a session: only received incidents waiting for you start with this key",
            );
            return Vec::new();
        }
        let id = row.session_id.clone();
        if self.intake_starts.contains(&id) {
            return Vec::new();
        }
        self.notify(
            NoteKind::Info,
            format!("starting the investigation of {id}…"),
        );
        self.intake_starts.push(id.clone());
        self.follow_new_incident();
        vec![Command::Desk(crate::protocol::DeskOp::Start {
            incident: id,
        })]
    }
}
