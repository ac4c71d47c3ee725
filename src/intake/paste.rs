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
use crate::store::{Incident, Incidents, Store};

/// Pasted alerts into one store.
pub struct Paste {
    store: Arc<dyn Store>,
    ledger: Mutex<Ledger>,
    /// The incidents the last accept read or changed.
    seen: Mutex<Incidents>,
}

impl Paste {
    pub fn new(store: Arc<dyn Store>) -> Paste {
        Paste {
            store,
            ledger: Mutex::new(Ledger::new()),
            seen: Mutex::new(Incidents::default()),
        }
    }

    /// Record `alerts` (blocking: it syncs the inbox). New incidents are claimed by
    /// `claimant`; the caller starts their sessions and records them with
    /// [`crate::store::Change::Started`].
    pub fn accept(&self, alerts: Vec<Alert>, claimant: &str) -> Result<Vec<Outcome>, IntakeError> {
        let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now();
        let mut counts = [0; 5];
        let foreseen = ledger.foresee(&alerts, now);
        let mut alerts = Some(alerts);
        let mut outcomes = Vec::new();
        let mut seen = None;
        let ledger = &mut *ledger;
        self.store
            .decide_foreseen(&foreseen, &mut |lookup| {
                let alerts = alerts.take().unwrap_or_default();
                let mut batch = ledger.begin(lookup, &foreseen)?;
                let mut records = Vec::new();
                outcomes = batch.decide(alerts, now, Some(claimant), &mut records, &mut counts);
                seen = Some(batch.into_incidents());
                Ok(records)
            })
            .map_err(IntakeError::Store)?;
        if let Some(seen) = seen {
            *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = seen;
        }
        Ok(outcomes)
    }

    /// The incident as this paster's last accept left it, else as the store has it.
    pub fn incident(&self, id: &str) -> Option<Incident> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(id) {
            Some(incident) => Some(incident.clone()),
            None => self.store.incident(id).ok().flatten(),
        }
    }
}
