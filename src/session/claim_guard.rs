//! Team mode's rule in the core: a session starts no model turn and spawns no command while
//! another operator holds the claim on it (on its session id, or on the inbox incident it was
//! started for). The session task asks [`check`] at both points; when someone else holds the
//! claim (a take-over while this console was only partitioned, not dead) the session stops
//! with [`SessionError::ClaimHeld`] naming them, and acts no more.
//!
//! The lookup is installed once per process ([`install`], with the team database); without
//! one (the local store, one operator) every check passes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::SessionError;

/// Where claims are looked up (the team database).
pub trait ClaimLookup: Send + Sync {
    /// The inbox incident session `session` was started for, if the shared inbox says.
    fn incident_of(&self, session: &str) -> Result<Option<String>, String>;
    /// The operator other than `me` with a live claim on any of `keys`, if any.
    fn other_holder(&self, keys: &[String], me: &str) -> Result<Option<String>, String>;
}

struct Guard {
    lookup: Arc<dyn ClaimLookup>,
    operator: String,
    /// Session id → its incident (None: not an inbox incident's session). Never changes once
    /// recorded, so it is asked once per session.
    incidents: Mutex<HashMap<String, Option<String>>>,
}

static GUARD: OnceLock<Guard> = OnceLock::new();

/// Check every session of this process against `lookup`, acting for `operator` (`$USER`).
/// Once per process; later calls are ignored.
pub fn install(lookup: Arc<dyn ClaimLookup>, operator: &str) {
    let _ = GUARD.set(Guard {
        lookup,
        operator: operator.to_string(),
        incidents: Mutex::new(HashMap::new()),
    });
}

/// True when a lookup is installed (team mode).
pub fn is_installed() -> bool {
    GUARD.get().is_some()
}

/// Ok when session `session` may act now: no lookup is installed, or nobody but this
/// operator holds a live claim on it. [`SessionError::ClaimHeld`] names the one who does;
/// [`SessionError::ClaimCheck`] says why it could not be checked (nothing acts then).
pub fn check(session: &str) -> Result<(), SessionError> {
    let Some(guard) = GUARD.get() else {
        return Ok(());
    };
    let known = match super::incident_link::incident_of(session) {
        Some(incident) => Some(Some(incident)),
        None => guard
            .incidents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(session)
            .cloned(),
    };
    let incident = match known {
        Some(incident) => incident,
        None => {
            let found = guard
                .lookup
                .incident_of(session)
                .map_err(SessionError::ClaimCheck)?;
            // Not found yet may mean "not recorded yet" (the start record follows the
            // session's start): only a found incident is remembered.
            if found.is_some() {
                guard
                    .incidents
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(session.to_string(), found.clone());
            }
            found
        }
    };
    let mut keys = vec![session.to_string()];
    keys.extend(incident);
    match guard
        .lookup
        .other_holder(&keys, &guard.operator)
        .map_err(SessionError::ClaimCheck)?
    {
        Some(holder) => Err(SessionError::ClaimHeld(crate::text::neutralize_line(
            &holder,
        ))),
        None => Ok(()),
    }
}
