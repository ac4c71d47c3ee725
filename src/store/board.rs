//! Team operations beside the inbox: claims with a lease (who is on an incident), and waiting
//! for the board to change. [`Board`] is implemented by the SQLite store (one machine) and the
//! PostgreSQL store (a team sharing one database).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;

/// Who holds an incident, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub incident: String,
    /// The operator (`$USER` of the claiming console).
    pub operator: String,
    pub since: DateTime<Utc>,
    /// The claim lapses at this time unless renewed.
    pub lease_until: DateTime<Utc>,
}

impl Claim {
    /// Still held at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.lease_until > now
    }
}

/// What a claim attempt did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// This operator holds it now. `took_over_from` names a previous claimant whose lease
    /// had lapsed (their console died): the session must be resumed as after a crash.
    Won {
        claim: Claim,
        took_over_from: Option<String>,
    },
    /// This operator already held it; the lease was renewed.
    Renewed { claim: Claim },
    /// Someone else holds it and their lease has not lapsed.
    Held { claim: Claim },
}

/// Claims with a lease, shared by every console on the same store.
pub trait Board: Send + Sync {
    /// Take `incident` for `operator` for `lease`, if nobody else holds a live claim. Atomic
    /// across processes: when two press at once exactly one wins.
    fn lease(
        &self,
        incident: &str,
        operator: &str,
        lease: Duration,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Extend `operator`'s live claim; false when they no longer hold it.
    fn renew(&self, incident: &str, operator: &str, lease: Duration) -> Result<bool, StoreError>;

    /// Give `operator`'s claim up; false when they did not hold it.
    fn release(&self, incident: &str, operator: &str) -> Result<bool, StoreError>;

    /// Pass `from`'s live claim to `to` (a fresh lease); false when `from` did not hold it.
    fn hand_over(
        &self,
        incident: &str,
        from: &str,
        to: &str,
        lease: Duration,
    ) -> Result<bool, StoreError>;

    /// Every live claim.
    fn claims(&self) -> Result<Vec<Claim>, StoreError>;

    /// Block until the board may have changed (a notification from another process) or
    /// `timeout` passes; true when woken by a change. Callers re-read either way.
    fn wait_for_change(&self, timeout: Duration) -> bool {
        std::thread::sleep(timeout);
        false
    }

    /// Where this board lives, for messages (`files:/path`, `postgres://host/db`).
    fn describe(&self) -> String;
}
