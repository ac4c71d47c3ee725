//! Claims with a lease in PostgreSQL: one row per claimed incident in `claims`. Taking one is
//! a single conditional upsert (insert, or update only when the lease lapsed or the claimant
//! is the same operator), so two consoles pressing at once get exactly one winner. Every
//! change notifies the board channel in the same transaction.

use std::time::Duration;

use tokio_postgres::{Client, Row};

use super::db;
use super::inbox::CHANNEL;
use crate::store::StoreError;
use crate::store::board::{Claim, ClaimOutcome};

fn secs(lease: Duration) -> f64 {
    lease.as_secs_f64().max(1.0)
}

fn claim_of(row: &Row) -> Claim {
    Claim {
        incident: row.get("incident"),
        operator: row.get("operator"),
        since: row.get("since"),
        lease_until: row.get("lease_until"),
    }
}

async fn notify(tx: &tokio_postgres::Transaction<'_>, what: &str) -> Result<(), StoreError> {
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &what])
        .await
        .map_err(db)?;
    Ok(())
}

pub async fn claim(
    client: &mut Client,
    incident: &str,
    operator: &str,
    lease: Duration,
) -> Result<ClaimOutcome, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    // Who held it before (a lapsed lease means a take-over): read in the same transaction;
    // the upsert below is what decides.
    let before = tx
        .query_opt(
            "SELECT operator, lease_until < now() AS lapsed FROM claims WHERE incident = $1",
            &[&incident],
        )
        .await
        .map_err(db)?
        .map(|r| (r.get::<_, String>(0), r.get::<_, bool>(1)));
    let won = tx
        .query_opt(
            "INSERT INTO claims (incident, operator, since, lease_until)
             VALUES ($1, $2, now(), now() + make_interval(secs => $3))
             ON CONFLICT (incident) DO UPDATE
               SET operator = EXCLUDED.operator,
                   since = CASE WHEN claims.operator = EXCLUDED.operator
                                 AND claims.lease_until >= now()
                                THEN claims.since ELSE EXCLUDED.since END,
                   lease_until = EXCLUDED.lease_until
               WHERE claims.lease_until < now() OR claims.operator = EXCLUDED.operator
             RETURNING incident, operator, since, lease_until",
            &[&incident, &operator, &secs(lease)],
        )
        .await
        .map_err(db)?;
    let outcome = match won {
        Some(row) => {
            let claim = claim_of(&row);
            match before {
                Some((who, false)) if who == operator => ClaimOutcome::Renewed { claim },
                Some((who, _)) if who != operator => ClaimOutcome::Won {
                    claim,
                    took_over_from: Some(who),
                },
                _ => ClaimOutcome::Won {
                    claim,
                    took_over_from: None,
                },
            }
        }
        None => {
            let row = tx
                .query_one(
                    "SELECT incident, operator, since, lease_until FROM claims WHERE incident = $1",
                    &[&incident],
                )
                .await
                .map_err(db)?;
            ClaimOutcome::Held {
                claim: claim_of(&row),
            }
        }
    };
    if !matches!(outcome, ClaimOutcome::Held { .. }) {
        notify(&tx, &format!("claim {incident}")).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(outcome)
}

pub async fn renew(
    client: &mut Client,
    incident: &str,
    operator: &str,
    lease: Duration,
) -> Result<bool, StoreError> {
    let n = client
        .execute(
            "UPDATE claims SET lease_until = now() + make_interval(secs => $3)
             WHERE incident = $1 AND operator = $2 AND lease_until >= now()",
            &[&incident, &operator, &secs(lease)],
        )
        .await
        .map_err(db)?;
    Ok(n == 1)
}

pub async fn release(
    client: &mut Client,
    incident: &str,
    operator: &str,
) -> Result<bool, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let n = tx
        .execute(
            "DELETE FROM claims WHERE incident = $1 AND operator = $2 AND lease_until >= now()",
            &[&incident, &operator],
        )
        .await
        .map_err(db)?;
    if n == 1 {
        notify(&tx, &format!("release {incident}")).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(n == 1)
}

pub async fn hand_over(
    client: &mut Client,
    incident: &str,
    from: &str,
    to: &str,
    lease: Duration,
) -> Result<bool, StoreError> {
    let tx = client.transaction().await.map_err(db)?;
    let n = tx
        .execute(
            "UPDATE claims SET operator = $3, since = now(),
                    lease_until = now() + make_interval(secs => $4)
             WHERE incident = $1 AND operator = $2 AND lease_until >= now()",
            &[&incident, &from, &to, &secs(lease)],
        )
        .await
        .map_err(db)?;
    if n == 1 {
        notify(&tx, &format!("handover {incident}")).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(n == 1)
}

pub async fn live(client: &Client) -> Result<Vec<Claim>, StoreError> {
    let rows = client
        .query(
            "SELECT incident, operator, since, lease_until FROM claims
             WHERE lease_until >= now() ORDER BY since",
            &[],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(claim_of).collect())
}
