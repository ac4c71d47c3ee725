//! Corrections in SQLite (`corrections`: n, the JSON line), as in the PostgreSQL store: each
//! add also trims the table to the newest [`learning::KEEP`] rows, in the same transaction.

use rusqlite::params;

use super::{SqliteStore, db, lock};
use crate::session::corrections::CorrectionSink;
use crate::session::learning;

impl CorrectionSink for SqliteStore {
    fn add(&self, line: &str) -> Result<(), String> {
        let keep = i64::try_from(learning::KEEP).unwrap_or(i64::MAX);
        self.write(|tx| {
            tx.execute("INSERT INTO corrections (line) VALUES (?1)", params![line])
                .map_err(db)?;
            let n = tx.last_insert_rowid();
            tx.execute("DELETE FROM corrections WHERE n <= ?1", params![n - keep])
                .map_err(db)?;
            Ok(())
        })
        .map_err(|e| e.to_string())
    }

    fn recent(&self, max: usize) -> Result<Vec<String>, String> {
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let conn = lock(&self.reader);
        let mut stmt = conn
            .prepare_cached(
                "SELECT line FROM (SELECT n, line FROM corrections ORDER BY n DESC LIMIT ?1)
                 ORDER BY n",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![max], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }
}
