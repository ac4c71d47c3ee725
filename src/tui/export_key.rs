//! The export key (`E`): write the selected incident's postmortem timeline as Markdown to
//! `DATA_DIR/exports/ID.md` and show the path on the status line.

use super::app::{App, AppEvent, Command};
use super::transcript_store::NoteKind;
use crate::session::Core;

impl App {
    /// The selected incident's export, or a hint when there is none.
    pub(super) fn export_selected(&mut self) -> Vec<Command> {
        match self.current() {
            Some(incident) => vec![Command::Export {
                session_id: incident.session_id.clone(),
            }],
            None => {
                self.notify(NoteKind::Info, "no incident selected: nothing to export");
                Vec::new()
            }
        }
    }
}

/// Write the export (blocking: run it off the event loop) and say where it went.
pub(super) fn write(core: &Core, session_id: &str) -> AppEvent {
    match crate::export::write_to_data_dir(
        &core.paths,
        session_id,
        crate::export::Format::Md,
        &core.redactor,
    ) {
        Ok(path) => AppEvent::Notice(format!("exported to {}", path.display())),
        Err(e) => AppEvent::Notice(format!("export failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyCode;

    use super::super::tests::{SID, app, feed, key, started};
    use super::*;

    #[test]
    fn e_exports_the_selected_incident_and_nothing_without_one() {
        let mut app = app();
        assert!(app.handle_key(key(KeyCode::Char('E'))).is_empty());
        feed(&mut app, SID, started());
        assert_eq!(
            app.handle_key(key(KeyCode::Char('E'))),
            vec![Command::Export {
                session_id: SID.into()
            }]
        );
    }
}
