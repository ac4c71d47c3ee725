//! Which inbox incident each session of this process investigates. The desk records the link
//! when it starts or recovers a session; the session's notifications carry the incident id
//! (one id per incident across every notice) and the claim guard checks the incident's claim
//! without asking the store.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

fn links() -> &'static Mutex<HashMap<String, String>> {
    static LINKS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    LINKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Record that `session` investigates inbox incident `incident`.
pub fn link(session: &str, incident: &str) {
    if session.is_empty() || incident.is_empty() {
        return;
    }
    links()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(session.to_string(), incident.to_string());
}

/// The inbox incident `session` investigates, if this process knows it.
pub fn incident_of(session: &str) -> Option<String> {
    links()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(session)
        .cloned()
}

/// The id notices about `session` carry: its inbox incident, else the session id.
pub fn notice_id(session: &str) -> String {
    incident_of(session).unwrap_or_else(|| session.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_session_is_noticed_under_its_incident_and_others_under_their_own_id() {
        link("s-linked", "inc-1");
        assert_eq!(notice_id("s-linked"), "inc-1");
        assert_eq!(notice_id("s-alone"), "s-alone");
        link("s-empty", "");
        assert_eq!(incident_of("s-empty"), None);
    }
}
