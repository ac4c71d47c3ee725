//! [`Fold`]: every incident rebuilt in memory from the inbox records and followed from a
//! cursor, answering [`Lookup`]. The PostgreSQL store decides with it (it has no incidents
//! table yet); the SQLite store looks incidents up by its unique index instead.

use chrono::{DateTime, Utc};

use super::{
    Cursor, DedupKey, InboxRecord, Incident, IncidentState, Incidents, Lookup, StoreError,
};

/// The incidents as of `cursor`.
#[derive(Default)]
pub struct Fold {
    pub incidents: Incidents,
    pub cursor: Cursor,
}

impl Fold {
    /// Apply records read or written after the cursor.
    pub fn apply(&mut self, records: &[InboxRecord]) {
        for record in records {
            self.incidents.apply(record);
        }
    }

    /// Forget everything (after a failed write): the next use reads from the start.
    pub fn forget(&mut self) {
        *self = Fold::default();
    }
}

impl Lookup for Fold {
    fn by_keys(&mut self, keys: &[DedupKey]) -> Result<Vec<Incident>, StoreError> {
        let mut found: Vec<Incident> = Vec::new();
        for key in keys {
            if let Some(incident) = self.incidents.by_key(key)
                && !found.iter().any(|f| f.id == incident.id)
            {
                found.push(incident.clone());
            }
        }
        Ok(found)
    }

    fn pending(&mut self) -> Result<usize, StoreError> {
        Ok(self.incidents.pending())
    }

    fn lingering(&mut self, since: DateTime<Utc>) -> Result<usize, StoreError> {
        // Newest first: stop at the first incident opened before the window.
        Ok(self
            .incidents
            .iter_newest()
            .take_while(|i| i.opened_at >= since)
            .filter(|i| {
                matches!(i.state, IncidentState::ResolvedAtSource { .. }) && i.claimed_by.is_none()
            })
            .count())
    }
}
