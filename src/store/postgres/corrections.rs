//! Corrections in PostgreSQL (`corrections`: n, the JSON line): the team's shared memory of
//! operator edits. Each add also trims the table to the newest [`learning::KEEP`] rows, in
//! the same statement; `forget` deletes the rows whose record has a given id.

use tokio_postgres::types::{ToSql, Type};

use super::{PgStore, db};
use crate::session::corrections::CorrectionSink;
use crate::session::learning::{self, Correction};

impl CorrectionSink for PgStore {
    fn add(&self, line: &str) -> Result<(), String> {
        let line = line.to_string();
        let keep = i64::try_from(learning::KEEP).unwrap_or(i64::MAX);
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            client
                .query_typed(
                    "WITH ins AS (INSERT INTO corrections (line) VALUES ($1) RETURNING n)
                     DELETE FROM corrections WHERE n <= (SELECT n FROM ins) - $2",
                    &[
                        (&line as &(dyn ToSql + Sync), Type::TEXT),
                        (&keep, Type::INT8),
                    ],
                )
                .await
                .map_err(db)?;
            Ok(())
        })
        .map_err(|e| e.to_string())
    }

    fn recent(&self, max: usize) -> Result<Vec<String>, String> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let rows = client
                .query_typed(
                    "SELECT line FROM (SELECT n, line FROM corrections ORDER BY n DESC LIMIT $1) AS t
                     ORDER BY n",
                    &[(&max as &(dyn ToSql + Sync), Type::INT8)],
                )
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
        })
        .map_err(|e| e.to_string())
    }

    fn forget(&self, id: &str) -> Result<usize, String> {
        let id = id.to_string();
        self.run(|pool| async move {
            let client = pool.get().await.map_err(db)?;
            let rows = client
                .query_typed("SELECT n, line FROM corrections", &[])
                .await
                .map_err(db)?;
            let doomed: Vec<i64> = rows
                .iter()
                .filter(|r| {
                    serde_json::from_str::<Correction>(&r.get::<_, String>(1))
                        .is_ok_and(|c| c.id() == id)
                })
                .map(|r| r.get::<_, i64>(0))
                .collect();
            if doomed.is_empty() {
                return Ok(0);
            }
            let deleted = client
                .query_typed(
                    "DELETE FROM corrections WHERE n = ANY($1) RETURNING n",
                    &[(&doomed as &(dyn ToSql + Sync), Type::INT8_ARRAY)],
                )
                .await
                .map_err(db)?;
            Ok(deleted.len())
        })
        .map_err(|e| e.to_string())
    }
}
