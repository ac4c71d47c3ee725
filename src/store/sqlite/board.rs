//! [`Board`] for [`SqliteStore`]: one row per claimed incident in `claims`, each change read
//! and written inside `BEGIN IMMEDIATE`, so two consoles pressing at once get exactly one
//! winner (as with the PostgreSQL store's conditional upsert).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, db, lock};
use crate::store::StoreError;
use crate::store::board::{Board, Claim, ClaimOutcome};

fn lease_of(lease: Duration) -> chrono::Duration {
    chrono::Duration::from_std(lease.max(Duration::from_millis(1)))
        .unwrap_or(chrono::Duration::seconds(30))
}

fn time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Db(format!("a claim with a bad time {text:?}: {e}")))
}

/// The claim row of `incident`, live or not.
fn get(conn: &Connection, incident: &str) -> Result<Option<Claim>, StoreError> {
    let row = conn
        .prepare_cached("SELECT operator, since, lease_until FROM claims WHERE incident = ?1")
        .map_err(db)?
        .query_row(params![incident], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()
        .map_err(db)?;
    row.map(|(operator, since, until)| {
        Ok(Claim {
            incident: incident.to_string(),
            operator,
            since: time(&since)?,
            lease_until: time(&until)?,
        })
    })
    .transpose()
}

fn put(conn: &Connection, claim: &Claim) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO claims (incident, operator, since, lease_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (incident) DO UPDATE SET operator = excluded.operator,
             since = excluded.since, lease_until = excluded.lease_until",
    )
    .map_err(db)?
    .execute(params![
        claim.incident,
        claim.operator,
        claim.since.to_rfc3339(),
        claim.lease_until.to_rfc3339()
    ])
    .map_err(db)?;
    Ok(())
}

/// `incident`'s claim if `operator` holds it live.
fn held_by(conn: &Connection, incident: &str, operator: &str) -> Result<Option<Claim>, StoreError> {
    let now = Utc::now();
    Ok(get(conn, incident)?.filter(|c| c.operator == operator && c.is_live(now)))
}

impl Board for SqliteStore {
    fn lease(
        &self,
        incident: &str,
        operator: &str,
        lease: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        self.write(|tx| {
            let now = Utc::now();
            let until = now + lease_of(lease);
            let outcome = match get(tx, incident)? {
                Some(held) if held.is_live(now) && held.operator == operator => {
                    ClaimOutcome::Renewed {
                        claim: Claim {
                            lease_until: until,
                            ..held
                        },
                    }
                }
                Some(held) if held.is_live(now) => return Ok(ClaimOutcome::Held { claim: held }),
                before => ClaimOutcome::Won {
                    claim: Claim {
                        incident: incident.to_string(),
                        operator: operator.to_string(),
                        since: now,
                        lease_until: until,
                    },
                    took_over_from: before.map(|c| c.operator).filter(|o| o != operator),
                },
            };
            let (ClaimOutcome::Renewed { claim } | ClaimOutcome::Won { claim, .. }) = &outcome
            else {
                return Ok(outcome);
            };
            put(tx, claim)?;
            Ok(outcome)
        })
    }

    fn renew(&self, incident: &str, operator: &str, lease: Duration) -> Result<bool, StoreError> {
        self.write(|tx| match held_by(tx, incident, operator)? {
            Some(claim) => {
                put(
                    tx,
                    &Claim {
                        lease_until: Utc::now() + lease_of(lease),
                        ..claim
                    },
                )?;
                Ok(true)
            }
            None => Ok(false),
        })
    }

    fn release(&self, incident: &str, operator: &str) -> Result<bool, StoreError> {
        self.write(|tx| match held_by(tx, incident, operator)? {
            Some(_) => {
                tx.execute("DELETE FROM claims WHERE incident = ?1", params![incident])
                    .map_err(db)?;
                Ok(true)
            }
            None => Ok(false),
        })
    }

    fn hand_over(
        &self,
        incident: &str,
        from: &str,
        to: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        self.write(|tx| match held_by(tx, incident, from)? {
            Some(_) => {
                let now = Utc::now();
                put(
                    tx,
                    &Claim {
                        incident: incident.to_string(),
                        operator: to.to_string(),
                        since: now,
                        lease_until: now + lease_of(lease),
                    },
                )?;
                Ok(true)
            }
            None => Ok(false),
        })
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        let conn = lock(&self.reader);
        let mut stmt = conn
            .prepare_cached("SELECT incident, operator, since, lease_until FROM claims")
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(db)?;
        let now = Utc::now();
        let mut live = Vec::new();
        for row in rows {
            let (incident, operator, since, until) = row.map_err(db)?;
            let claim = Claim {
                incident,
                operator,
                since: time(&since)?,
                lease_until: time(&until)?,
            };
            if claim.is_live(now) {
                live.push(claim);
            }
        }
        live.sort_by_key(|c| c.since);
        Ok(live)
    }

    fn wait_for_change(&self, timeout: Duration) -> bool {
        self.wait_for_commit(timeout)
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}
