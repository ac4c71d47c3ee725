//! The rights the app role needs (README, Team mode, Roles, step 3), and which of them the
//! connected role lacks: `opsassist doctor` names each missing grant.

use super::{PgStore, db};
use crate::store::StoreError;

/// `(table, privileges)` every receiver and console needs.
const TABLES: &[(&str, &[&str])] = &[
    ("opsassist_migrations", &["SELECT"]),
    ("inbox", &["SELECT", "INSERT"]),
    ("audit", &["SELECT", "INSERT"]),
    ("corrections", &["SELECT", "INSERT"]),
    ("incidents", &["SELECT", "INSERT", "UPDATE"]),
    ("session_events", &["SELECT", "INSERT", "UPDATE"]),
    ("audit_head", &["SELECT", "UPDATE"]),
    ("counters", &["SELECT", "UPDATE"]),
    ("claims", &["SELECT", "INSERT", "UPDATE", "DELETE"]),
];

/// Sequences the inserts draw from.
const SEQUENCES: &[&str] = &["inbox_seq_seq", "corrections_n_seq"];

impl PgStore {
    /// Every grant the connected role lacks, as `INSERT on inbox` (empty: all present).
    pub fn missing_grants(&self) -> Result<Vec<String>, StoreError> {
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let mut missing = Vec::new();
            for (table, privileges) in TABLES {
                for privilege in *privileges {
                    let (table, privilege): (&str, &str) = (table, privilege);
                    let row = client
                        .query_one(
                            "SELECT has_table_privilege(current_user, $1::text, $2::text)",
                            &[&table, &privilege],
                        )
                        .await
                        .map_err(db)?;
                    if !row.try_get::<_, bool>(0).map_err(db)? {
                        missing.push(format!("{privilege} on {table}"));
                    }
                }
            }
            for sequence in SEQUENCES {
                let sequence: &str = sequence;
                let row = client
                    .query_one(
                        "SELECT has_sequence_privilege(current_user, $1::text, 'USAGE')",
                        &[&sequence],
                    )
                    .await
                    .map_err(db)?;
                if !row.try_get::<_, bool>(0).map_err(db)? {
                    missing.push(format!("USAGE on sequence {sequence}"));
                }
            }
            Ok(missing)
        })
    }
}
