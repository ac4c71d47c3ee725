//! The desk: the UI-free room that owns incidents, above session/intake/store and below every
//! front end. It turns inbox incidents into sessions ([`Desk::open_incident`],
//! [`Desk::launch`]), refuses to act on an incident another operator holds, installs the
//! core's claim guard for the local store too, notifies "opened" under the inbox incident id,
//! and, as a running room ([`room`]), follows the inbox, starts what `investigate = "auto"`
//! hands out, recovers sessions a crash left open and serves consoles over a Unix socket
//! ([`socket`]) with [`crate::protocol::DeskOp`] / [`crate::protocol::DeskEvent`]. A plain
//! console runs a room in its own process and talks to it over the same protocol; in team
//! mode the room also follows the shared board ([`team`]).

pub mod claims;
mod corrections;
mod open;
pub mod opened_notices;
pub mod room;
pub mod socket;
pub mod team;

use std::sync::Arc;

use crate::intake::paste::Paste;
use crate::session::Core;
use crate::store::Opened;

pub use open::{OnRepeat, Opening};

/// Why the desk did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Another operator holds the incident's claim; the line names them and what to do.
    #[error("{0}")]
    Held(String),
    /// A session could not be started (the message says which and why).
    #[error("{0}")]
    Start(String),
    /// The daemon's socket could not be served or reached.
    #[error("desk socket {path}: {message}")]
    Socket {
        path: std::path::PathBuf,
        message: String,
    },
}

/// One process's desk: the store it records incidents in and who acts.
pub struct Desk {
    pub core: Arc<Core>,
    /// The store, its board of claims and their lease (team mode: the database connection a
    /// console's team views share).
    pub opened: Opened,
    /// The operator this process acts for (claims, the claim guard).
    pub operator: String,
    /// How inbox records name this process as the one that took an incident up.
    pub claimant: String,
    paste: Paste,
}

impl Desk {
    /// Open the desk on `core`'s store, acting for `operator`; `role` names this process in
    /// the inbox (`console`, `run`, `serve`). When the configured team database cannot be
    /// opened the store in the data dir is used and the returned warning says so (a paste or
    /// a run is never lost for want of the database); an error when that cannot be opened
    /// either.
    pub fn open(
        core: Arc<Core>,
        operator: &str,
        role: &str,
    ) -> Result<(Desk, Option<String>), crate::store::StoreError> {
        let (opened, warning) = crate::store::open::or_local(&core.paths, &core.config.store)?;
        let claimant = if opened.is_team() {
            operator.to_string()
        } else {
            format!("{role}-{}", std::process::id())
        };
        let desk = Desk {
            paste: Paste::new(opened.store.clone()),
            core,
            opened,
            operator: operator.to_string(),
            claimant,
        };
        desk.guard_claims();
        Ok((desk, warning))
    }

    /// Without a team database the core's claim guard reads the board in the data dir, so a
    /// claim taken with `store claim` (or by another console) stops this process's sessions
    /// on that incident too. (In team mode the database is installed by the CLI.)
    fn guard_claims(&self) {
        if self.opened.is_team() || crate::session::claim_guard::is_installed() {
            return;
        }
        crate::session::claim_guard::install(
            Arc::new(claims::BoardLookup::new(
                self.opened.store.clone(),
                self.opened.board.clone(),
            )),
            &self.operator,
        );
    }

    /// Send the "opened" notification for inbox incident `incident` (all sources alike), as
    /// this process's dedup ledger last saw it.
    pub fn notify_opened(&self, incident: &str) {
        if let Some(found) = self.paste.incident(incident) {
            notify_opened(&self.core, &found);
        }
    }
}

/// The "opened" notice for `incident`, keyed by its inbox id.
pub fn notify_opened(core: &Core, incident: &crate::store::Incident) {
    if let Some(notifier) = core.notifier() {
        notifier.notify(opened_notices::one(incident));
    }
}
