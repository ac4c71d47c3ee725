//! Making a batch of inbox records agree with the `incidents` table before it is inserted
//! (the unique dedup key has the last word): an `Opened` whose key exists becomes a repeat or
//! a reopen of the existing incident (the losing id is remembered in `aliases`, and later
//! records of the batch for it follow), a reopen of a firing incident or a resolve of a
//! resolved one becomes a repeat. At most four statements per batch, whatever its size.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;
use tokio_postgres::types::{ToSql, Type};

use super::db;
use super::inbox::Aliases;
use crate::store::{Change, InboxRecord, StoreError};

/// Where an incident stands in the database while a batch is reconciled.
type Firing = HashMap<String, Option<bool>>;

/// Make every record agree with the incidents table (see the module doc), in at most four
/// statements for the whole batch: insert the new incidents, look up the keys that were
/// already taken, read the firing state of the incidents reopened or resolved, write the
/// firing states that changed.
pub async fn reconcile(
    client: &Client,
    aliases: &Aliases,
    records: &mut [InboxRecord],
) -> Result<(), StoreError> {
    let mut firing: Firing = HashMap::new();
    let opened: Vec<usize> = (0..records.len())
        .filter(|&i| matches!(records[i].change, Change::Opened { .. }))
        .collect();
    // Every key of this batch that was already taken: its incident and whether it fires.
    let mut taken: HashMap<(String, String), (String, bool)> = HashMap::new();
    let mut won: HashSet<String> = HashSet::new();
    if !opened.is_empty() {
        let (mut ids, mut sources, mut prints, mut ats) = (vec![], vec![], vec![], vec![]);
        for &i in &opened {
            if let Change::Opened { key, .. } = &records[i].change {
                ids.push(records[i].incident.clone());
                sources.push(key.source.name().to_string());
                prints.push(key.fingerprint.clone());
                ats.push(records[i].at);
            }
        }
        let rows = client
            .query_typed(
                "INSERT INTO incidents (id, source, fingerprint, firing, opened_at)
                 SELECT i, s, f, TRUE, a
                   FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
                        AS u(i, s, f, a)
                 ON CONFLICT (source, fingerprint) DO NOTHING RETURNING id",
                &[
                    (&ids as &(dyn ToSql + Sync), Type::TEXT_ARRAY),
                    (&sources, Type::TEXT_ARRAY),
                    (&prints, Type::TEXT_ARRAY),
                    (&ats, Type::TIMESTAMPTZ_ARRAY),
                ],
            )
            .await
            .map_err(db)?;
        won.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        if won.len() < ids.len() {
            let rows = client
                .query_typed(
                    "SELECT id, firing, source, fingerprint FROM incidents
                      WHERE (source, fingerprint) IN
                            (SELECT * FROM unnest($1::text[], $2::text[]))",
                    &[
                        (&sources as &(dyn ToSql + Sync), Type::TEXT_ARRAY),
                        (&prints, Type::TEXT_ARRAY),
                    ],
                )
                .await
                .map_err(db)?;
            for row in rows {
                let id: String = row.get(0);
                let state: bool = row.get(1);
                // An incident this batch opened gets its state as its records are walked.
                if !won.contains(&id) {
                    firing.insert(id.clone(), Some(state));
                }
                taken.insert((row.get(2), row.get(3)), (id, state));
            }
        }
    }
    let unknown: Vec<String> = records
        .iter()
        .filter(|r| {
            matches!(
                r.change,
                Change::Reopened { .. } | Change::ResolvedAtSource { .. }
            )
        })
        .map(|r| r.incident.clone())
        .filter(|id| !firing.contains_key(id) && !won.contains(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !unknown.is_empty() {
        let rows = client
            .query_typed(
                "SELECT id, firing FROM incidents WHERE id = ANY($1::text[])",
                &[(&unknown as &(dyn ToSql + Sync), Type::TEXT_ARRAY)],
            )
            .await
            .map_err(db)?;
        for id in &unknown {
            firing.insert(id.clone(), None);
        }
        for row in rows {
            firing.insert(row.get(0), Some(row.get(1)));
        }
    }
    let mut changed: Vec<String> = Vec::new();
    let mut set = |firing: &mut Firing, id: &str, to: bool| {
        firing.insert(id.to_string(), Some(to));
        if !changed.iter().any(|c| c == id) {
            changed.push(id.to_string());
        }
    };
    // Ids that lost to a key already taken, in this batch: their later records follow.
    let mut redirect: HashMap<String, String> = HashMap::new();
    for record in records.iter_mut() {
        if let Some(id) = redirect.get(&record.incident) {
            record.incident = id.clone();
        }
        match &record.change {
            Change::Opened { key, alert } => {
                if won.contains(&record.incident) {
                    firing.insert(record.incident.clone(), Some(true));
                    continue;
                }
                let k = (key.source.name().to_string(), key.fingerprint.clone());
                let Some((id, _)) = taken.get(&k).cloned() else {
                    return Err(StoreError::Db(format!(
                        "incident {} was neither opened nor found by its key",
                        record.incident
                    )));
                };
                aliases
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(record.incident.clone(), id.clone());
                redirect.insert(record.incident.clone(), id.clone());
                let change = if firing.get(&id).copied().flatten() == Some(true) {
                    Change::Repeated
                } else {
                    set(&mut firing, &id, true);
                    Change::Reopened {
                        alert: alert.clone(),
                    }
                };
                record.incident = id;
                record.change = change;
            }
            Change::Reopened { .. } => {
                if firing.get(&record.incident).copied().flatten() == Some(true) {
                    record.change = Change::Repeated;
                } else {
                    set(&mut firing, &record.incident, true);
                }
            }
            Change::ResolvedAtSource { .. } => {
                if firing.get(&record.incident).copied().flatten() == Some(false) {
                    record.change = Change::Repeated;
                } else {
                    set(&mut firing, &record.incident, false);
                }
            }
            // Snapshots come from a files inbox's compaction (`store migrate` copies them as
            // they are); they carry absolute state, nothing to reconcile.
            Change::Repeated
            | Change::Claimed { .. }
            | Change::Started { .. }
            | Change::Snapshot { .. } => {}
        }
    }
    if !changed.is_empty() {
        let states: Vec<bool> = changed
            .iter()
            .map(|id| firing.get(id).copied().flatten().unwrap_or(true))
            .collect();
        client
            .query_typed(
                "UPDATE incidents AS i SET firing = u.f
                   FROM unnest($1::text[], $2::bool[]) AS u(id, f) WHERE i.id = u.id",
                &[
                    (&changed as &(dyn ToSql + Sync), Type::TEXT_ARRAY),
                    (&states, Type::BOOL_ARRAY),
                ],
            )
            .await
            .map_err(db)?;
    }
    Ok(())
}
