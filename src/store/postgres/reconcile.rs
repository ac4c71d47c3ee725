//! Making a batch of inbox records agree with the incidents as the database has them (one
//! holder per dedup key has the last word) before it is inserted, against the rows the
//! batch touches ([`Overlay`], read under the inbox lock): an `Opened` whose key is held
//! becomes a repeat or a reopen of the holder (the losing id is remembered in `aliases`, and
//! later records of the batch for it follow), a reopen of a firing incident or a resolve of a
//! resolved one becomes a repeat. Each record is applied to the overlay as it is decided, so
//! the next one sees it; no statement is sent.

use std::collections::HashMap;

use super::inbox::Aliases;
use super::incident_rows::Overlay;
use crate::store::{Change, InboxRecord, IncidentState};

/// Make every record agree with the incidents (see the module doc) and apply it to
/// `overlay`.
pub fn reconcile(overlay: &mut Overlay, aliases: &Aliases, records: &mut [InboxRecord]) {
    // Ids that lost to a key already held, in this batch: their later records follow.
    let mut redirect: HashMap<String, String> = HashMap::new();
    for (index, record) in records.iter_mut().enumerate() {
        if let Some(id) = redirect.get(&record.incident) {
            record.incident = id.clone();
        }
        let incidents = &overlay.incidents;
        let firing = |id: &str| incidents.get(id).map(|i| i.state == IncidentState::Open);
        let change = match &record.change {
            Change::Opened { key, alert } => match incidents.by_key(key) {
                Some(holder) if holder.id != record.incident => {
                    let id = holder.id.clone();
                    let change = if holder.state == IncidentState::Open {
                        Change::Repeated
                    } else {
                        Change::Reopened {
                            alert: alert.clone(),
                        }
                    };
                    aliases
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(record.incident.clone(), id.clone());
                    redirect.insert(record.incident.clone(), id.clone());
                    record.incident = id;
                    Some(change)
                }
                _ => None,
            },
            Change::Reopened { .. } if firing(&record.incident) == Some(true) => {
                Some(Change::Repeated)
            }
            Change::ResolvedAtSource { .. } if firing(&record.incident) == Some(false) => {
                Some(Change::Repeated)
            }
            // Snapshots come from a files inbox's compaction (`store migrate` copies them as
            // they are); they carry absolute state, nothing to reconcile.
            _ => None,
        };
        if let Some(change) = change {
            record.change = change;
        }
        overlay.apply(index, record);
    }
}
