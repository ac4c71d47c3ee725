//! Corrections in SQLite (`corrections`: n, the JSON line), as in the PostgreSQL store: each
//! add also trims the table to the newest [`learning::KEEP`] rows, in the same transaction.

use rusqlite::params;

use super::{SqliteStore, db, lock};
use crate::session::corrections::CorrectionSink;
use crate::session::learning;
use crate::session::learning::Correction;

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

    fn forget(&self, id: &str) -> Result<usize, String> {
        self.write(|tx| {
            let doomed: Vec<i64> = {
                let mut stmt = tx.prepare("SELECT n, line FROM corrections").map_err(db)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                    .map_err(db)?;
                let mut doomed = Vec::new();
                for row in rows {
                    let (n, line) = row.map_err(db)?;
                    if serde_json::from_str::<Correction>(&line).is_ok_and(|c| c.id() == id) {
                        doomed.push(n);
                    }
                }
                doomed
            };
            for n in &doomed {
                tx.execute("DELETE FROM corrections WHERE n = ?1", params![n])
                    .map_err(db)?;
            }
            Ok(doomed.len())
        })
        .map_err(|e| e.to_string())
    }
}
