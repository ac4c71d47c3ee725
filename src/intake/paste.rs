//! Alerts the operator pastes (the console's new-incident editor, `opsassist run`) enter the
//! inbox through the same dedup rule as received ones, in a store transaction, so an alert
//! whose fingerprint matches an open incident, whether it arrived by webhook or an earlier
//! paste, in this process or another, updates that incident (count, last seen) instead of
//! opening a duplicate. A new incident is claimed in the same transaction by the paster,
//! who starts its session.

use std::sync::{Arc, Mutex};

use chrono::Utc;

use super::ledger::Ledger;
use super::{IntakeError, Outcome};
use crate::alert::Alert;
use crate::store::{Incident, Store};

/// Pasted alerts into one store.
pub struct Paste {
    store: Arc<dyn Store>,
    ledger: Mutex<Ledger>,
}

impl Paste {
    pub fn new(store: Arc<dyn Store>) -> Paste {
        Paste {
            store,
            ledger: Mutex::new(Ledger::new()),
        }
    }

    /// Record `alerts` (blocking: it syncs the inbox). New incidents are claimed by
    /// `claimant`; the caller starts their sessions and records them with
    /// [`crate::store::Change::Started`].
    pub fn accept(&self, alerts: Vec<Alert>, claimant: &str) -> Result<Vec<Outcome>, IntakeError> {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now();
        let mut counts = [0; 5];
        let mut alerts = Some(alerts);
        let mut outcomes = Vec::new();
        let ledger = &mut *ledger;
        let result = self.store.transact(ledger.cursor, &mut |others| {
            ledger.catch_up(others);
            let mut records = Vec::new();
            let alerts = alerts.take().unwrap_or_default();
            outcomes = ledger.decide(alerts, now, Some(claimant), &mut records, &mut counts);
            records
        });
        match result {
            Ok(cursor) => {
                ledger.cursor = cursor;
                Ok(outcomes)
            }
            Err(e) => {
                ledger.forget();
                Err(IntakeError::Store(e))
            }
        }
    }

    /// The incident as this paster last saw it (after its own records).
    pub fn incident(&self, id: &str) -> Option<Incident> {
        let ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger.incidents.get(id).cloned()
    }
}
