//! [`PgStore`]'s inbox appends and its read-decide-append, each in ONE database transaction
//! under the inbox's advisory lock: a transact reads every record after the cursor, runs the
//! caller's decision on this thread and appends what it returns before the lock is released,
//! so two replicas (or a replica and a paste) can never both decide that the same alert opens
//! an incident. The lock is held for two round trips plus the decision, in memory (one more
//! when the records name incidents the transaction has not read). The lookups of
//! [`Store::decide`](crate::store::Store::decide) are in `lookup.rs`.

use super::incident_rows::Known;
use super::write::{Locked, write};
use super::{PgStore, inbox};
use crate::store::{Cursor, InboxRecord, StoreError};

impl PgStore {
    /// [`Store::append`](crate::store::Store::append): one locked transaction, one
    /// multi-row insert.
    pub(super) fn append_locked(
        &self,
        records: &[InboxRecord],
    ) -> Result<std::ops::Range<Cursor>, StoreError> {
        if records.is_empty() {
            return Ok(0..0);
        }
        let records = records.to_vec();
        let appends = self.appends.clone();
        self.run(|pool| async move {
            let mut locked = Locked::begin(&pool).await?;
            let span = write(&mut locked, &appends, records, Known::default()).await?;
            Ok(match span {
                Some((first, last)) => inbox::cursor(first - 1)..inbox::cursor(last),
                None => 0..0,
            })
        })
    }

    /// [`Store::transact`](crate::store::Store::transact), atomic across processes: the read,
    /// `decide` and the append happen inside one transaction holding the inbox lock. Every
    /// record after `cursor` is read (this process's own appends included, as with the
    /// files); the cursor returned is after the appended records, which nobody else can
    /// precede while the lock is held.
    pub(super) fn transact_locked(
        &self,
        cursor: Cursor,
        decide: &mut dyn FnMut(Vec<InboxRecord>) -> Vec<InboxRecord>,
    ) -> Result<Cursor, StoreError> {
        let (mut locked, records, next) =
            self.run(|pool| async move { Locked::begin_reading(&pool, cursor).await })?;
        // A panic in `decide` drops `locked`: the connection closes and the lock is freed.
        let out = decide(records);
        let appends = self.appends.clone();
        self.run(|_| async move {
            let span = write(&mut locked, &appends, out, Known::default()).await?;
            Ok(match span {
                Some((_, last)) => inbox::cursor(last),
                None => next,
            })
        })
    }
}
