//! Claims as the desk enforces them, in files and team mode alike: who else holds an
//! incident (a live lease on the board), the line that names them, and the core's claim
//! guard for stores without a database ([`BoardLookup`]): a session whose incident someone
//! else holds runs no model turn and spawns no command, in every front end and in `run`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};

use crate::session::claim_guard::ClaimLookup;
use crate::store::{Board, Claim, Store};

/// The live claim someone other than `me` holds on `incident`, if any.
pub fn other_holder(
    board: &dyn Board,
    incident: &str,
    me: &str,
) -> Result<Option<Claim>, crate::store::StoreError> {
    let now = Utc::now();
    Ok(board
        .claims()?
        .into_iter()
        .find(|c| c.incident == incident && c.operator != me && c.is_live(now)))
}

/// "alice is on it since 03:12; `opsassist store handover inc-… --to bob` (as alice) or
/// wait for the lease (until 03:42)".
pub fn held_line(claim: &Claim, me: &str) -> String {
    let who = crate::text::neutralize_line(&claim.operator);
    format!(
        "{who} is on {} since {}; ask {who} to run `opsassist store handover {} --to {}` or `store release`, or wait for the lease (until {})",
        claim.incident,
        clock(claim.since),
        claim.incident,
        crate::text::neutralize_line(me),
        clock(claim.lease_until),
    )
}

fn clock(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The claim guard's lookup for a store without a database: the board's live claims, and
/// the inbox for which incident a session was started for. The desk links its own sessions
/// (`session::incident_link`), so the inbox is read only for others (a console's resumed
/// past session); a session found in no incident is not looked up again for [`MISS_TTL`], so
/// a large inbox is not re-read on every model turn.
pub struct BoardLookup {
    store: Arc<dyn Store>,
    board: Arc<dyn Board>,
    misses: Mutex<HashMap<String, Instant>>,
}

/// How long "this session belongs to no inbox incident" is believed.
const MISS_TTL: Duration = Duration::from_secs(30);

impl BoardLookup {
    pub fn new(store: Arc<dyn Store>, board: Arc<dyn Board>) -> BoardLookup {
        BoardLookup {
            store,
            board,
            misses: Mutex::new(HashMap::new()),
        }
    }
}

impl ClaimLookup for BoardLookup {
    fn incident_of(&self, session: &str) -> Result<Option<String>, String> {
        let now = Instant::now();
        {
            let mut misses = self.misses.lock().unwrap_or_else(|p| p.into_inner());
            misses.retain(|_, at| now.duration_since(*at) < MISS_TTL);
            if misses.contains_key(session) {
                return Ok(None);
            }
        }
        let found = self
            .store
            .incident_of_session(session)
            .map_err(|e| e.to_string())?
            .map(|i| i.id);
        if found.is_none() {
            self.misses
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(session.to_string(), now);
        }
        Ok(found)
    }

    fn other_holder(&self, keys: &[String], me: &str) -> Result<Option<String>, String> {
        let now = Utc::now();
        let claims = self.board.claims().map_err(|e| e.to_string())?;
        Ok(claims
            .into_iter()
            .find(|c| keys.contains(&c.incident) && c.operator != me && c.is_live(now))
            .map(|c| c.operator))
    }
}
